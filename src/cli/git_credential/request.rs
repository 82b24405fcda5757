//! git's request to a credential helper: `key=value` lines up to a blank line (git-credential(1)).
//!
//! Read as bytes, up to the blank line and no further: a caller that keeps its end of the pipe
//! open until it has the answer must not wait on pancred reading to the end. Keys are ASCII;
//! values may hold any byte but a newline or NUL (a percent-encoded path, a Latin-1 realm), so
//! a value that is not UTF-8 is kept with its bad bytes replaced: it then matches nothing, and
//! the request is still answered or declined, never failed.

use crate::Error;
use std::collections::HashMap;
use std::io::BufRead;

/// git's requests are a few lines (a handful of `wwwauth[]` headers at most); anything longer is
/// not git.
const MAX_INPUT: u64 = 64 * 1024;

/// The attributes of one request. Multi-valued attributes (`capability[]`, `wwwauth[]`,
/// `state[]`) keep every value; the others keep the last, as git does.
#[derive(Debug, Default, Clone)]
pub struct Request {
    attrs: HashMap<String, String>,
    capabilities: Vec<String>,
    states: Vec<String>,
}

impl Request {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    /// Whether the caller announced `capability[]=NAME` (git 2.46 and later).
    pub fn has_capability(&self, name: &str) -> bool {
        self.capabilities.iter().any(|c| c == name)
    }

    /// The value of git's `state[]=PREFIX...` (git 2.46 and later hand a helper back the state
    /// its `get` answered), without the prefix.
    pub fn state(&self, prefix: &str) -> Option<&str> {
        self.states.iter().find_map(|s| s.strip_prefix(prefix))
    }

    fn set(&mut self, key: &str, value: String) {
        match key {
            "capability[]" => self.capabilities.push(value),
            "state[]" => self.states.push(value),
            // `url` stands for its parts (git-credential(1)).
            "url" => self.set_url(&value),
            k if k.ends_with("[]") => {}
            k => {
                self.attrs.insert(k.to_string(), value);
            }
        }
    }

    fn set_url(&mut self, value: &str) {
        let Ok(url) = url::Url::parse(value) else {
            return;
        };
        let mut host = url.host_str().unwrap_or_default().to_string();
        if let Some(port) = url.port() {
            host = format!("{host}:{port}");
        }
        self.attrs
            .insert("protocol".into(), url.scheme().to_string());
        self.attrs.insert("host".into(), host);
        if !url.username().is_empty() {
            let user = percent_decoded(url.username());
            self.attrs.insert("username".into(), user);
        }
    }
}

fn percent_decoded(s: &str) -> String {
    let bytes: Vec<u8> = url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())
        .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// git's request on standard input, read once: the cached answer reads it to choose the profile
/// (context rules), and the whole command takes it from here.
pub fn stdin_request() -> Result<Request, Error> {
    STDIN
        .get_or_init(|| {
            let mut raw = Vec::new();
            read_keeping(std::io::stdin().lock(), &mut raw)
                .map(|r| (r, raw))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map(|(r, _)| r)
        .map_err(Error::Usage)
}

/// The bytes of standard input that [`stdin_request`] read, when it did: `pancred` hands them
/// to `pancred-full` when the whole command must run.
pub fn spent_input() -> Option<&'static [u8]> {
    match STDIN.get()? {
        Ok((_, raw)) => Some(raw),
        Err(_) => None,
    }
}

type Read = Result<(Request, Vec<u8>), String>;
static STDIN: std::sync::OnceLock<Read> = std::sync::OnceLock::new();

/// The request git sent, up to the blank line (or the end of input).
#[cfg(test)]
pub fn read_request(input: impl BufRead) -> Result<Request, Error> {
    read_keeping(input, &mut Vec::new())
}

/// [`read_request`], keeping the bytes read in `raw`.
fn read_keeping(input: impl BufRead, raw: &mut Vec<u8>) -> Result<Request, Error> {
    let mut input = input.take(MAX_INPUT);
    let mut request = Request::default();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::Usage(format!("cannot read git's request: {e}")))?;
        raw.extend_from_slice(&line);
        if n == 0 {
            if input.limit() == 0 {
                return Err(Error::Usage(format!(
                    "git's request is longer than {MAX_INPUT} bytes; it is not a credential request"
                )));
            }
            return Ok(request);
        }
        let complete = line.last() == Some(&b'\n');
        if complete {
            line.pop();
            // (git reads CRLF lines too.)
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        } else if input.limit() == 0 {
            return Err(Error::Usage(format!(
                "git's request is longer than {MAX_INPUT} bytes; it is not a credential request"
            )));
        }
        if line.is_empty() {
            return Ok(request);
        }
        if let Some(eq) = line.iter().position(|&b| b == b'=') {
            let key = String::from_utf8_lossy(&line[..eq]);
            let value = String::from_utf8_lossy(&line[eq + 1..]).into_owned();
            request.set(&key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_ends_at_the_blank_line() {
        let r = read_request("protocol=https\nhost=git.example:8443\n\npassword=x\n".as_bytes())
            .unwrap();
        assert_eq!(r.get("host"), Some("git.example:8443"));
        assert_eq!(r.get("password"), None);
    }

    #[test]
    fn any_byte_is_read_and_capabilities_are_kept() {
        let mut input = b"capability[]=authtype\r\ncapability[]=state\nprotocol=https\n".to_vec();
        input.extend_from_slice(b"path=caf\xe9/r\xff.git\nwwwauth[]=Basic realm=\"\xe9\"\n");
        input.extend_from_slice(b"host=h\n\n");
        let r = read_request(input.as_slice()).unwrap();
        assert!(r.has_capability("authtype") && r.has_capability("state"));
        assert_eq!(r.get("host"), Some("h"));
        assert!(r.get("path").unwrap().starts_with("caf"));
    }

    #[test]
    fn a_url_stands_for_its_parts() {
        let r = read_request("url=https://al%69ce@git.example:8443/x.git\n\n".as_bytes()).unwrap();
        assert_eq!(r.get("protocol"), Some("https"));
        assert_eq!(r.get("host"), Some("git.example:8443"));
        assert_eq!(r.get("username"), Some("alice"));
    }

    #[test]
    fn an_endless_request_is_refused() {
        let long = "a".repeat(70 * 1024);
        assert!(read_request(long.as_bytes()).is_err());
        let lines = "k=v\n".repeat(20 * 1024);
        assert!(read_request(lines.as_bytes()).is_err());
    }
}
