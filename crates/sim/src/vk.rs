//! VK API writer: `newsfeed.search` pages for the general population and `wall.get` pages for funnel communities, both with `extended=1`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::gen::{Gen, Post};
use crate::identity::{self, vk_id};
use crate::json::{kn, kv};
use crate::media::ImageKind;
use crate::out::{OutFile, UnitOut};
use crate::SimError;

const NEWSFEED_PAGE: usize = 200;
const WALL_PAGE: usize = 100;

pub fn photo_url(stem: &str, ext: &str) -> String {
    format!("https://sun9-1.userapi.example/{stem}.{ext}")
}

pub struct VkSink {
    dir: std::path::PathBuf,
    block: u32,
    feed: Vec<Post>,
    feed_pages: u32,
    walls: Vec<(u32, Vec<Post>, u32)>,
    buf: Vec<u8>,
}

impl VkSink {
    pub fn new(dir: &Path, block: u32, funnel: &[u32]) -> Self {
        VkSink {
            dir: dir.join("vk"),
            block,
            feed: Vec::new(),
            feed_pages: 0,
            walls: funnel.iter().map(|&f| (f, Vec::new(), 0)).collect(),
            buf: Vec::with_capacity(1 << 18),
        }
    }

    pub fn push(&mut self, g: &Gen, p: Post, out: &mut UnitOut) -> Result<(), SimError> {
        if let Some(k) = self.walls.iter().position(|w| w.0 == p.acct) {
            self.walls[k].1.push(p);
            if self.walls[k].1.len() == WALL_PAGE {
                self.flush_wall(g, k, out)?;
            }
            return Ok(());
        }
        self.feed.push(p);
        if self.feed.len() == NEWSFEED_PAGE {
            self.flush_feed(g, false, out)?;
        }
        Ok(())
    }

    fn flush_feed(&mut self, g: &Gen, last: bool, out: &mut UnitOut) -> Result<(), SimError> {
        if self.feed.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(format!(
            "newsfeed-b{:03}-p{:04}.json",
            self.block, self.feed_pages
        ));
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"{\"response\":{\"items\":[");
        items(g, &self.feed, b);
        b.extend_from_slice(b"],");
        extended(g, &self.feed, b);
        b.push(b',');
        kn(b, "count", self.feed.len() as i64);
        b.push(b',');
        kn(b, "total_count", self.feed.len() as i64);
        if !last {
            b.push(b',');
            kv(
                b,
                "next_from",
                &format!("{}/{}", self.block, self.feed_pages + 1),
            );
        }
        b.extend_from_slice(b"}}\n");
        let mut f = OutFile::create(&path)?;
        f.write(&self.buf)?;
        out.bytes += f.finish()?;
        out.files += 1;
        self.feed_pages += 1;
        self.feed.clear();
        Ok(())
    }

    fn flush_wall(&mut self, g: &Gen, k: usize, out: &mut UnitOut) -> Result<(), SimError> {
        let (acct, posts, page) = &mut self.walls[k];
        if posts.is_empty() {
            return Ok(());
        }
        let owner = vk_id(g.acc(*acct), *acct);
        let name = if owner < 0 {
            format!("club{}", -owner)
        } else {
            format!("id{owner}")
        };
        let path = self
            .dir
            .join(format!("wall-{name}-b{:03}-p{:04}.json", self.block, page));
        let b = &mut self.buf;
        b.clear();
        b.extend_from_slice(b"{\"response\":{");
        kn(b, "count", posts.len() as i64);
        b.extend_from_slice(b",\"items\":[");
        items(g, posts, b);
        b.extend_from_slice(b"],");
        extended(g, posts, b);
        b.extend_from_slice(b"}}\n");
        let mut f = OutFile::create(&path)?;
        f.write(&self.buf)?;
        out.bytes += f.finish()?;
        out.files += 1;
        *page += 1;
        posts.clear();
        Ok(())
    }

    pub fn finish(mut self, g: &Gen, out: &mut UnitOut) -> Result<(), SimError> {
        self.flush_feed(g, true, out)?;
        for k in 0..self.walls.len() {
            self.flush_wall(g, k, out)?;
        }
        Ok(())
    }
}

fn items(g: &Gen, posts: &[Post], b: &mut Vec<u8>) {
    for (i, p) in posts.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        item(g, p, b, true);
    }
}

fn item(g: &Gen, p: &Post, b: &mut Vec<u8>, counts: bool) {
    let a = g.acc(p.acct);
    let owner = vk_id(a, p.acct);
    b.push(b'{');
    kn(b, "id", p.id as i64);
    b.push(b',');
    kn(b, "owner_id", owner);
    b.push(b',');
    kn(b, "from_id", owner);
    b.push(b',');
    kn(b, "date", p.t / 1000);
    b.push(b',');
    kv(b, "post_type", "post");
    b.push(b',');
    kv(b, "text", &g.render(&p.toks, false).text);
    if let Some(m) = p.media {
        let info = g.m.get(m);
        b.extend_from_slice(b",\"attachments\":[{\"type\":\"photo\",\"photo\":{");
        kn(b, "id", (p.id % 1_000_000_000) as i64 + 457_000_000);
        b.push(b',');
        kn(b, "owner_id", owner);
        b.push(b',');
        kn(b, "date", p.t / 1000);
        b.extend_from_slice(b",\"sizes\":[{\"type\":\"x\",");
        kv(b, "url", &photo_url(&info.stem, info.ext));
        b.push(b',');
        kn(b, "width", info.width as i64);
        b.push(b',');
        kn(b, "height", info.height as i64);
        b.extend_from_slice(b"}]}}]");
    }
    if let Some(o) = &p.share_of {
        b.extend_from_slice(b",\"copy_history\":[");
        item(g, o, b, false);
        b.push(b']');
    }
    if counts {
        b.extend_from_slice(b",\"likes\":{");
        kn(b, "count", p.likes as i64);
        b.extend_from_slice(b"},\"reposts\":{");
        kn(b, "count", p.shares as i64);
        b.extend_from_slice(b"},\"views\":{");
        kn(b, "count", p.views as i64);
        b.push(b'}');
    }
    b.push(b'}');
}

fn extended(g: &Gen, posts: &[Post], b: &mut Vec<u8>) {
    let mut users = BTreeSet::new();
    let mut groups = BTreeSet::new();
    for p in posts {
        for acct in std::iter::once(p.acct).chain(p.share_of.as_ref().map(|o| o.acct)) {
            if g.acc(acct).community {
                groups.insert(acct);
            } else {
                users.insert(acct);
            }
        }
    }
    b.extend_from_slice(b"\"profiles\":[");
    for (i, &u) in users.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        let a = g.acc(u);
        let name = identity::display_name(g.w, a);
        let (first, last) = name.split_once(' ').unwrap_or((&name, ""));
        let av = g.m.get(ImageKind::Avatar {
            pool: a.avatar,
            v: a.avatar_variant as u32,
        });
        b.push(b'{');
        kn(b, "id", vk_id(a, u));
        b.push(b',');
        kv(b, "first_name", first);
        b.push(b',');
        kv(b, "last_name", last);
        b.push(b',');
        kv(b, "screen_name", &identity::handle(g.w, a));
        b.push(b',');
        kv(b, "photo_100", &photo_url(&av.stem, av.ext));
        b.push(b',');
        kv(b, "status", &identity::bio(g.w, g.pw, a));
        b.extend_from_slice(b",\"is_closed\":false,\"can_access_closed\":true}");
    }
    b.extend_from_slice(b"],\"groups\":[");
    for (i, &u) in groups.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        let a = g.acc(u);
        let av = g.m.get(ImageKind::Avatar {
            pool: a.avatar,
            v: a.avatar_variant as u32,
        });
        b.push(b'{');
        kn(b, "id", -vk_id(a, u));
        b.push(b',');
        kv(b, "name", &identity::display_name(g.w, a));
        b.push(b',');
        kv(b, "screen_name", &identity::handle(g.w, a));
        b.extend_from_slice(b",\"is_closed\":0,\"type\":\"page\",");
        kv(b, "photo_100", &photo_url(&av.stem, av.ext));
        b.push(b',');
        kv(b, "description", &identity::bio(g.w, g.pw, a));
        b.push(b'}');
    }
    b.push(b']');
}
