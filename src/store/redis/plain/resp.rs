//! The Redis wire protocol (RESP2), as much of it as a cached read needs: commands written as
//! arrays of bulk strings, replies read with every length and depth bounded, so a hostile or
//! broken server costs an error, never a panic or an allocation it did not send.

use std::io::{self, BufRead, Read};

/// A reply. (RESP3's types never come: the connection does not ask for them.)
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

/// The longest bulk string taken: no more than a whole file of profiles may hold
/// ([`crate::files::MAX_DATA_FILE`]). A longer profile document is left to the whole program.
const MAX_BULK: u64 = crate::files::MAX_DATA_FILE;
/// The most elements in an array (a list of profile names).
const MAX_ITEMS: u64 = 1 << 20;
/// How deep arrays may nest (none of the replies read here nests).
const MAX_DEPTH: usize = 4;
/// The longest status, error or length line.
const MAX_LINE: u64 = 64 << 10;

/// Appends `args` as one command.
pub(super) fn encode(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Reads one reply.
pub(super) fn read(r: &mut impl BufRead) -> io::Result<Reply> {
    read_at(r, 0)
}

fn read_at(r: &mut impl BufRead, depth: usize) -> io::Result<Reply> {
    let line = line(r)?;
    let (kind, rest) = line.split_first().ok_or_else(|| bad("an empty line"))?;
    let text = || String::from_utf8_lossy(rest).into_owned();
    match kind {
        b'+' => Ok(Reply::Status(text())),
        b'-' => Ok(Reply::Error(text())),
        b':' => Ok(Reply::Int(number(rest)?)),
        b'$' => match length(rest, MAX_BULK)? {
            None => Ok(Reply::Bulk(None)),
            Some(n) => {
                let mut data = Vec::new();
                r.by_ref().take(n).read_to_end(&mut data)?;
                if data.len() as u64 != n {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                let mut end = [0u8; 2];
                r.read_exact(&mut end)?;
                if &end != b"\r\n" {
                    return Err(bad("a bulk string without its end"));
                }
                Ok(Reply::Bulk(Some(data)))
            }
        },
        b'*' => match length(rest, MAX_ITEMS)? {
            None => Ok(Reply::Array(None)),
            Some(_) if depth >= MAX_DEPTH => Err(bad("arrays nested too deep")),
            Some(n) => {
                // Grown as elements arrive, not by what the header claims.
                let mut items = Vec::with_capacity(n.min(64) as usize);
                for _ in 0..n {
                    items.push(read_at(r, depth + 1)?);
                }
                Ok(Reply::Array(Some(items)))
            }
        },
        _ => Err(bad("an unknown reply type")),
    }
}

/// One line without its CRLF.
fn line(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.by_ref().take(MAX_LINE).read_until(b'\n', &mut line)?;
    match line.strip_suffix(b"\r\n") {
        Some(body) => Ok(body.to_vec()),
        None if line.is_empty() => Err(io::ErrorKind::UnexpectedEof.into()),
        None if line.len() as u64 >= MAX_LINE => Err(bad("a line too long")),
        None => Err(io::ErrorKind::UnexpectedEof.into()),
    }
}

fn number(text: &[u8]) -> io::Result<i64> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| bad("a number that is not one"))
}

/// A bulk or array length: `None` for -1 (nil).
fn length(text: &[u8], max: u64) -> io::Result<Option<u64>> {
    match number(text)? {
        -1 => Ok(None),
        n if n < 0 => Err(bad("a negative length")),
        n if n as u64 > max => Err(bad("a length over the limit")),
        n => Ok(Some(n as u64)),
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("not a Redis reply: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> io::Result<Reply> {
        read(&mut io::BufReader::new(bytes))
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        encode(&mut out, &[b"GET", b"p:profile:a b"]);
        assert_eq!(out, b"*2\r\n$3\r\nGET\r\n$13\r\np:profile:a b\r\n");
    }

    #[test]
    fn every_reply_type_reads() {
        assert_eq!(parse(b"+OK\r\n").unwrap(), Reply::Status("OK".into()));
        assert_eq!(
            parse(b"-WRONGPASS no\r\n").unwrap(),
            Reply::Error("WRONGPASS no".into())
        );
        assert_eq!(parse(b":-7\r\n").unwrap(), Reply::Int(-7));
        assert_eq!(parse(b"$-1\r\n").unwrap(), Reply::Bulk(None));
        assert_eq!(
            parse(b"$4\r\na\r\nb\r\n").unwrap(),
            Reply::Bulk(Some(b"a\r\nb".to_vec()))
        );
        assert_eq!(
            parse(b"*2\r\n$1\r\nx\r\n$-1\r\n").unwrap(),
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"x".to_vec())),
                Reply::Bulk(None)
            ]))
        );
        assert_eq!(parse(b"*0\r\n").unwrap(), Reply::Array(Some(vec![])));
    }

    #[test]
    fn a_hostile_reply_is_an_error_not_a_panic_or_an_allocation() {
        for bytes in [
            &b""[..],
            b"\r\n",
            b"?what\r\n",
            b"$5\r\nab",
            b"$2\r\nabcd\r\n",
            b"$99999999999999999999\r\n",
            b"$-2\r\n",
            b"$16777217\r\n",
            b"*1048577\r\n",
            b"*9223372036854775807\r\n",
            b"*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
            b":12a\r\n",
            b"+no end",
        ] {
            assert!(
                parse(bytes).is_err(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        let long = vec![b'+'; (MAX_LINE + 10) as usize];
        assert!(parse(&long).is_err());
        // A length the server does not send is never allocated up front.
        assert!(parse(b"$16777216\r\nabc").is_err());
    }
}
