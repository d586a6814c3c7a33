//! Facebook Graph API writer: page and group feed responses (`data[]` of posts with `paging`), one file per page of up to 100 posts.

use std::path::Path;

use crate::clock::graph_time;
use crate::gen::{Gen, Post};
use crate::identity::{self, fb_group_id, fb_id};
use crate::json::{kn, kv};
use crate::out::{OutFile, UnitOut};
use crate::world::{Account, NONE};
use crate::SimError;

const PAGE: usize = 100;

pub fn image_url(stem: &str, ext: &str) -> String {
    format!("https://scontent.xx.fbcdn.example/{stem}.{ext}")
}

/// The feed a post appears in: a page's own feed, or the group a user posts into.
pub fn feed_of(a: &Account, idx: u32) -> u64 {
    if a.community || a.home == NONE {
        fb_id(idx)
    } else {
        fb_group_id(a.home)
    }
}

pub struct FbSink {
    dir: std::path::PathBuf,
    block: u32,
    feed: u64,
    posts: Vec<Post>,
    page: u32,
    buf: Vec<u8>,
}

impl FbSink {
    pub fn new(dir: &Path, block: u32) -> Self {
        FbSink {
            dir: dir.join("facebook"),
            block,
            feed: 0,
            posts: Vec::new(),
            page: 0,
            buf: Vec::with_capacity(1 << 18),
        }
    }

    /// Posts must arrive grouped by feed (then time).
    pub fn push(&mut self, g: &Gen, p: Post, out: &mut UnitOut) -> Result<(), SimError> {
        let f = feed_of(g.acc(p.acct), p.acct);
        if f != self.feed {
            self.flush(g, true, out)?;
            self.feed = f;
            self.page = 0;
        }
        self.posts.push(p);
        if self.posts.len() == PAGE {
            self.flush(g, false, out)?;
        }
        Ok(())
    }

    fn flush(&mut self, g: &Gen, last: bool, out: &mut UnitOut) -> Result<(), SimError> {
        if self.posts.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(format!(
            "feed-{}-b{:03}-p{:04}.json",
            self.feed, self.block, self.page
        ));
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"{\"data\":[");
        for (i, p) in self.posts.iter().enumerate() {
            if i > 0 {
                b.push(b',');
            }
            post(g, self.feed, p, b);
        }
        b.extend_from_slice(b"],\"paging\":{\"cursors\":{");
        kv(
            b,
            "before",
            &format!("b{}f{}p{}s", self.block, self.feed, self.page),
        );
        b.push(b',');
        kv(
            b,
            "after",
            &format!("b{}f{}p{}e", self.block, self.feed, self.page),
        );
        b.push(b'}');
        if !last {
            b.push(b',');
            kv(
                b,
                "next",
                &format!(
                    "https://graph.facebook.com/v2.0/{}/feed?limit=100&after=b{}f{}p{}e",
                    self.feed, self.block, self.feed, self.page
                ),
            );
        }
        b.extend_from_slice(b"}}\n");
        let mut f = OutFile::create(&path)?;
        f.write(&self.buf)?;
        out.bytes += f.finish()?;
        out.files += 1;
        self.page += 1;
        self.posts.clear();
        Ok(())
    }

    pub fn finish(mut self, g: &Gen, out: &mut UnitOut) -> Result<(), SimError> {
        self.flush(g, true, out)
    }
}

/// Graph post id `<feed>_<post>`.
pub fn post_id(feed: u64, id: u64) -> String {
    format!("{feed}_{id}")
}

fn post(g: &Gen, feed: u64, p: &Post, b: &mut Vec<u8>) {
    let a = g.acc(p.acct);
    let id = post_id(feed, p.id);
    b.push(b'{');
    kv(b, "id", &id);
    b.push(b',');
    let text = if let Some(o) = &p.share_of {
        g.render(&o.toks, false).text
    } else {
        g.render(&p.toks, false).text
    };
    kv(b, "message", &text);
    b.push(b',');
    kv(b, "created_time", &graph_time(p.t));
    b.extend_from_slice(b",\"from\":{");
    kv(b, "id", &fb_id(p.acct).to_string());
    b.push(b',');
    kv(b, "name", &identity::display_name(g.w, a));
    b.extend_from_slice(b"},");
    kv(
        b,
        "permalink_url",
        &format!("https://www.facebook.com/{feed}/posts/{}", p.id),
    );
    if let Some(o) = &p.share_of {
        let oa = g.acc(o.acct);
        b.push(b',');
        kv(b, "parent_id", &post_id(feed_of(oa, o.acct), o.id));
        b.push(b',');
        kv(b, "status_type", "shared_story");
    }
    let media = p
        .media
        .or_else(|| p.share_of.as_ref().and_then(|o| o.media));
    if let Some(m) = media {
        let info = g.m.get(m);
        let src = image_url(&info.stem, info.ext);
        let target = format!("{}", 10_000_000_000u64 + p.id % 1_000_000_000_000);
        b.extend_from_slice(
            b",\"attachments\":{\"data\":[{\"type\":\"photo\",\"media\":{\"image\":{",
        );
        kv(b, "src", &src);
        b.push(b',');
        kn(b, "width", info.width as i64);
        b.push(b',');
        kn(b, "height", info.height as i64);
        b.extend_from_slice(b"}},\"target\":{");
        kv(b, "id", &target);
        b.push(b',');
        kv(
            b,
            "url",
            &format!("https://www.facebook.com/photo.php?fbid={target}"),
        );
        b.extend_from_slice(b"},");
        kv(
            b,
            "url",
            &format!("https://www.facebook.com/photo.php?fbid={target}"),
        );
        b.extend_from_slice(b"}]}");
    }
    b.push(b'}');
}
