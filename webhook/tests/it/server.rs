//! A local HTTP server on 127.0.0.1 for webhook tests: scripted answers, one connection each
//! ([`serve_replies`]), or an answer made from each request ([`serve_each`]).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One scripted answer of the test server.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    /// Waits this long before answering.
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            ..Reply::default()
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// Serves one request per status in `statuses`, then returns what it received.
pub async fn serve(statuses: Vec<u16>) -> (SocketAddr, JoinHandle<Vec<Request>>) {
    serve_replies(statuses.into_iter().map(Reply::status).collect()).await
}

/// Answers one request per reply, in order, one connection each (answers are concurrent, so a
/// slow one does not hold up the next), then returns what it received in the order received.
pub async fn serve_replies(replies: Vec<Reply>) -> (SocketAddr, JoinHandle<Vec<Request>>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let handle = tokio::spawn(async move {
        let mut answers = Vec::new();
        for reply in replies {
            let accepted = tokio::time::timeout(Duration::from_secs(3), listener.accept()).await;
            let Ok(Ok((stream, _))) = accepted else { break };
            answers.push(tokio::spawn(answer(stream, reply)));
        }
        let mut received = Vec::new();
        for answer in answers {
            if let Ok(Some(request)) = answer.await {
                received.push(request);
            }
        }
        received
    });
    (addr, handle)
}

async fn answer(mut stream: TcpStream, reply: Reply) -> Option<Request> {
    let request = read_request(&mut stream).await?;
    write_reply(stream, &reply).await;
    Some(request)
}

/// Answers every request with what `reply` makes of it, recording them, until the test ends.
pub async fn serve_each(
    reply: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> (SocketAddr, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().expect("local address");
    let received = Arc::new(Mutex::new(Vec::new()));
    let reply = Arc::new(reply);
    let log = received.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (reply, log) = (reply.clone(), log.clone());
            tokio::spawn(async move {
                if let Some(request) = read_request(&mut stream).await {
                    let answer = reply(&request);
                    log.lock().unwrap().push(request);
                    write_reply(stream, &answer).await;
                }
            });
        }
    });
    (addr, received)
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let (method, path) = (
        request_line.next()?.to_owned(),
        request_line.next()?.to_owned(),
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
    }
    let body = String::from_utf8_lossy(&data[head_end..]).into_owned();
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

async fn write_reply(mut stream: TcpStream, reply: &Reply) {
    tokio::time::sleep(reply.delay).await;
    let mut response = format!(
        "HTTP/1.1 {} Status\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&reply.body);
    // The client may have given up waiting; what it sent still counts.
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}
