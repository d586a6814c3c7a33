//! The Coordination Network Toolkit's networks (co-tweet, co-retweet, co-link, co-reply),
//! reproduced exactly but computed in one streaming pass over time-sorted messages instead
//! of a self-join. Its definitions, read from its source (v1.5.2), differ from vigil's own
//! graph and are kept here behind [`CtkOptions`]:
//!
//! - edges are directed: the weight of (u1, u2) counts u1's messages that have at least one
//!   match by u2 within the window (so (u1, u2) and (u2, u1) can differ);
//! - the window is inclusive on both ends (`between t - w and t + w`), in the input's units;
//! - self-loops exist (a message matches itself) and are dropped at output unless asked for;
//! - co-tweet compares text after lowercasing, removing `@…` up to the next whitespace and
//!   collapsing whitespace (Python's `str.split` whitespace), and ignores reposts;
//! - co-link takes URLs only from non-repost messages, split on single spaces, so an empty
//!   `urls` column yields the URL `""` and link-less messages co-link with each other
//!   (reproduced; [`CtkOptions::empty_url_quirk`] = false drops it);
//! - duplicate message ids keep the first row.

use std::collections::{HashMap, HashSet, VecDeque};

/// One message in the toolkit's CSV shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub message_id: String,
    pub user_id: String,
    pub username: String,
    pub repost_id: Option<String>,
    pub reply_id: Option<String>,
    pub message: String,
    pub timestamp: f64,
    pub urls: Vec<String>,
}

/// Which network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    CoTweet,
    CoRetweet,
    CoLink,
    CoReply,
}

impl Network {
    pub fn parse(s: &str) -> Option<Network> {
        Some(match s {
            "co_tweet" | "co-tweet" => Network::CoTweet,
            "co_retweet" | "co-retweet" => Network::CoRetweet,
            "co_link" | "co-link" => Network::CoLink,
            "co_reply" | "co-reply" => Network::CoReply,
            _ => return None,
        })
    }
}

/// Options reproducing (or not) the toolkit's conventions.
#[derive(Debug, Clone)]
pub struct CtkOptions {
    pub time_window: f64,
    pub min_edge_weight: u64,
    pub include_self_loops: bool,
    pub empty_url_quirk: bool,
}

impl Default for CtkOptions {
    fn default() -> Self {
        CtkOptions {
            time_window: 60.0,
            min_edge_weight: 1,
            include_self_loops: false,
            empty_url_quirk: true,
        }
    }
}

/// Errors reading the toolkit's CSV.
#[derive(Debug, thiserror::Error)]
pub enum CtkError {
    #[error("line {line}: expected 8 columns, found {found}")]
    Columns { line: u64, found: usize },
    #[error("line {line}: timestamp {value:?} is not a number")]
    Timestamp { line: u64, value: String },
    #[error("line {line}: field longer than {limit} bytes")]
    TooLong { line: u64, limit: usize },
    #[error("reading: {0}")]
    Io(#[from] std::io::Error),
}

/// Largest CSV field accepted.
pub const MAX_FIELD: usize = 1 << 20;

/// Python's `str.isspace` (what `str.split()` and `re`'s `\s` use).
pub fn py_space(c: char) -> bool {
    matches!(c as u32, 0x09..=0x0d | 0x1c..=0x20 | 0x85 | 0xa0 | 0x1680 | 0x2000..=0x200a | 0x2028 | 0x2029 | 0x202f | 0x205f | 0x3000)
}

/// The toolkit's `message_preprocessor`: lowercase, strip `@…` to the next whitespace,
/// collapse whitespace.
pub fn preprocess(text: &str) -> String {
    let lower = text.to_lowercase();
    let mut stripped = String::with_capacity(lower.len());
    let mut skipping = false;
    for c in lower.chars() {
        if skipping {
            if py_space(c) {
                skipping = false;
                stripped.push(c);
            }
            continue;
        }
        if c == '@' {
            skipping = true;
            continue;
        }
        stripped.push(c);
    }
    let mut out = String::with_capacity(stripped.len());
    for w in stripped.split(py_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Parse the toolkit's CSV (header row, 8 columns) as Python's `csv` module does by default.
pub fn read_csv(r: &mut dyn std::io::BufRead) -> Result<Vec<Message>, CtkError> {
    let mut data = String::new();
    r.read_to_string(&mut data)?;
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut in_q = false;
    let mut was_quoted = false;
    let mut line = 1u64;
    let mut it = data.chars().peekable();
    let mut row_line = 1u64;
    let end_row = |row: &mut Vec<String>, rows: &mut Vec<(u64, Vec<String>)>, l: u64| {
        rows.push((l, std::mem::take(row)));
    };
    let mut raw_rows: Vec<(u64, Vec<String>)> = Vec::new();
    while let Some(c) = it.next() {
        if field.len() > MAX_FIELD {
            return Err(CtkError::TooLong {
                line,
                limit: MAX_FIELD,
            });
        }
        if in_q {
            if c == '"' {
                if it.peek() == Some(&'"') {
                    it.next();
                    field.push('"');
                } else {
                    in_q = false;
                }
            } else {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                in_q = true;
                was_quoted = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' => {
                if it.peek() == Some(&'\n') {
                    continue;
                }
                row.push(std::mem::take(&mut field));
                was_quoted = false;
                end_row(&mut row, &mut raw_rows, row_line);
                line += 1;
                row_line = line;
            }
            '\n' => {
                row.push(std::mem::take(&mut field));
                was_quoted = false;
                end_row(&mut row, &mut raw_rows, row_line);
                line += 1;
                row_line = line;
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() || was_quoted {
        row.push(field);
        end_row(&mut row, &mut raw_rows, row_line);
    }
    for (l, r) in raw_rows.into_iter().skip(1) {
        if r.len() == 1 && r[0].is_empty() {
            continue; // Python's csv yields no row for a blank line
        }
        if r.len() != 8 {
            return Err(CtkError::Columns {
                line: l,
                found: r.len(),
            });
        }
        let mut r = r.into_iter();
        let mut next = || r.next().unwrap_or_default();
        let (message_id, user_id, username, repost_id, reply_id, message, ts, urls) = (
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
            next(),
        );
        let timestamp: f64 = ts.trim().parse().map_err(|_| CtkError::Timestamp {
            line: l,
            value: vigil_model::truncate_for_message(&ts, 40),
        })?;
        rows.push(Message {
            message_id,
            user_id,
            username,
            repost_id: (!repost_id.is_empty()).then_some(repost_id),
            reply_id: (!reply_id.is_empty()).then_some(reply_id),
            message,
            timestamp,
            urls: urls.split(' ').map(str::to_string).collect(),
        });
    }
    Ok(rows)
}

struct Entry {
    user: u32,
    t: f64,
    msg: u32,
    /// Users this message has already been counted against (as e_1).
    matched: HashSet<u32>,
}

/// Compute one network: edges (user_1, user_2, weight), sorted.
pub fn compute(messages: &[Message], net: Network, opt: &CtkOptions) -> Vec<(String, String, u64)> {
    // First row wins for duplicate message ids.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut users: HashMap<&str, u32> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    // (time, user, message index, key)
    let mut items: Vec<(f64, u32, u32, u64)> = Vec::new();
    let mut keys: HashMap<String, u64> = HashMap::new();
    let key_of = |s: String, keys: &mut HashMap<String, u64>| -> u64 {
        let n = keys.len() as u64;
        *keys.entry(s).or_insert(n)
    };
    for (i, m) in messages.iter().enumerate() {
        if !seen.insert(m.message_id.as_str()) {
            continue;
        }
        if !m.timestamp.is_finite() {
            continue;
        }
        let u = *users.entry(m.user_id.as_str()).or_insert_with(|| {
            names.push(m.user_id.as_str());
            names.len() as u32 - 1
        });
        let i = i as u32;
        match net {
            Network::CoTweet => {
                if m.repost_id.is_none() {
                    items.push((m.timestamp, u, i, key_of(preprocess(&m.message), &mut keys)));
                }
            }
            Network::CoRetweet => {
                if let Some(r) = &m.repost_id {
                    items.push((m.timestamp, u, i, key_of(r.clone(), &mut keys)));
                }
            }
            Network::CoReply => {
                if let (None, Some(r)) = (&m.repost_id, &m.reply_id) {
                    items.push((m.timestamp, u, i, key_of(r.clone(), &mut keys)));
                }
            }
            Network::CoLink => {
                if m.repost_id.is_none() {
                    let mut done: HashSet<&str> = HashSet::new();
                    for url in &m.urls {
                        if url.is_empty() && !opt.empty_url_quirk {
                            continue;
                        }
                        if done.insert(url.as_str()) {
                            items.push((m.timestamp, u, i, key_of(format!("u:{url}"), &mut keys)));
                        }
                    }
                }
            }
        }
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let w = opt.time_window;
    // Weight of (u1, u2): number of distinct u1 messages matched by u2.
    let mut weights: HashMap<(u32, u32), u64> = HashMap::new();
    let mut windows: HashMap<u64, VecDeque<Entry>> = HashMap::new();
    // A message matched against user u through any key counts once (co-link: several URLs).
    let mut counted: HashMap<u32, HashSet<u32>> = HashMap::new();
    let mut last_evict_t = f64::NEG_INFINITY;
    for &(t, u, msg, key) in &items {
        let q = windows.entry(key).or_default();
        // Evict entries that can never match again (both directions out of range).
        while let Some(f) = q.front() {
            if f.t < t - w && f.t + w < t {
                q.pop_front();
            } else {
                break;
            }
        }
        let mut new = Entry {
            user: u,
            t,
            msg,
            matched: HashSet::new(),
        };
        // Self-match (e_1 = e_2).
        if t >= t - w && t <= t + w {
            new.matched.insert(u);
        }
        for old in q.iter_mut() {
            // (new as e_1, old as e_2)
            if old.t >= t - w && old.t <= t + w {
                new.matched.insert(old.user);
            }
            // (old as e_1, new as e_2)
            if t >= old.t - w && t <= old.t + w && old.matched.insert(u) {
                let c = counted.entry(old.msg).or_default();
                if c.insert(u) {
                    *weights.entry((old.user, u)).or_insert(0) += 1;
                }
            }
        }
        {
            let c = counted.entry(msg).or_default();
            for &v in &new.matched {
                if c.insert(v) {
                    *weights.entry((u, v)).or_insert(0) += 1;
                }
            }
        }
        q.push_back(new);
        // Forget per-message bookkeeping once every window it is in has moved on.
        if t - last_evict_t > w.max(0.0) * 4.0 + 1.0 {
            last_evict_t = t;
            windows.retain(|_, q| q.back().is_some_and(|b| !(b.t < t - w && b.t + w < t)));
            let live: HashSet<u32> = windows
                .values()
                .flat_map(|q| q.iter().map(|e| e.msg))
                .collect();
            counted.retain(|m, _| live.contains(m));
        }
    }
    let mut out: Vec<(String, String, u64)> = weights
        .into_iter()
        .filter(|((a, b), wt)| *wt >= opt.min_edge_weight && (opt.include_self_loops || a != b))
        .map(|((a, b), wt)| {
            (
                names[a as usize].to_string(),
                names[b as usize].to_string(),
                wt,
            )
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: &str, u: &str, t: f64, text: &str, rt: &str, urls: &str) -> Message {
        Message {
            message_id: id.into(),
            user_id: u.into(),
            username: u.into(),
            repost_id: (!rt.is_empty()).then(|| rt.to_string()),
            reply_id: None,
            message: text.into(),
            timestamp: t,
            urls: urls.split(' ').map(str::to_string).collect(),
        }
    }

    #[test]
    fn preprocess_matches_the_toolkit() {
        assert_eq!(preprocess("Hello @Bob   World\u{a0}X"), "hello world x");
        assert_eq!(preprocess("a@b c @"), "a c");
        assert_eq!(preprocess("  "), "");
    }

    #[test]
    fn directed_weights_and_inclusive_window() {
        let ms = vec![
            m("1", "a", 0.0, "same text", "", ""),
            m("2", "a", 5.0, "same text", "", ""),
            m("3", "b", 10.0, "Same  text @x", "", ""),
        ];
        let o = CtkOptions {
            time_window: 10.0,
            ..Default::default()
        };
        let e = compute(&ms, Network::CoTweet, &o);
        // a's two messages are both within 10 s of b's; b's one message matches a.
        assert_eq!(
            e,
            vec![("a".into(), "b".into(), 2), ("b".into(), "a".into(), 1)]
        );
        let o = CtkOptions {
            time_window: 9.0,
            ..Default::default()
        };
        let e = compute(&ms, Network::CoTweet, &o);
        assert_eq!(
            e,
            vec![("a".into(), "b".into(), 1), ("b".into(), "a".into(), 1)]
        );
    }

    #[test]
    fn empty_urls_co_link_under_the_quirk() {
        let ms = vec![m("1", "a", 0.0, "x", "", ""), m("2", "b", 1.0, "y", "", "")];
        let e = compute(&ms, Network::CoLink, &CtkOptions::default());
        assert_eq!(e.len(), 2);
        let o = CtkOptions {
            empty_url_quirk: false,
            ..Default::default()
        };
        assert!(compute(&ms, Network::CoLink, &o).is_empty());
    }

    #[test]
    fn csv_reader_handles_quotes_and_newlines() {
        let s = "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n1,u,n,,,\"a, \"\"b\"\"\nc\",1.5,x.example y.example\n";
        let ms = read_csv(&mut s.as_bytes()).unwrap();
        assert_eq!(ms.len(), 1);
        assert_eq!(ms[0].message, "a, \"b\"\nc");
        assert_eq!(ms[0].urls, vec!["x.example", "y.example"]);
        assert!(read_csv(&mut "h\n1,2\n".as_bytes()).is_err());
    }
}

/// A synthetic message stream in the toolkit's CSV shape: `n` messages over `n / 20`
/// seconds from `n / 10` users, with a few coordinated groups posting identical texts,
/// retweeting the same messages and sharing the same links within seconds, plus quoting,
/// mentions, case and whitespace variants that the toolkit's normalization must absorb.
pub fn write_synthetic_csv(w: &mut dyn std::io::Write, n: u64, seed: u64) -> std::io::Result<()> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    writeln!(
        w,
        "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls"
    )?;
    let users = (n / 10).max(10);
    let span = (n / 20).max(10);
    let mut t_list: Vec<u64> = (0..n).map(|_| rnd() % span).collect();
    t_list.sort_unstable();
    for (i, t) in t_list.into_iter().enumerate() {
        let r = rnd();
        let coordinated = r % 10 < 3;
        let u = if coordinated {
            rnd() % 40
        } else {
            40 + rnd() % users
        };
        let repost = if r % 7 == 0 {
            format!(
                "{}",
                if coordinated {
                    rnd() % 50
                } else {
                    rnd() % (n / 3 + 1)
                }
            )
        } else {
            String::new()
        };
        let reply = if r % 11 == 0 {
            format!("{}", rnd() % 100)
        } else {
            String::new()
        };
        let text = if coordinated {
            let v = rnd() % 6;
            match rnd() % 4 {
                0 => format!("[placeholder slogan {v}] #AllEyesOnSim"),
                1 => format!(
                    "[Placeholder  slogan {v}]   #AllEyesOnSim @user{}",
                    rnd() % 9
                ),
                2 => format!("\"quoted, [placeholder slogan {v}]\" #AllEyesOnSim"),
                _ => format!("@lead [PLACEHOLDER SLOGAN {v}] #allEyesOnSim"),
            }
        } else {
            format!("[benign words {}] {}", rnd() % 5000, rnd() % 3)
        };
        let urls = match rnd() % 50 {
            0 => String::new(),
            1..=10 if coordinated => format!("https://site{}.example/{}", rnd() % 3, rnd() % 20),
            11..=15 => format!(
                "https://a.example/{} https://b.example/{}",
                rnd() % 500,
                rnd() % 500
            ),
            _ => format!("https://w{}.example/p{}", rnd() % 1000, rnd() % 1000),
        };
        let frac = if rnd() % 4 == 0 { ".5" } else { "" };
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        writeln!(
            w,
            "{i},u{u},{},{repost},{reply},{},{t}{frac},{urls}",
            q(&format!("name,{u}")),
            q(&text)
        )?;
    }
    Ok(())
}
