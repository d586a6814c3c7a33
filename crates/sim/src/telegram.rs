//! Telegram Desktop export writer: a full export (`chats.list`) per block, and single-chat `result.json` exports for funnel channels.

use std::path::{Path, PathBuf};

use crate::clock::telegram_time;
use crate::gen::{Gen, Post, SegKind};
use crate::identity::{self, tg_id};
use crate::json::{self, kn, kv};
use crate::out::{OutFile, UnitOut};
use crate::SimError;

/// Photo path relative to the export's `result.json`: every export sits two levels below the
/// world's root (`telegram/<export>/result.json`), so this points at the shared `media/` folder
/// and an adapter resolving paths against the export's directory finds the real file.
pub fn photo_path(stem: &str, ext: &str) -> String {
    format!("../../media/{stem}.{ext}")
}

pub struct TgSink {
    dir: PathBuf,
    block: u32,
    full: OutFile,
    chat: Option<u32>,
    first_msg: bool,
    any_chat: bool,
    featured: Vec<u32>,
    part: Option<(u32, OutFile, bool)>,
    buf: Vec<u8>,
}

impl TgSink {
    pub fn new(dir: &Path, block: u32, featured: &[u32]) -> Result<Self, SimError> {
        let dir = dir.join("telegram");
        let mut full =
            OutFile::create(&dir.join(format!("export-b{block:03}")).join("result.json"))?;
        full.write(b"{\"about\":\"Here is the data you requested. Simulated by vigil-sim; every account and message is synthetic.\",\"chats\":{\"about\":\"This page lists all chats from this export.\",\"list\":[")?;
        Ok(TgSink {
            dir,
            block,
            full,
            chat: None,
            first_msg: true,
            any_chat: false,
            featured: featured.to_vec(),
            part: None,
            buf: Vec::with_capacity(1 << 16),
        })
    }

    /// Posts must arrive grouped by channel (then time).
    pub fn push(&mut self, g: &Gen, p: Post, out: &mut UnitOut) -> Result<(), SimError> {
        self.buf.clear();
        message(g, &p, &mut self.buf);
        if self.featured.contains(&p.acct) {
            if self.part.as_ref().map(|x| x.0) != Some(p.acct) {
                self.close_part(out)?;
                let h = identity::handle(g.w, g.acc(p.acct));
                let path = self.dir.join(&h).join(format!(".part-b{:03}", self.block));
                out.tg_parts.push((p.acct, path.clone()));
                self.part = Some((p.acct, OutFile::create(&path)?, true));
            }
            if let Some((_, f, first)) = self.part.as_mut() {
                if !*first {
                    f.write(b",\n")?;
                }
                *first = false;
                f.write(&self.buf)?;
            }
            return Ok(());
        }
        if self.chat != Some(p.acct) {
            if self.chat.is_some() {
                self.full.write(b"]}")?;
            }
            let a = g.acc(p.acct);
            let mut h = Vec::new();
            if self.any_chat {
                h.push(b',');
            }
            h.extend_from_slice(b"\n{");
            kv(&mut h, "name", &identity::display_name(g.w, a));
            h.extend_from_slice(b",\"type\":\"public_channel\",");
            kn(&mut h, "id", tg_id(p.acct) as i64);
            h.extend_from_slice(b",\"messages\":[");
            self.full.write(&h)?;
            self.chat = Some(p.acct);
            self.first_msg = true;
            self.any_chat = true;
        }
        if !self.first_msg {
            self.full.write(b",\n")?;
        }
        self.first_msg = false;
        self.full.write(&self.buf)?;
        Ok(())
    }

    fn close_part(&mut self, out: &mut UnitOut) -> Result<(), SimError> {
        if let Some((_, f, _)) = self.part.take() {
            out.bytes += f.finish()?;
        }
        Ok(())
    }

    pub fn finish(mut self, out: &mut UnitOut) -> Result<(), SimError> {
        self.close_part(out)?;
        if self.chat.is_some() {
            self.full.write(b"]}")?;
        }
        self.full.write(b"\n]}}\n")?;
        out.bytes += self.full.finish()?;
        out.files += 1;
        Ok(())
    }
}

/// Writes the single-chat export header of a funnel channel.
pub fn single_chat_header(g: &Gen, acct: u32, b: &mut Vec<u8>) {
    let a = g.acc(acct);
    b.push(b'{');
    kv(b, "name", &identity::display_name(g.w, a));
    b.extend_from_slice(b",\"type\":\"public_channel\",");
    kn(b, "id", tg_id(acct) as i64);
    b.extend_from_slice(b",\"messages\":[\n");
}

fn message(g: &Gen, p: &Post, b: &mut Vec<u8>) {
    let a = g.acc(p.acct);
    let toks = p.share_of.as_ref().map(|o| &o.toks).unwrap_or(&p.toks);
    let r = g.render(toks, false);
    b.push(b'{');
    kn(b, "id", p.id as i64);
    b.extend_from_slice(b",\"type\":\"message\",");
    kv(b, "date", &telegram_time(p.t));
    b.push(b',');
    kv(b, "date_unixtime", &(p.t / 1000).to_string());
    b.push(b',');
    kv(b, "from", &identity::display_name(g.w, a));
    b.push(b',');
    kv(b, "from_id", &format!("channel{}", tg_id(p.acct)));
    if let Some(o) = &p.share_of {
        b.push(b',');
        kv(
            b,
            "forwarded_from",
            &identity::display_name(g.w, g.acc(o.acct)),
        );
    }
    let media = p
        .media
        .or_else(|| p.share_of.as_ref().and_then(|o| o.media));
    if let Some(m) = media {
        let info = g.m.get(m);
        b.push(b',');
        kv(b, "photo", &photo_path(&info.stem, info.ext));
        b.push(b',');
        kn(b, "width", info.width as i64);
        b.push(b',');
        kn(b, "height", info.height as i64);
    }
    b.push(b',');
    json::key(b, "text");
    let plain_only = r.segs.iter().all(|s| s.kind == SegKind::Plain);
    if plain_only {
        json::str(b, &r.text);
    } else {
        b.push(b'[');
        for (i, s) in r.segs.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            if s.kind == SegKind::Plain {
                json::str(b, &s.text);
            } else {
                entity(s.kind, &s.text, b);
            }
        }
        b.push(b']');
    }
    b.extend_from_slice(b",\"text_entities\":[");
    for (i, s) in r.segs.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        entity(s.kind, &s.text, b);
    }
    b.extend_from_slice(b"]}");
}

fn entity(k: SegKind, text: &str, b: &mut Vec<u8>) {
    let ty = match k {
        SegKind::Plain => "plain",
        SegKind::Tag => "hashtag",
        SegKind::Mention => "mention",
        SegKind::Url => "link",
    };
    b.push(b'{');
    kv(b, "type", ty);
    b.push(b',');
    kv(b, "text", text);
    b.push(b'}');
}
