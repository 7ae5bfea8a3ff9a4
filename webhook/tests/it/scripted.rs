//! The test server with scripted answers, one connection each: after the last, it stops
//! listening, so request counts are bounded and a retry too many finds nothing there.

use std::net::SocketAddr;
use std::time::Duration;

use bridgecraft_testkit::http::{Reply, Request};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

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
    let request = Request::read(&mut stream).await?;
    reply.send(stream).await;
    Some(request)
}
