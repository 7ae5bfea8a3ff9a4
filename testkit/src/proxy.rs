//! A TCP proxy on loopback between a client and moto (or any loopback server) that injects
//! faults on demand: refused connections, connections dropped in the middle of a response, and
//! requests that get no answer at all, for as long as a fault is set.
//!
//! It runs on the tokio runtime of the test that starts it.

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
    /// Connections accepted.
    pub connections: AtomicU64,
    /// Responses cut halfway by [`Fault::DropMidResponse`].
    pub responses_cut: AtomicU64,
    /// Requests held unanswered by [`Fault::Stall`].
    pub requests_stalled: AtomicU64,
    /// Open connections closed by [`Fault::Refuse`].
    pub connections_closed: AtomicU64,
}

/// A running proxy; it stops with the test's runtime.
pub struct FaultProxy {
    /// The proxy's URL, `http://127.0.0.1:PORT`, to give a client as its endpoint.
    pub endpoint: String,
    /// What the proxy did so far.
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

    /// A proxy to the shared moto server ([`crate::moto::moto`]).
    pub async fn to_moto() -> Self {
        let endpoint = &crate::moto::moto().endpoint;
        let upstream = endpoint
            .trim_start_matches("http://")
            .parse()
            .expect("moto listens on an IP address");
        Self::start(upstream).await
    }

    /// Injects `fault` from now on, until another is set.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::tests::exchange;
    use crate::http::{Reply, serve_each};

    const GET: &str = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    /// Waits until connecting to `address` succeeds (or fails, when not `listening`): the
    /// proxy's accept loop closes and reopens its listener after a fault changes.
    async fn until_listening(address: SocketAddr, listening: bool) {
        while TcpStream::connect(address).await.is_ok() != listening {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test]
    async fn passes_traffic_and_refuses_cuts_or_stalls_it_on_demand() {
        let (upstream, _) = serve_each(|_| Reply::status(200).body(&"x".repeat(100))).await;
        let proxy = FaultProxy::start(upstream).await;
        let address: SocketAddr = proxy
            .endpoint
            .trim_start_matches("http://")
            .parse()
            .expect("an address");

        let whole = exchange(address, GET).await.expect("passed through");
        assert!(whole.starts_with("HTTP/1.1 200 Status\r\n") && whole.ends_with(&"x".repeat(100)));

        proxy.set(Fault::DropMidResponse);
        let cut = exchange(address, GET).await.expect("half an answer");
        assert!(
            cut.len() < whole.len() && whole.starts_with(&cut),
            "{cut:?}"
        );
        assert_eq!(proxy.tally.responses_cut.load(Ordering::Relaxed), 1);

        proxy.set(Fault::Refuse);
        until_listening(address, false).await;
        assert!(exchange(address, GET).await.is_err(), "refused");

        proxy.set(Fault::Stall);
        until_listening(address, true).await;
        let stalled =
            tokio::time::timeout(Duration::from_millis(300), exchange(address, GET)).await;
        assert!(stalled.is_err(), "no answer: {stalled:?}");
        assert_eq!(proxy.tally.requests_stalled.load(Ordering::Relaxed), 1);

        proxy.outage(Fault::Refuse, Duration::from_millis(50)).await;
        until_listening(address, true).await;
        assert_eq!(exchange(address, GET).await.expect("passed again"), whole);
    }
}
