//! A real SQS, SNS and EventBridge on loopback: moto's standalone server, one per test binary.
//!
//! The server is installed into a virtualenv outside the repository the first time it is needed
//! (`$BRIDGECRAFT_MOTO_VENV`, else `$HOME/.cache/bridgecraft/moto-venv`), started on a free
//! loopback port and polled until it answers. It is started through a small Python wrapper that
//! exits when its standard input closes: the test binary holds the other end of that pipe, so the
//! server goes away with the binary however the binary ends, without relying on a destructor in a
//! static (those never run).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;

/// The moto version range the tests are written against.
const MOTO_REQUIREMENT: &str = "moto[server]>=5.2,<5.3";

/// Runs moto's server in a thread and exits as soon as standard input reaches end of file.
const WATCHDOG: &str = r#"
import os, sys, threading
from moto.server import main

def exit_when_parent_goes():
    sys.stdin.buffer.read()
    os._exit(0)

threading.Thread(target=exit_when_parent_goes, daemon=True).start()
main(sys.argv[1:])
"#;

/// The running server.
pub struct Moto {
    /// Its URL, `http://127.0.0.1:PORT`.
    pub endpoint: String,
    _server: Child,
    /// Closing this (when the test binary exits) stops the server.
    _lifeline: ChildStdin,
}

/// The shared server, installed and started on first use, then the same for the rest of the
/// test binary.
///
/// # Panics
///
/// When Python 3.9 or later is missing, moto cannot be installed, or the server does not start.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let python = ensure_venv();
        start(&python)
    })
}

/// AWS SDK configuration pointing at the shared server, with dummy credentials.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&moto().endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "static"))
        .load()
        .await
}

fn venv_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BRIDGECRAFT_MOTO_VENV") {
        return dir.into();
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    Path::new(&home).join(".cache/bridgecraft/moto-venv")
}

/// Returns the venv's python, creating the venv and installing moto when missing.
fn ensure_venv() -> PathBuf {
    let venv = venv_dir();
    let python = venv.join("bin/python");
    let installed = Command::new(&python)
        .args(["-c", "import moto.server, flask, werkzeug"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if installed {
        return python;
    }
    let base = find_python();
    eprintln!("installing {MOTO_REQUIREMENT} into {}", venv.display());
    run(Command::new(&base).arg("-m").arg("venv").arg(&venv));
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        MOTO_REQUIREMENT,
    ]));
    python
}

/// moto 5.2 runs on Python 3.9 and later; 3.11 is the one the project tests with.
fn find_python() -> String {
    for candidate in ["python3.11", "python3.12", "python3.13", "python3"] {
        let ok = Command::new(candidate)
            .args([
                "-c",
                "import sys, venv; sys.exit(sys.version_info < (3, 9))",
            ])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if ok {
            return candidate.to_owned();
        }
    }
    panic!("moto needs Python 3.9 or later (3.11 preferred) on PATH");
}

fn run(command: &mut Command) {
    let status = command.status().expect("command starts");
    assert!(status.success(), "{command:?} failed: {status}");
}

fn start(python: &Path) -> Moto {
    for _ in 0..5 {
        let port = free_port();
        let mut server = Command::new(python)
            .args(["-c", WATCHDOG, "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto server starts");
        let lifeline = server.stdin.take().expect("stdin is piped");
        if wait_until_answers(port, &mut server) {
            return Moto {
                endpoint: format!("http://127.0.0.1:{port}"),
                _server: server,
                _lifeline: lifeline,
            };
        }
        // Lost the port to another process, or too slow: stop this one and try another port.
        let _ = server.kill();
        let _ = server.wait();
    }
    panic!("moto server did not start");
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Polls moto's own API until it answers 200, for at most 60 seconds.
fn wait_until_answers(port: u16, server: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if server.try_wait().ok().flatten().is_some() {
            return false;
        }
        if answers(port) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status_line = [0u8; 12];
    stream.read_exact(&mut status_line).is_ok() && status_line.ends_with(b"200")
}
