//! A streaming JSON splitter: walks a document's outer structure and hands out the raw
//! bytes of the values an adapter asks for (each array element of `messages`, say).
//!
//! It exists so that a 2 GB Telegram export is read in bounded memory, so that each
//! element is parsed (and can fail) on its own, and so that every element knows its line.
//! It checks only structure; serde validates each captured value.

use std::io::{self, Read};

/// One step of a path into the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// What to do with the value at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// Scan past it.
    Skip,
    /// Hand out its raw bytes.
    Whole,
    /// Walk into the object or array and ask again for each member.
    Descend,
    /// An array: hand out each element; anything else: hand out the whole value.
    Elements,
}

/// What the splitter hands the adapter.
#[derive(Debug)]
pub enum Event<'a> {
    Value {
        path: &'a [Seg],
        raw: &'a [u8],
        line: u64,
    },
    /// A captured value exceeded the record bound; it was skipped without buffering.
    TooLarge {
        path: &'a [Seg],
        line: u64,
        len: u64,
    },
}

/// Why the splitter stopped. Events already handed out stand.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// The document ended in the middle of a value.
    #[error("truncated document: unexpected end of input")]
    Truncated { line: u64 },
    /// The structure is not JSON.
    #[error("malformed JSON: {msg}")]
    Malformed { line: u64, msg: String },
    /// Nesting deeper than the bound, in the part the splitter walks itself.
    #[error("nesting deeper than {max}")]
    TooDeep { line: u64, max: usize },
    #[error("read failed: {0}")]
    Io(#[from] io::Error),
}

impl SplitError {
    pub fn line(&self) -> Option<u64> {
        match self {
            SplitError::Truncated { line }
            | SplitError::Malformed { line, .. }
            | SplitError::TooDeep { line, .. } => Some(*line),
            SplitError::Io(_) => None,
        }
    }
}

const CHUNK: usize = 64 * 1024;

/// The splitter over a reader. Memory is bounded by the largest captured value (at most
/// `max_record`) plus one read chunk.
pub struct Splitter<R> {
    src: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    line: u64,
    /// Start of the capture in `buf`, if capturing.
    cap: Option<usize>,
    max_record: usize,
    max_depth: usize,
    consumed: u64,
}

impl<R: Read> Splitter<R> {
    pub fn new(src: R, max_record: usize, max_depth: usize) -> Self {
        Splitter {
            src,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            line: 1,
            cap: None,
            max_record,
            max_depth,
            consumed: 0,
        }
    }

    /// Bytes consumed from the reader so far.
    pub fn bytes_read(&self) -> u64 {
        self.consumed
    }

    /// Walk the whole document, calling `f` for each event. `plan` says what to do at each path.
    pub fn run(
        &mut self,
        plan: &dyn Fn(&[Seg]) -> Capture,
        f: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), SplitError> {
        let mut path = Vec::new();
        self.skip_ws()?;
        if self.peek()?.is_none() {
            return Err(SplitError::Truncated { line: self.line });
        }
        self.walk(&mut path, plan, f)?;
        self.skip_ws()?;
        if self.peek()?.is_some() {
            return Err(SplitError::Malformed {
                line: self.line,
                msg: "trailing characters after the document".into(),
            });
        }
        Ok(())
    }

    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        // Drop what nobody needs any more.
        let keep_from = self.cap.unwrap_or(self.pos);
        if keep_from > 0 {
            self.buf.drain(..keep_from);
            self.pos -= keep_from;
            if let Some(c) = self.cap.as_mut() {
                *c = 0;
            }
        }
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let n = loop {
            match self.src.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(old + n);
        self.consumed += n as u64;
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    #[inline]
    fn peek(&mut self) -> io::Result<Option<u8>> {
        if self.pos < self.buf.len() {
            return Ok(Some(self.buf[self.pos]));
        }
        if self.fill()? {
            Ok(Some(self.buf[self.pos]))
        } else {
            Ok(None)
        }
    }

    fn skip_ws(&mut self) -> io::Result<()> {
        while let Some(b) = self.peek()? {
            match b {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    self.line += 1
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn expect(&mut self, want: u8) -> Result<(), SplitError> {
        self.skip_ws()?;
        match self.peek()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => Err(SplitError::Malformed {
                line: self.line,
                msg: format!("expected `{}`, found `{}`", want as char, printable(b)),
            }),
            None => Err(SplitError::Truncated { line: self.line }),
        }
    }

    fn walk(
        &mut self,
        path: &mut Vec<Seg>,
        plan: &dyn Fn(&[Seg]) -> Capture,
        f: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), SplitError> {
        self.skip_ws()?;
        let first = self
            .peek()?
            .ok_or(SplitError::Truncated { line: self.line })?;
        let mut action = plan(path);
        if action == Capture::Elements {
            action = if first == b'[' {
                Capture::Descend
            } else {
                Capture::Whole
            };
        }
        if path.len() >= self.max_depth && action == Capture::Descend {
            return Err(SplitError::TooDeep {
                line: self.line,
                max: self.max_depth,
            });
        }
        match action {
            Capture::Skip => self.scan_value(),
            Capture::Whole | Capture::Elements => self.capture(path, f),
            Capture::Descend => match first {
                b'{' => {
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek()? == Some(b'}') {
                        self.pos += 1;
                        return Ok(());
                    }
                    loop {
                        self.skip_ws()?;
                        let key = self.read_key()?;
                        self.expect(b':')?;
                        path.push(Seg::Key(key));
                        self.walk(path, plan, f)?;
                        path.pop();
                        self.skip_ws()?;
                        match self.peek()? {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                return Ok(());
                            }
                            Some(b) => {
                                return Err(SplitError::Malformed {
                                    line: self.line,
                                    msg: format!("expected `,` or `}}`, found `{}`", printable(b)),
                                })
                            }
                            None => return Err(SplitError::Truncated { line: self.line }),
                        }
                    }
                }
                b'[' => {
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.peek()? == Some(b']') {
                        self.pos += 1;
                        return Ok(());
                    }
                    let mut i = 0;
                    loop {
                        path.push(Seg::Index(i));
                        // Plan elements through the array's own rule when asked for `Elements`.
                        let elem_plan = plan(&path[..path.len() - 1]);
                        if elem_plan == Capture::Elements {
                            self.skip_ws()?;
                            self.capture(path, f)?;
                        } else {
                            self.walk(path, plan, f)?;
                        }
                        path.pop();
                        i += 1;
                        self.skip_ws()?;
                        match self.peek()? {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                return Ok(());
                            }
                            Some(b) => {
                                return Err(SplitError::Malformed {
                                    line: self.line,
                                    msg: format!("expected `,` or `]`, found `{}`", printable(b)),
                                })
                            }
                            None => return Err(SplitError::Truncated { line: self.line }),
                        }
                    }
                }
                _ => self.capture(path, f),
            },
        }
    }

    fn read_key(&mut self) -> Result<String, SplitError> {
        match self.peek()? {
            Some(b'"') => {}
            Some(b) => {
                return Err(SplitError::Malformed {
                    line: self.line,
                    msg: format!("expected a key, found `{}`", printable(b)),
                })
            }
            None => return Err(SplitError::Truncated { line: self.line }),
        }
        let start = self.pos;
        let saved = self.cap;
        self.cap = Some(start);
        let r = self.scan_string();
        let start = self.cap.unwrap_or(0);
        self.cap = saved;
        r?;
        let raw = &self.buf[start..self.pos];
        if raw.len() > 4096 {
            return Err(SplitError::Malformed {
                line: self.line,
                msg: "object key longer than 4096 bytes".into(),
            });
        }
        serde_json::from_slice::<String>(raw).map_err(|e| SplitError::Malformed {
            line: self.line,
            msg: format!("bad key: {e}"),
        })
    }

    fn capture(&mut self, path: &[Seg], f: &mut dyn FnMut(Event<'_>)) -> Result<(), SplitError> {
        let line = self.line;
        let start_abs = self.consumed - (self.buf.len() - self.pos) as u64;
        self.cap = Some(self.pos);
        let r = self.scan_value();
        let start = self.cap.take();
        r?;
        match start {
            Some(s) => f(Event::Value {
                path,
                raw: &self.buf[s..self.pos],
                line,
            }),
            None => {
                let end_abs = self.consumed - (self.buf.len() - self.pos) as u64;
                f(Event::TooLarge {
                    path,
                    line,
                    len: end_abs - start_abs,
                })
            }
        }
        Ok(())
    }

    /// Abandon the capture when it grows past the record bound.
    #[inline]
    fn check_capture(&mut self) {
        if let Some(s) = self.cap {
            if self.pos - s > self.max_record {
                self.cap = None;
            }
        }
    }

    /// Advance past one value without recursion.
    fn scan_value(&mut self) -> Result<(), SplitError> {
        let first = self
            .peek()?
            .ok_or(SplitError::Truncated { line: self.line })?;
        match first {
            b'"' => self.scan_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    let b = match self.peek()? {
                        Some(b) => b,
                        None => return Err(SplitError::Truncated { line: self.line }),
                    };
                    match b {
                        b'"' => {
                            self.scan_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                self.check_capture();
                                return Ok(());
                            }
                        }
                        b'\n' => self.line += 1,
                        _ => {}
                    }
                    self.pos += 1;
                    self.check_capture();
                }
            }
            _ => {
                // A number or literal: runs until a delimiter.
                let mut n = 0;
                while let Some(b) = self.peek()? {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.pos += 1;
                    n += 1;
                    if n > 4096 {
                        return Err(SplitError::Malformed {
                            line: self.line,
                            msg: "scalar longer than 4096 bytes".into(),
                        });
                    }
                }
                if n == 0 {
                    return Err(SplitError::Malformed {
                        line: self.line,
                        msg: format!("expected a value, found `{}`", printable(first)),
                    });
                }
                Ok(())
            }
        }
    }

    fn scan_string(&mut self) -> Result<(), SplitError> {
        self.pos += 1; // opening quote
        loop {
            if self.pos >= self.buf.len() && !self.fill()? {
                return Err(SplitError::Truncated { line: self.line });
            }
            let hay = &self.buf[self.pos..];
            match memchr::memchr3(b'"', b'\\', b'\n', hay) {
                Some(i) => {
                    let b = hay[i];
                    self.pos += i + 1;
                    match b {
                        b'"' => {
                            self.check_capture();
                            return Ok(());
                        }
                        b'\n' => self.line += 1,
                        _ => {
                            // Skip the escaped byte (it may be in the next chunk).
                            if self.pos >= self.buf.len() && !self.fill()? {
                                return Err(SplitError::Truncated { line: self.line });
                            }
                            if self.buf[self.pos] == b'\n' {
                                self.line += 1;
                            }
                            self.pos += 1;
                        }
                    }
                }
                None => self.pos = self.buf.len(),
            }
            self.check_capture();
        }
    }
}

fn printable(b: u8) -> String {
    if b.is_ascii_graphic() {
        (b as char).to_string()
    } else {
        format!("\\x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        doc: &str,
        max_record: usize,
        plan: &dyn Fn(&[Seg]) -> Capture,
    ) -> (Vec<String>, Option<String>) {
        let mut out = Vec::new();
        let mut s = Splitter::new(std::io::Cursor::new(doc.as_bytes()), max_record, 64);
        let r = s.run(plan, &mut |e| match e {
            Event::Value { path, raw, line } => out.push(format!(
                "{line}:{:?}={}",
                path.last(),
                String::from_utf8_lossy(raw)
            )),
            Event::TooLarge { line, len, .. } => out.push(format!("{line}:toolarge:{len}")),
        });
        (out, r.err().map(|e| e.to_string()))
    }

    fn tg_plan(p: &[Seg]) -> Capture {
        match p {
            [] => Capture::Descend,
            [Seg::Key(k)] if k == "messages" => Capture::Elements,
            [Seg::Key(k)] if k == "id" => Capture::Whole,
            _ => Capture::Skip,
        }
    }

    #[test]
    fn hands_out_elements_with_lines() {
        let doc = "{\n \"name\": \"x\\\"}\",\n \"id\": 7,\n \"messages\": [\n  {\"id\": 1, \"t\": [1,{}]},\n  {\"id\": 2}\n ]\n}\n";
        let (ev, err) = run(doc, 1 << 20, &tg_plan);
        assert_eq!(err, None);
        assert_eq!(
            ev,
            [
                "3:Some(Key(\"id\"))=7",
                "5:Some(Index(0))={\"id\": 1, \"t\": [1,{}]}",
                "6:Some(Index(1))={\"id\": 2}"
            ]
        );
    }

    #[test]
    fn truncation_keeps_what_came_before() {
        let doc = "{\"messages\": [{\"id\": 1}, {\"id\": 2}, {\"id\": 3, \"text\": \"cut her";
        let (ev, err) = run(doc, 1 << 20, &tg_plan);
        assert_eq!(ev.len(), 2);
        assert!(err.unwrap().contains("truncated"));
    }

    #[test]
    fn oversized_elements_are_skipped_not_buffered() {
        let big = "y".repeat(10_000);
        let doc =
            format!("{{\"messages\": [{{\"id\": 1}}, {{\"text\": \"{big}\"}}, {{\"id\": 3}}]}}");
        let (ev, err) = run(&doc, 100, &tg_plan);
        assert_eq!(err, None);
        assert_eq!(ev.len(), 3);
        assert!(ev[1].contains("toolarge"), "{ev:?}");
    }

    #[test]
    fn deep_nesting_inside_an_element_is_just_bytes() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let doc = format!("{{\"messages\": [{deep}, {{\"id\": 2}}]}}");
        let (ev, err) = run(&doc, 1 << 20, &tg_plan);
        assert_eq!(err, None);
        assert_eq!(ev.len(), 2);
    }
}
