//! Just enough HTTP/1.1 to read one request head from a browser, with hard limits, and to answer
//! it. Hand-written on purpose: every byte a local program sends is counted and checked.

use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Bounds on what one connection may send and how long it may take.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time to receive the first byte: a browser sends its request at once, a silent client
    /// (or a spare preconnection) is closed after it.
    pub first_byte_timeout: Duration,
    /// Time to receive the whole request head; a silent or dripping client is cut off after it.
    pub read_timeout: Duration,
    pub write_timeout: Duration,
    pub max_request_line: usize,
    /// The request line and all headers together.
    pub max_head: usize,
    pub max_headers: usize,
    /// Connections served at once; at the bound the oldest idle one is closed for a new one.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            first_byte_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(5),
            max_request_line: 8 * 1024,
            max_head: 16 * 1024,
            max_headers: 100,
            max_connections: 128,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Request {
    pub method: String,
    /// The request target as sent: `/path?query`.
    pub target: String,
    /// The `Authorization` header, when there is one.
    pub authorization: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// 400: the request line is longer than the limit.
    LineTooLong,
    /// 431: the headers are larger or more numerous than the limits.
    HeadersTooLarge,
    /// 400: not an HTTP/1.x request.
    Malformed(&'static str),
    /// The client closed or the socket failed: nothing to answer.
    Closed,
}

/// Reads one request head (request line and headers). The caller bounds the time.
pub(crate) async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    limits: &Limits,
) -> Result<Request, HeadError> {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| HeadError::Closed)?;
        if n == 0 {
            return Err(if buf.is_empty() {
                HeadError::Closed
            } else {
                HeadError::Malformed("the request ended before its headers did")
            });
        }
        buf.extend_from_slice(&chunk[..n]);
        // Judge the first line as soon as bytes arrive, so binary junk is refused at once.
        let line_end = buf.iter().position(|&b| b == b'\n');
        check_request_line_prefix(&buf[..line_end.unwrap_or(buf.len())], limits)?;
        if let Some(end) = head_end(&buf) {
            if end > limits.max_head {
                return Err(HeadError::HeadersTooLarge);
            }
            return parse_head(&buf[..end], limits);
        }
        if buf.len() > limits.max_head {
            return Err(HeadError::HeadersTooLarge);
        }
    }
}

/// Checks what has arrived of the request line: `METHOD SP TARGET SP HTTP/1.x`, printable ASCII.
fn check_request_line_prefix(line: &[u8], limits: &Limits) -> Result<(), HeadError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > limits.max_request_line {
        return Err(HeadError::LineTooLong);
    }
    let method_len = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    if method_len > 16 || !line[..method_len].iter().all(u8::is_ascii_uppercase) {
        return Err(HeadError::Malformed("not an HTTP request"));
    }
    if !line.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        return Err(HeadError::Malformed("not an HTTP request"));
    }
    Ok(())
}

/// The length of the head including its blank line, when complete.
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse_head(head: &[u8], limits: &Limits) -> Result<Request, HeadError> {
    let text = std::str::from_utf8(head).map_err(|_| HeadError::Malformed("not UTF-8"))?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let first = lines.next().unwrap_or_default();
    let mut parts = first.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed("bad request line"));
    };
    if method.is_empty() || !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(HeadError::Malformed("bad request line"));
    }
    let mut count = 0;
    let mut authorization = None;
    for line in lines.filter(|l| !l.is_empty()) {
        count += 1;
        if count > limits.max_headers {
            return Err(HeadError::HeadersTooLarge);
        }
        let valid = line.split_once(':').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic())
        }) && !line.bytes().any(|b| b.is_ascii_control() && b != b'\t');
        if !valid {
            return Err(HeadError::Malformed("bad header line"));
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.trim().to_string());
            }
        }
    }
    Ok(Request {
        method: method.to_string(),
        target: target.to_string(),
        authorization,
    })
}

/// Writes a complete response and closes the write side (call [`linger`] after). Errors are ignored: the browser may be gone.
pub(crate) async fn respond<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    status: u16,
    content_type: &str,
    body: &str,
    limits: &Limits,
) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    };
    // no-store and no-referrer: the callback URL carries the code, keep it out of caches and referers.
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    if tokio::time::timeout(limits.write_timeout, write)
        .await
        .is_ok()
    {
        linger(stream).await;
    }
}

/// Reads and drops what the client still sends, for a bounded time and amount: closing a socket
/// with unread input sends a reset, which can destroy the answer before the client reads it.
pub(crate) async fn linger<S: AsyncRead + Unpin>(stream: &mut S) {
    const MAX: usize = 1 << 20;
    let drain = async {
        let mut sink = [0u8; 4096];
        let mut total = 0;
        while total < MAX {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn head(bytes: &[u8]) -> Result<Request, HeadError> {
        let mut input = bytes;
        read_head(&mut input, &Limits::default()).await
    }

    #[tokio::test]
    async fn reads_a_browser_request() {
        let r =
            head(b"GET /cb?code=a&state=b HTTP/1.1\r\nHost: 127.0.0.1:1\r\nAccept: */*\r\n\r\n")
                .await;
        assert_eq!(
            r.unwrap(),
            Request {
                method: "GET".into(),
                target: "/cb?code=a&state=b".into(),
                authorization: None,
            }
        );
    }

    #[tokio::test]
    async fn refuses_junk_and_excess() {
        assert_eq!(
            head(b"\x16\x03\x01\x02\x00").await,
            Err(HeadError::Malformed("not an HTTP request"))
        );
        assert_eq!(head(b"").await, Err(HeadError::Closed));
        assert!(matches!(
            head(b"GET /x\r\n\r\n").await,
            Err(HeadError::Malformed(_))
        ));
        assert!(matches!(
            head(b"GET x HTTP/1.1\r\n\r\n").await,
            Err(HeadError::Malformed(_))
        ));
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000));
        assert_eq!(head(long.as_bytes()).await, Err(HeadError::LineTooLong));
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20000));
        assert_eq!(head(big.as_bytes()).await, Err(HeadError::HeadersTooLarge));
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(200));
        assert_eq!(head(many.as_bytes()).await, Err(HeadError::HeadersTooLarge));
    }
}
