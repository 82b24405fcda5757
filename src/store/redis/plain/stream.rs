//! The reader's socket (TCP or a Unix socket) and the deadline of the call under way: each read
//! and write waits at most what is left of it, so a server that trickles its answer a byte at a
//! time costs a call its timeout, not a timeout per byte.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

enum Socket {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

pub(super) struct Stream {
    socket: Socket,
    deadline: Instant,
}

impl Stream {
    pub(super) fn tcp(s: TcpStream) -> io::Result<Stream> {
        s.set_nodelay(true)?;
        Ok(Stream {
            socket: Socket::Tcp(s),
            deadline: Instant::now(),
        })
    }

    #[cfg(unix)]
    pub(super) fn unix(s: std::os::unix::net::UnixStream) -> Stream {
        Stream {
            socket: Socket::Unix(s),
            deadline: Instant::now(),
        }
    }

    /// The deadline of the call that starts.
    pub(super) fn until(&mut self, deadline: Instant) {
        self.deadline = deadline;
    }

    /// What is left of the deadline (a timeout once it is spent).
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match left < Duration::from_millis(1) {
            true => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the call's time ran out",
            )),
            false => Ok(left),
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = Some(self.left()?);
        match &mut self.socket {
            Socket::Tcp(s) => {
                s.set_read_timeout(left)?;
                s.read(buf)
            }
            #[cfg(unix)]
            Socket::Unix(s) => {
                s.set_read_timeout(left)?;
                s.read(buf)
            }
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = Some(self.left()?);
        match &mut self.socket {
            Socket::Tcp(s) => {
                s.set_write_timeout(left)?;
                s.write(buf)
            }
            #[cfg(unix)]
            Socket::Unix(s) => {
                s.set_write_timeout(left)?;
                s.write(buf)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
