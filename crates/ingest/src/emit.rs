//! The emitter: validates each record, catches duplicates within a run, counts, and hands
//! records and problems to the caller's [`Sink`] with their place.

use crate::{hash::fx64, InputStats, Limits, Place, Sink};
use std::path::{Path, PathBuf};
use vigil_model::{Account, Post, Record};

/// Remembers recent post ids of a run in a fixed-size, 4-way set-associative table, so a
/// repeated id is caught in constant memory however long the input: when a set is full, its
/// oldest-inserted entry is evicted. Memory is `capacity × 24` bytes at most.
pub struct RecentIds {
    /// Sets of four slots of three words `(id hash, content hash, packed place)`, flat so the
    /// allocation is a zeroed one; an id hash of 0 marks an empty slot.
    words: Vec<u64>,
    mask: usize,
}

/// What [`RecentIds`] knew about an id.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    New,
    /// Same id, same content: a harmless repeat (a retweeted tweet on many pages).
    Same,
    /// Same id, different content, first seen at this packed place.
    Conflict(u64),
}

impl RecentIds {
    pub fn new(capacity: usize) -> Self {
        let sets = (capacity.max(4) / 4).next_power_of_two();
        // A zeroed allocation: the OS maps pages only as they are touched.
        RecentIds {
            words: vec![0u64; sets * 12],
            mask: sets - 1,
        }
    }

    pub fn check(&mut self, id: u64, content: u64, place: u64) -> Seen {
        let id = id.max(1);
        let base = ((id as usize) & self.mask) * 12;
        let set = &mut self.words[base..base + 12];
        for slot in set.chunks_exact(3) {
            if slot[0] == id {
                return if slot[1] == content {
                    Seen::Same
                } else {
                    Seen::Conflict(slot[2])
                };
            }
        }
        let free = set.chunks_exact(3).position(|s| s[0] == 0);
        let at = match free {
            Some(i) => i * 3,
            None => {
                // Evict the oldest: shift the set left by one slot and append.
                set.copy_within(3.., 0);
                9
            }
        };
        set[at..at + 3].copy_from_slice(&[id, content, place]);
        Seen::New
    }
}

#[cfg(test)]
mod recent_tests {
    use super::*;

    #[test]
    fn catches_repeats_and_forgets_only_the_oldest() {
        let mut r = RecentIds::new(8);
        assert_eq!(r.check(5, 1, 10), Seen::New);
        assert_eq!(r.check(5, 1, 11), Seen::Same);
        assert_eq!(r.check(5, 2, 12), Seen::Conflict(10));
        // Fill one set (ids congruent mod the set count) past four: the first is evicted.
        let sets = (r.mask + 1) as u64;
        for k in 1..=4 {
            assert_eq!(r.check(5 + k * sets, 0, k), Seen::New);
        }
        assert_eq!(r.check(5, 1, 99), Seen::New, "oldest evicted");
        assert_eq!(r.check(5 + 4 * sets, 0, 0), Seen::Same, "newest kept");
    }
}

/// Wraps a [`Sink`] for one run over many inputs.
pub struct Emitter<'s> {
    sink: &'s mut dyn Sink,
    limits: Limits,
    seen: RecentIds,
    files: Vec<String>,
    base_dir: Option<PathBuf>,
    pub stats: InputStats,
}

impl<'s> Emitter<'s> {
    pub fn new(sink: &'s mut dyn Sink, limits: Limits) -> Self {
        Emitter {
            sink,
            limits,
            seen: RecentIds::new(limits.dedup_window),
            files: Vec::new(),
            base_dir: None,
            stats: InputStats::default(),
        }
    }

    /// Start a new input; stats accumulate across inputs until [`Emitter::take_stats`].
    pub fn begin(&mut self, name: &str, base_dir: Option<&Path>) {
        self.files.push(name.to_string());
        self.base_dir = base_dir.map(Path::to_path_buf);
    }

    pub fn take_stats(&mut self) -> InputStats {
        std::mem::take(&mut self.stats)
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Report a bad record at a line of the current input.
    pub fn quarantine_at(&mut self, line: u64, reason: &str, raw: &[u8]) {
        self.stats.quarantined += 1;
        let file = self.files.last().map(String::as_str).unwrap_or("-");
        self.sink.quarantine(Place { file, line }, reason, raw);
    }

    pub fn skipped(&mut self) {
        self.stats.skipped += 1;
    }

    /// Resolve a media path given relative to the input's directory.
    pub fn resolve_media(&self, rel: &str) -> String {
        match &self.base_dir {
            Some(d) if !Path::new(rel).is_absolute() => d.join(rel).to_string_lossy().into_owned(),
            _ => rel.to_string(),
        }
    }

    /// Validate and hand on one record. `raw` is what to quarantine if it is bad.
    pub fn emit(&mut self, rec: Record, line: u64, raw: &[u8]) {
        if let Err(reason) = validate(&rec, &self.limits) {
            self.quarantine_at(line, &reason, raw);
            return;
        }
        if let Record::Post(p) = &rec {
            let place = ((self.files.len() as u64) << 40) | (line & ((1 << 40) - 1));
            let mut content = Vec::with_capacity(p.text.len() + p.account_id.len() + 8);
            content.extend_from_slice(p.account_id.as_bytes());
            content.extend_from_slice(&p.created_at.to_le_bytes());
            content.extend_from_slice(p.text.as_bytes());
            match self
                .seen
                .check(fx64(p.id.as_bytes()), fx64(&content), place)
            {
                crate::emit::Seen::New => {}
                crate::emit::Seen::Same => {
                    self.stats.duplicates += 1;
                    return;
                }
                crate::emit::Seen::Conflict(first) => {
                    let fi = (first >> 40) as usize;
                    let first_file = self
                        .files
                        .get(fi.wrapping_sub(1))
                        .map(String::as_str)
                        .unwrap_or("?");
                    let reason = format!(
                        "duplicate id {} with different content (first seen at {}:{})",
                        vigil_model::truncate_for_message(&p.id, 80),
                        first_file,
                        first & ((1 << 40) - 1)
                    );
                    self.quarantine_at(line, &reason, raw);
                    return;
                }
            }
        }
        self.stats.records += 1;
        match &rec {
            Record::Post(_) => self.stats.posts += 1,
            Record::Account(_) => self.stats.accounts += 1,
            Record::Enforcement(_) => self.stats.enforcement += 1,
        }
        let file = self.files.last().map(String::as_str).unwrap_or("-");
        self.sink.record(rec, Place { file, line });
    }
}

fn check_id(what: &str, id: &str) -> Result<(), String> {
    let native = id.split_once(':').map(|(_, n)| n).unwrap_or("");
    if native.is_empty() {
        return Err(format!("missing {what}"));
    }
    if id.len() > 200 {
        return Err(format!("{what} longer than 200 bytes"));
    }
    if id.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "{what} {:?} holds whitespace or control characters",
            vigil_model::truncate_for_message(id, 60)
        ));
    }
    Ok(())
}

fn check_text(what: &str, s: &str, max: usize) -> Result<(), String> {
    if s.len() > max {
        return Err(format!(
            "{what} of {} bytes exceeds the {max} byte bound",
            s.len()
        ));
    }
    Ok(())
}

fn validate_account(a: &Account, l: &Limits) -> Result<(), String> {
    check_id("account id", &a.id)?;
    for (what, v) in [
        ("bio", &a.bio),
        ("display name", &a.display_name),
        ("handle", &a.handle),
    ] {
        if let Some(v) = v {
            check_text(what, v, l.max_text)?;
        }
    }
    Ok(())
}

fn validate_post(p: &Post, l: &Limits) -> Result<(), String> {
    check_id("post id", &p.id)?;
    check_id("author id", &p.account_id)?;
    check_text("text", &p.text, l.max_text)?;
    let n = p.hashtags.len() + p.mentions.len() + p.urls.len() + p.media.len();
    if n > 10_000 {
        return Err(format!(
            "{n} entities on one post exceeds the bound of 10000"
        ));
    }
    for r in [&p.reply_to, &p.repost_of, &p.quote_of]
        .into_iter()
        .flatten()
    {
        check_id("referenced post id", r)?;
    }
    Ok(())
}

/// Checks every adapter's output the same way.
pub fn validate(rec: &Record, l: &Limits) -> Result<(), String> {
    match rec {
        Record::Account(a) => validate_account(a, l),
        Record::Post(p) => validate_post(p, l),
        Record::Enforcement(e) => {
            check_id("account id", &e.account_id)?;
            if let Some(p) = &e.post_id {
                check_id("post id", p)?;
            }
            Ok(())
        }
    }
}
