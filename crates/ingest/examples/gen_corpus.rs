//! Benchmark corpus generator: N posts of ~140 characters in one platform's format, for the
//! throughput and memory figures in docs/BENCHMARKS.md. Deterministic; content is placeholders.
//!
//! usage: gen_corpus FORMAT POSTS OUT   (FORMAT: native|twitter|vk|facebook|telegram)

use std::io::{BufWriter, Write};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "weather",
    "match",
    "market",
    "news",
    "today",
    "city",
    "music",
    "family",
    "travel",
    "food",
    "الطقس",
    "المباراة",
    "السوق",
    "اليوم",
    "المدينة",
    "погода",
    "матч",
    "рынок",
    "сегодня",
    "город",
    "météo",
    "marché",
    "hava",
    "maç",
    "bugün",
    "ob-havo",
    "bozor",
    "ауа",
    "нарық",
    "placeholder",
];
const TAGS: &[&str] = &[
    "AllEyesOnISIS",
    "football",
    "news",
    "الدولة_الإسلامية",
    "погода",
    "worldcup",
    "music",
    "ИГИЛ",
];

fn text(r: &mut Rng) -> String {
    let mut s = String::new();
    while s.chars().count() < 120 {
        s.push_str(r.pick(WORDS));
        s.push(' ');
    }
    s.push('#');
    s.push_str(r.pick(TAGS));
    if r.next() % 4 == 0 {
        s.push_str(" https://example.test/a/");
        s.push_str(&(r.next() % 1000).to_string());
    }
    s
}

fn esc(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn ts(i: u64) -> (u64, String) {
    let secs = 1_402_740_000 + i / 10;
    let days = secs / 86_400;
    let sod = secs % 86_400;
    // June 2014 onwards: good enough for a corpus (day of month wraps within 28 days).
    let d = 14 + (days - 16_235) % 14;
    (
        secs,
        format!(
            "2014-06-{:02}T{:02}:{:02}:{:02}.000Z",
            d,
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        ),
    )
}

fn main() -> std::io::Result<()> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 4 {
        eprintln!("usage: gen_corpus FORMAT POSTS OUT");
        std::process::exit(2);
    }
    let n: u64 = a[2].parse().expect("POSTS");
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&a[3])?);
    let mut r = Rng(42);
    let users = 50_000u64;
    match a[1].as_str() {
        "native" => {
            for i in 0..n {
                let (_, t) = ts(i);
                let u = r.next() % users;
                let tag = r.pick(TAGS);
                writeln!(
                    w,
                    r#"{{"kind":"post","id":"twitter:{}","platform":"twitter","account_id":"twitter:{}","created_at":"{}","text":{},"lang":"en","hashtags":[{}]}}"#,
                    1_000_000_000 + i,
                    u,
                    t,
                    esc(&text(&mut r)),
                    esc(tag)
                )?;
            }
        }
        "twitter" => {
            let page = 100;
            let mut i = 0;
            while i < n {
                let k = page.min(n - i);
                let mut data = Vec::new();
                let mut us = Vec::new();
                for j in 0..k {
                    let (_, t) = ts(i + j);
                    let u = r.next() % users;
                    let tag = r.pick(TAGS);
                    data.push(format!(
                        r#"{{"id":"{}","text":{},"author_id":"{}","created_at":"{}","lang":"en","edit_history_tweet_ids":["{}"],"entities":{{"hashtags":[{{"start":0,"end":5,"tag":{}}}]}},"public_metrics":{{"retweet_count":0,"reply_count":0,"like_count":1,"quote_count":0}}}}"#,
                        1_000_000_000 + i + j,
                        esc(&text(&mut r)),
                        u,
                        t,
                        1_000_000_000 + i + j,
                        esc(tag)
                    ));
                    if j % 4 == 0 {
                        us.push(format!(
                            r#"{{"id":"{u}","username":"example_user_{u}","name":"User {u}","created_at":"2013-01-01T00:00:00.000Z","public_metrics":{{"followers_count":{},"following_count":10,"tweet_count":5,"listed_count":0}}}}"#,
                            r.next() % 10_000
                        ));
                    }
                }
                writeln!(
                    w,
                    r#"{{"data":[{}],"includes":{{"users":[{}]}},"meta":{{"result_count":{k},"next_token":"t{i}"}}}}"#,
                    data.join(","),
                    us.join(",")
                )?;
                i += k;
            }
        }
        "vk" => {
            let page = 100;
            let mut i = 0;
            while i < n {
                let k = page.min(n - i);
                let mut items = Vec::new();
                for j in 0..k {
                    let (secs, _) = ts(i + j);
                    let u = r.next() % users + 1;
                    items.push(format!(
                        r#"{{"id":{},"owner_id":{u},"from_id":{u},"date":{secs},"text":{},"post_type":"post","likes":{{"count":3}},"reposts":{{"count":0}}}}"#,
                        i + j + 1,
                        esc(&text(&mut r))
                    ));
                }
                writeln!(
                    w,
                    r#"{{"response":{{"count":{k},"items":[{}],"profiles":[],"groups":[]}}}}"#,
                    items.join(",")
                )?;
                i += k;
            }
        }
        "facebook" => {
            let page = 100;
            let mut i = 0;
            while i < n {
                let k = page.min(n - i);
                let mut items = Vec::new();
                for j in 0..k {
                    let (_, t) = ts(i + j);
                    let t = t.replace(".000Z", "+0000");
                    let u = r.next() % users + 1;
                    items.push(format!(
                        r#"{{"id":"100_{}","message":{},"created_time":"{t}","from":{{"name":"User {u}","id":"{u}"}},"permalink_url":"https://www.facebook.com/100/posts/{}"}}"#,
                        i + j,
                        esc(&text(&mut r)),
                        i + j
                    ));
                }
                writeln!(
                    w,
                    r#"{{"data":[{}],"paging":{{"cursors":{{"before":"a","after":"b"}}}}}}"#,
                    items.join(",")
                )?;
                i += k;
            }
        }
        "telegram" => {
            writeln!(w, "{{\n \"name\": \"Bench Channel\",\n \"type\": \"public_channel\",\n \"id\": 1000000001,\n \"messages\": [")?;
            for i in 0..n {
                let (secs, t) = ts(i);
                let tag = r.pick(TAGS);
                let sep = if i + 1 == n { "" } else { "," };
                writeln!(
                    w,
                    "  {{\n   \"id\": {},\n   \"type\": \"message\",\n   \"date\": \"{}\",\n   \"date_unixtime\": \"{secs}\",\n   \"from\": \"Bench Channel\",\n   \"from_id\": \"channel1000000001\",\n   \"text\": [{}, {{\"type\": \"hashtag\", \"text\": {}}}]\n  }}{sep}",
                    i + 1,
                    &t[..19],
                    esc(&text(&mut r)),
                    esc(&format!("#{tag}"))
                )?;
            }
            writeln!(w, " ]\n}}")?;
        }
        f => {
            eprintln!("unknown format {f}");
            std::process::exit(2);
        }
    }
    w.flush()
}
