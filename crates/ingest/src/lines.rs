//! A line reader that never holds more than a bounded line in memory.
//!
//! An over-long line is skipped to its newline without being buffered, and reported
//! with its length, so a 50 MB line costs no more memory than a short one.

use std::io::{self, BufRead};

/// One line, or the fact that a line was too long.
#[derive(Debug)]
pub enum Line<'a> {
    /// The line's bytes without the trailing `\n` / `\r\n`. `terminated` is false for a final
    /// line that ends without a newline (a truncated file looks like this).
    Text {
        no: u64,
        bytes: &'a [u8],
        terminated: bool,
    },
    /// The line exceeded the bound; `len` is its full length in bytes.
    TooLong { no: u64, len: u64, prefix: &'a [u8] },
}

/// Reads `\n`-separated lines with a hard bound on each.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    max: usize,
    no: u64,
    bytes_read: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            buf: Vec::with_capacity(max_line.min(1 << 16)),
            max: max_line,
            no: 0,
            bytes_read: 0,
        }
    }

    /// Total bytes consumed so far (for progress reporting).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next line, or `None` at end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut too_long: Option<u64> = None;
        let mut terminated = false;
        let mut any = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                break;
            }
            any = true;
            let (chunk, used, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (&avail[..i], i + 1, true),
                None => (avail, avail.len(), false),
            };
            match too_long.as_mut() {
                Some(len) => *len += chunk.len() as u64,
                None if self.buf.len() + chunk.len() > self.max => {
                    // Keep a short prefix for the report; count the rest without storing it.
                    let so_far = (self.buf.len() + chunk.len()) as u64;
                    if self.buf.len() < 1024 {
                        let take = (1024 - self.buf.len()).min(chunk.len());
                        self.buf.extend_from_slice(&chunk[..take]);
                    }
                    self.buf.truncate(1024);
                    too_long = Some(so_far);
                }
                None => self.buf.extend_from_slice(chunk),
            }
            self.inner.consume(used);
            self.bytes_read += used as u64;
            if done {
                terminated = true;
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.no += 1;
        if let Some(len) = too_long {
            return Ok(Some(Line::TooLong {
                no: self.no,
                len,
                prefix: &self.buf,
            }));
        }
        let mut end = self.buf.len();
        if terminated && end > 0 && self.buf[end - 1] == b'\r' {
            end -= 1;
        }
        Ok(Some(Line::Text {
            no: self.no,
            bytes: &self.buf[..end],
            terminated,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], max: usize) -> Vec<String> {
        let mut r = LineReader::new(io::BufReader::with_capacity(7, input), max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(match l {
                Line::Text {
                    no,
                    bytes,
                    terminated,
                } => {
                    format!("{no}:{}:{terminated}", String::from_utf8_lossy(bytes))
                }
                Line::TooLong { no, len, .. } => format!("{no}:toolong>{}", len > max as u64),
            });
        }
        out
    }

    #[test]
    fn splits_and_bounds() {
        assert_eq!(
            collect(b"ab\r\ncd\n\nef", 10),
            ["1:ab:true", "2:cd:true", "3::true", "4:ef:false"]
        );
        let long = [b'x'; 100];
        let mut input = b"ok\n".to_vec();
        input.extend_from_slice(&long);
        input.extend_from_slice(b"\nafter\n");
        assert_eq!(
            collect(&input, 10),
            ["1:ok:true", "2:toolong>true", "3:after:true"]
        );
        assert!(collect(b"", 10).is_empty());
    }
}
