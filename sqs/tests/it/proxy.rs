//! A TCP proxy on loopback between a client and moto that injects faults on demand: refused
//! connections, connections dropped in the middle of a response, and requests that get no
//! answer at all, for as long as a fault is set.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

/// What the proxy does to traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Passes everything through.
    None,
    /// Stops listening (new connections are refused) and closes the open ones.
    Refuse,
    /// Passes requests on, then closes the connection after half of the first part of the
    /// response: the server acted on the request, the client never learns how.
    DropMidResponse,
    /// Accepts requests and never answers them.
    Stall,
}

/// How much traffic met each fault.
#[derive(Default)]
pub struct Tally {
    pub connections: AtomicU64,
    pub responses_cut: AtomicU64,
    pub requests_stalled: AtomicU64,
    pub connections_closed: AtomicU64,
}

pub struct FaultProxy {
    pub endpoint: String,
    pub tally: Arc<Tally>,
    fault: watch::Sender<Fault>,
}

impl FaultProxy {
    /// A proxy to `upstream` on a free loopback port, passing everything through.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("local address");
        let (fault, watched) = watch::channel(Fault::None);
        let tally = Arc::new(Tally::default());
        tokio::spawn(accept_loop(
            listener,
            address,
            upstream,
            watched,
            tally.clone(),
        ));
        Self {
            endpoint: format!("http://{address}"),
            tally,
            fault,
        }
    }

    /// A proxy to the shared moto server.
    pub async fn to_moto() -> Self {
        let endpoint = &crate::moto::moto().endpoint;
        let upstream = endpoint
            .trim_start_matches("http://")
            .parse()
            .expect("moto listens on an IP address");
        Self::start(upstream).await
    }

    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    /// Injects `fault` for `duration`, then passes traffic again.
    pub async fn outage(&self, fault: Fault, duration: Duration) {
        self.set(fault);
        tokio::time::sleep(duration).await;
        self.set(Fault::None);
    }
}

async fn accept_loop(
    listener: TcpListener,
    address: SocketAddr,
    upstream: SocketAddr,
    mut fault: watch::Receiver<Fault>,
    tally: Arc<Tally>,
) {
    let mut listener = Some(listener);
    loop {
        let Some(open) = &listener else {
            // Refusing: nothing listens until the fault is lifted.
            if fault
                .wait_for(|fault| *fault != Fault::Refuse)
                .await
                .is_err()
            {
                return;
            }
            listener = Some(rebind(address).await);
            continue;
        };
        tokio::select! {
            accepted = open.accept() => {
                let Ok((client, _)) = accepted else { continue };
                tally.connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(connection(client, upstream, fault.clone(), tally.clone()));
            }
            changed = fault.changed() => {
                if changed.is_err() {
                    return;
                }
                if *fault.borrow() == Fault::Refuse {
                    listener = None;
                }
            }
        }
    }
}

/// Listens on the same address again; the port is the proxy's endpoint.
async fn rebind(address: SocketAddr) -> TcpListener {
    loop {
        let socket = TcpSocket::new_v4().expect("a socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        if socket.bind(address).is_ok()
            && let Ok(listener) = socket.listen(64)
        {
            return listener;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn connection(
    client: TcpStream,
    upstream: SocketAddr,
    fault: watch::Receiver<Fault>,
    tally: Arc<Tally>,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        () = pump(client_read, server_write, fault.clone(), &tally, false) => {}
        () = pump(server_read, client_write, fault, &tally, true) => {}
    }
}

/// Copies one direction of a connection, applying the fault in force to each chunk; returning
/// closes the whole connection.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut fault: watch::Receiver<Fault>,
    tally: &Tally,
    response: bool,
) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = tokio::select! {
            read = from.read(&mut buffer) => read,
            changed = fault.changed() => {
                if changed.is_err() || *fault.borrow() == Fault::Refuse {
                    tally.connections_closed.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                continue;
            }
        };
        let n = match read {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let current = *fault.borrow();
        match current {
            Fault::None => {}
            Fault::Refuse => return,
            Fault::Stall => {
                if !response {
                    tally.requests_stalled.fetch_add(1, Ordering::Relaxed);
                }
                // Hold on to the connection, answering nothing, until the fault is lifted; the
                // client has long given up by then.
                let _ = fault.wait_for(|fault| *fault != Fault::Stall).await;
                return;
            }
            Fault::DropMidResponse if response => {
                tally.responses_cut.fetch_add(1, Ordering::Relaxed);
                let _ = to.write_all(&buffer[..n / 2]).await;
                return;
            }
            Fault::DropMidResponse => {}
        }
        if to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}
