//! A local HTTP server on 127.0.0.1 for webhook deliveries: [`serve_each`] answers every request
//! with what the test makes of it and records them all. [`Request::read`] and [`Reply::send`]
//! are its two halves, for a test that accepts connections its own way.
//!
//! It runs on the tokio runtime of the test that starts it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path and query, as sent.
    pub path: String,
    /// Names and values in the order sent, trimmed.
    pub headers: Vec<(String, String)>,
    /// The body, `Content-Length` bytes of it, as text.
    pub body: String,
}

impl Request {
    /// The value of the first header called `name`, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Reads one request from `stream`: the head, then as much body as `Content-Length` says
    /// (less if the client closes first). `None` if the connection closes or fails before the
    /// head is complete.
    pub async fn read(stream: &mut TcpStream) -> Option<Request> {
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
}

/// One answer of the test server.
#[derive(Clone, Debug, Default)]
pub struct Reply {
    /// The status code; the reason phrase is always `Status`.
    pub status: u16,
    /// Headers besides `content-length` and `connection: close`, which every answer has.
    pub headers: Vec<(&'static str, String)>,
    /// The body, as text.
    pub body: String,
    /// Waits this long before answering.
    pub delay: Duration,
}

impl Reply {
    /// An answer with `status` and an empty body.
    pub fn status(status: u16) -> Self {
        Reply {
            status,
            ..Reply::default()
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    /// Waits `delay` before answering.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Writes this answer to `stream` after its delay, then closes the connection.
    pub async fn send(&self, mut stream: TcpStream) {
        tokio::time::sleep(self.delay).await;
        let mut response = format!(
            "HTTP/1.1 {} Status\r\ncontent-length: {}\r\nconnection: close\r\n",
            self.status,
            self.body.len()
        );
        for (name, value) in &self.headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(&self.body);
        // The client may have given up waiting; what it sent still counts.
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }
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
                if let Some(request) = Request::read(&mut stream).await {
                    let answer = reply(&request);
                    log.lock().unwrap().push(request);
                    answer.send(stream).await;
                }
            });
        }
    });
    (addr, received)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Sends `request` on a connection of its own and reads the answer to the end.
    pub(crate) async fn exchange(address: SocketAddr, request: &str) -> std::io::Result<String> {
        let mut stream = TcpStream::connect(address).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await?;
        Ok(response)
    }

    #[tokio::test]
    async fn each_request_is_recorded_and_answered_with_what_the_test_makes_of_it() {
        let (address, received) = serve_each(|request| {
            Reply::status(201)
                .header("x-path", &request.path)
                .body("made")
        })
        .await;
        let response = exchange(
            address,
            "POST /hook?a=1 HTTP/1.1\r\nHost: x\r\nX-Key:  k \r\nContent-Length: 5\r\n\r\nhello",
        )
        .await
        .expect("an answer");
        assert_eq!(
            response,
            "HTTP/1.1 201 Status\r\ncontent-length: 4\r\nconnection: close\r\nx-path: /hook?a=1\r\n\r\nmade"
        );
        let received = received.lock().unwrap();
        assert_eq!(received.len(), 1);
        let request = &received[0];
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/hook?a=1")
        );
        assert_eq!(request.body, "hello");
        assert_eq!(request.header("x-key"), Some("k"));
        assert_eq!(request.header("missing"), None);
    }
}
