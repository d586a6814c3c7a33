//! Twitter/X API v2 writer: one search-response page per line (`data`, `includes.users/media/tweets`, `meta`).

use std::collections::BTreeSet;
use std::path::Path;

use crate::clock::rfc3339_ms;
use crate::gen::{display_url, tco, Gen, Post, SegKind};
use crate::identity;
use crate::json::{key, kn, kv};
use crate::out::{OutFile, UnitOut};
use crate::SimError;

pub const PAGE: usize = 100;

pub fn user_id(idx: u32) -> u64 {
    2_400_000_000u64 + idx as u64 * 13
}

pub fn media_url(stem: &str, ext: &str) -> String {
    format!("https://pbs.twimg.example/media/{stem}.{ext}")
}

pub fn avatar_url(stem: &str, ext: &str) -> String {
    format!("https://pbs.twimg.example/profile_images/{stem}.{ext}")
}

pub struct TwitterSink {
    file: OutFile,
    page: Vec<Post>,
    pages: u64,
    block: u32,
    buf: Vec<u8>,
}

impl TwitterSink {
    pub fn new(dir: &Path, block: u32) -> Result<Self, SimError> {
        Ok(TwitterSink {
            file: OutFile::create(
                &dir.join("twitter")
                    .join(format!("search-b{block:03}.jsonl")),
            )?,
            page: Vec::with_capacity(PAGE),
            pages: 0,
            block,
            buf: Vec::with_capacity(1 << 18),
        })
    }

    pub fn push(&mut self, g: &Gen, p: Post) -> Result<(), SimError> {
        self.page.push(p);
        if self.page.len() == PAGE {
            self.flush(g, false)?;
        }
        Ok(())
    }

    fn flush(&mut self, g: &Gen, last: bool) -> Result<(), SimError> {
        if self.page.is_empty() {
            return Ok(());
        }
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"{\"data\":[");
        let mut users = BTreeSet::new();
        let mut media = Vec::new();
        let mut refs: Vec<&Post> = Vec::new();
        for (i, p) in self.page.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            tweet(g, p, b);
            users.insert(p.acct);
            if let Some(m) = p.media {
                media.push((p.id, m));
            }
            if let Some(o) = &p.share_of {
                users.insert(o.acct);
                if let Some(m) = o.media {
                    media.push((o.id, m));
                }
                refs.push(o);
            }
            if let Some((_, a)) = p.reply_to {
                users.insert(a);
            }
            for t in &p.toks {
                if let crate::gen::Tok::Mention(a) = t {
                    users.insert(*a);
                }
            }
        }
        b.extend_from_slice(b"],\"includes\":{\"users\":[");
        for (i, &u) in users.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            user(g, u, b);
        }
        b.extend_from_slice(b"]");
        if !media.is_empty() {
            media.sort_unstable_by_key(|m| m.0);
            media.dedup_by_key(|m| m.0);
            b.extend_from_slice(b",\"media\":[");
            for (i, (pid, m)) in media.iter().enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                let info = g.m.get(*m);
                b.push(b'{');
                kv(b, "media_key", &format!("3_{pid}"));
                b.push(b',');
                kv(b, "type", "photo");
                b.push(b',');
                kv(b, "url", &media_url(&info.stem, info.ext));
                b.push(b',');
                kn(b, "width", info.width as i64);
                b.push(b',');
                kn(b, "height", info.height as i64);
                b.push(b'}');
            }
            b.push(b']');
        }
        if !refs.is_empty() {
            refs.sort_unstable_by_key(|p| p.id);
            refs.dedup_by_key(|p| p.id);
            b.extend_from_slice(b",\"tweets\":[");
            for (i, o) in refs.iter().enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                tweet(g, o, b);
            }
            b.push(b']');
        }
        let newest = self.page.iter().map(|p| p.id).max().unwrap_or(0);
        let oldest = self.page.iter().map(|p| p.id).min().unwrap_or(0);
        b.extend_from_slice(b"},\"meta\":{");
        kn(b, "result_count", self.page.len() as i64);
        b.push(b',');
        kv(b, "newest_id", &newest.to_string());
        b.push(b',');
        kv(b, "oldest_id", &oldest.to_string());
        if !last {
            b.push(b',');
            kv(
                b,
                "next_token",
                &format!("b{}p{}", self.block, self.pages + 1),
            );
        }
        b.extend_from_slice(b"}}\n");
        self.file.write(&self.buf)?;
        self.pages += 1;
        self.page.clear();
        Ok(())
    }

    pub fn finish(mut self, g: &Gen, out: &mut UnitOut) -> Result<(), SimError> {
        self.flush(g, true)?;
        out.bytes += self.file.finish()?;
        out.files += 1;
        Ok(())
    }
}

fn tweet(g: &Gen, p: &Post, b: &mut Vec<u8>) {
    let w = g.w;
    let author = user_id(p.acct);
    let r = g.render(&p.toks, true);
    b.push(b'{');
    kv(b, "id", &p.id.to_string());
    b.push(b',');
    kv(b, "text", &r.text);
    b.push(b',');
    kv(b, "author_id", &author.to_string());
    b.push(b',');
    kv(b, "created_at", &rfc3339_ms(p.t));
    b.push(b',');
    kv(b, "lang", &w.langs[p.lang as usize].code);
    b.push(b',');
    let conv = p.reply_to.map(|(id, _)| id).unwrap_or(p.id);
    kv(b, "conversation_id", &conv.to_string());
    if let Some((_, a)) = p.reply_to {
        b.push(b',');
        kv(b, "in_reply_to_user_id", &user_id(a).to_string());
    }
    if let Some(o) = &p.share_of {
        b.extend_from_slice(b",\"referenced_tweets\":[{\"type\":\"retweeted\",\"id\":\"");
        b.extend_from_slice(o.id.to_string().as_bytes());
        b.extend_from_slice(b"\"}]");
    } else if let Some((id, _)) = p.reply_to {
        b.extend_from_slice(b",\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"");
        b.extend_from_slice(id.to_string().as_bytes());
        b.extend_from_slice(b"\"}]");
    }
    let has = |k: SegKind| r.segs.iter().any(|s| s.kind == k);
    if has(SegKind::Tag) || has(SegKind::Mention) || has(SegKind::Url) {
        b.extend_from_slice(b",\"entities\":{");
        let mut first = true;
        for (k, name) in [
            (SegKind::Tag, "hashtags"),
            (SegKind::Mention, "mentions"),
            (SegKind::Url, "urls"),
        ] {
            if !has(k) {
                continue;
            }
            if !first {
                b.push(b',');
            }
            first = false;
            key(b, name);
            b.push(b'[');
            for (i, s) in r.segs.iter().filter(|s| s.kind == k).enumerate() {
                if i > 0 {
                    b.push(b',');
                }
                b.push(b'{');
                kn(b, "start", s.start as i64);
                b.push(b',');
                kn(b, "end", s.end as i64);
                b.push(b',');
                match k {
                    SegKind::Tag => kv(b, "tag", &s.tag),
                    SegKind::Mention => {
                        kv(b, "username", &s.tag);
                        b.push(b',');
                        kv(b, "id", &user_id(s.acct).to_string());
                    }
                    _ => {
                        kv(b, "url", &tco(&s.tag));
                        b.push(b',');
                        kv(b, "expanded_url", &s.tag);
                        b.push(b',');
                        kv(b, "display_url", &display_url(&s.tag));
                    }
                }
                b.push(b'}');
            }
            b.push(b']');
        }
        b.push(b'}');
    }
    let media = p
        .media
        .or_else(|| p.share_of.as_ref().and_then(|o| o.media));
    if media.is_some() {
        let mid = if p.media.is_some() {
            p.id
        } else {
            p.share_of.as_ref().map(|o| o.id).unwrap_or(p.id)
        };
        b.extend_from_slice(b",\"attachments\":{\"media_keys\":[\"3_");
        b.extend_from_slice(mid.to_string().as_bytes());
        b.extend_from_slice(b"\"]}");
    }
    b.extend_from_slice(b",\"public_metrics\":{");
    kn(b, "retweet_count", p.shares as i64);
    b.push(b',');
    kn(b, "reply_count", (p.likes / 7) as i64);
    b.push(b',');
    kn(b, "like_count", p.likes as i64);
    b.push(b',');
    kn(b, "quote_count", (p.shares / 5) as i64);
    b.extend_from_slice(b"}}");
}

fn user(g: &Gen, u: u32, b: &mut Vec<u8>) {
    let a = g.acc(u);
    let w = g.w;
    let av = g.m.get(crate::media::ImageKind::Avatar {
        pool: a.avatar,
        v: a.avatar_variant as u32,
    });
    b.push(b'{');
    kv(b, "id", &user_id(u).to_string());
    b.push(b',');
    kv(b, "username", &identity::handle(w, a));
    b.push(b',');
    kv(b, "name", &identity::display_name(w, a));
    b.push(b',');
    kv(b, "description", &identity::bio(w, g.pw, a));
    b.push(b',');
    kv(b, "created_at", &rfc3339_ms(a.created));
    b.push(b',');
    kv(b, "profile_image_url", &avatar_url(&av.stem, av.ext));
    b.extend_from_slice(b",\"public_metrics\":{");
    kn(b, "followers_count", a.followers as i64);
    b.push(b',');
    kn(b, "following_count", a.following as i64);
    b.push(b',');
    let age_days = ((g.w.start - a.created).max(86_400_000) / 86_400_000) as f64;
    kn(
        b,
        "tweet_count",
        (a.rate as f64 * age_days.min(3000.0)) as i64,
    );
    b.push(b',');
    kn(b, "listed_count", (a.followers / 200) as i64);
    b.extend_from_slice(b"},\"verified\":false,");
    kv(b, "location", "");
    b.push(b',');
    kv(b, "url", "");
    b.push(b'}');
}
