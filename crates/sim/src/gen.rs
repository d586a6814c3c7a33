//! Turns one (platform, time block) of the world into posts: organic activity plus the planned coordinated events, in time order.

use std::collections::VecDeque;

use crate::clock::{MS_PER_DAY, MS_PER_HOUR};

/// Length of the pre-start history block.
pub const HISTORY_MS: i64 = 7 * MS_PER_DAY;
use crate::config::Platform;
use crate::identity;
use crate::media::{ImageKind, MediaSet};
use crate::rng::{mix64, Rng};
use crate::vocab::{self, Lang};
use crate::world::{snowflake, Account, PKind, PlatformWorld, Release, Role, World, NONE};

/// A text token; rendering differs per platform (Twitter shortens links to t.co).
#[derive(Debug, Clone)]
pub enum Tok {
    W(&'static str),
    /// Placeholder phrase opening (e.g. `[placeholder recruitment phrase`) and its number.
    Ph(&'static str, u32),
    Tag(Box<str>),
    Mention(u32),
    Url(Box<str>),
    Text(Box<str>),
    /// Glued to the previous token without a space (e.g. `:` after a mention).
    Glue(&'static str),
}

/// A platform-neutral post, rendered by each platform writer.
#[derive(Debug, Clone)]
pub struct Post {
    pub id: u64,
    pub t: i64,
    pub acct: u32,
    pub lang: u16,
    pub toks: Vec<Tok>,
    pub reply_to: Option<(u64, u32)>,
    pub share_of: Option<Box<Post>>,
    pub media: Option<ImageKind>,
    pub likes: u32,
    pub shares: u32,
    pub views: u32,
    /// Campaign this post belongs to (truth only).
    pub campaign: u32,
    /// Whether the post carries a propaganda image (truth only).
    pub prop: Option<(u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegKind {
    Plain,
    Tag,
    Mention,
    Url,
}

/// Rendered text with entity spans in Unicode code points (like the Twitter API).
#[derive(Debug, Default)]
pub struct Rendered {
    pub text: String,
    pub segs: Vec<Seg>,
}

#[derive(Debug)]
pub struct Seg {
    pub kind: SegKind,
    pub start: u32,
    pub end: u32,
    /// Text of the span as it appears.
    pub text: String,
    /// Hashtag without `#`, mention account index, or expanded URL.
    pub tag: String,
    pub acct: u32,
}

/// `https://t.co/` plus 10 base-62 characters derived from the expanded URL.
pub fn tco(url: &str) -> String {
    const A: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in url.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
    }
    let mut s = String::from("https://t.co/");
    for _ in 0..10 {
        h = mix64(h);
        s.push(A[(h % 62) as usize] as char);
    }
    s
}

pub fn display_url(url: &str) -> String {
    let s = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    if s.chars().count() > 26 {
        let mut t: String = s.chars().take(25).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

pub struct Gen<'a> {
    pub w: &'a World,
    pub m: &'a MediaSet,
    pub pw: &'a PlatformWorld,
    pub p: Platform,
    pub block: u32,
    pub rng: Rng,
    counter: u64,
    ring: VecDeque<Post>,
    xring: VecDeque<Post>,
}

/// One event of a block: an organic post (`kind` None) or a planned one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ev {
    pub t: i64,
    pub acct: u32,
    pub kind: Option<PKind>,
    pub arg: u32,
    pub aux: u32,
}

impl<'a> Gen<'a> {
    pub fn new(w: &'a World, m: &'a MediaSet, pw: &'a PlatformWorld, block: u32) -> Gen<'a> {
        Gen {
            w,
            m,
            pw,
            p: pw.platform,
            block,
            rng: Rng::stream(
                w.seed,
                0x10_0000 + ((pw.platform.index() as u64) << 16) + block as u64,
            ),
            counter: 0,
            ring: VecDeque::with_capacity(512),
            xring: VecDeque::with_capacity(64),
        }
    }

    pub fn acc(&self, i: u32) -> &'a Account {
        &self.pw.accounts[i as usize]
    }

    pub fn lang(&self, l: u16) -> &'static Lang {
        self.w.langs[l as usize].vocab
    }

    /// Time window of a block: block 0 is the pre-start history (the week before the start), blocks 1.. cover the run.
    pub fn window(w: &World, block: u32) -> (i64, i64) {
        if block == 0 {
            (w.start - HISTORY_MS, w.start)
        } else {
            let t0 = w.start + (block as i64 - 1) * w.block_ms;
            (t0, (t0 + w.block_ms).min(w.end))
        }
    }

    /// All events of this block, time-ordered: organic posts drawn by activity and daily rhythm, plus planned events.
    /// The history block holds only the posts of accounts enforced before the start, so a platform's earlier
    /// enforcement comes with the profiles and posts it was based on.
    pub fn events(&mut self) -> Vec<Ev> {
        let (t0, t1) = Self::window(self.w, self.block);
        let days = (t1 - t0) as f64 / 86_400_000.0;
        let mut evs = Vec::new();
        if self.block == 0 {
            for (i, a) in self.pw.accounts.iter().enumerate() {
                if !a.known {
                    continue;
                }
                let (from, to) = (a.created.max(t0), a.suspended.min(t1));
                if to <= from {
                    continue;
                }
                let n = self
                    .rng
                    .poisson(a.rate as f64 * (to - from) as f64 / 86_400_000.0);
                for _ in 0..n {
                    let t = from + self.rng.below((to - from) as u64) as i64;
                    evs.push(Ev {
                        t,
                        acct: i as u32,
                        kind: None,
                        arg: 0,
                        aux: 0,
                    });
                }
            }
            evs.sort_unstable();
            return evs;
        }
        if !self.pw.alias.is_empty() {
            let proposals = self.rng.poisson(self.pw.alias.total * days * 1.6);
            evs.reserve(proposals as usize * 2 / 3);
            for _ in 0..proposals {
                let i = self.pw.alias.sample(&mut self.rng) as u32;
                let t = t0 + self.rng.below((t1 - t0) as u64) as i64;
                let a = self.acc(i);
                let local_h = ((t / MS_PER_HOUR) + a.tz as i64).rem_euclid(24) as f64;
                let rhythm = 1.0 + 0.6 * (std::f64::consts::TAU * (local_h - 20.0) / 24.0).cos();
                if self.rng.f64() * 1.6 < rhythm && a.alive(t) {
                    evs.push(Ev {
                        t,
                        acct: i,
                        kind: None,
                        arg: 0,
                        aux: 0,
                    });
                }
            }
        }
        let lo = self.pw.planned.partition_point(|e| e.t < t0);
        let hi = self.pw.planned.partition_point(|e| e.t < t1);
        for e in &self.pw.planned[lo..hi] {
            if self.acc(e.acct).alive(e.t) {
                evs.push(Ev {
                    t: e.t,
                    acct: e.acct,
                    kind: Some(e.kind),
                    arg: e.arg,
                    aux: e.aux,
                });
            }
        }
        evs.sort_unstable();
        evs
    }

    fn next_id(&mut self, t: i64) -> u64 {
        self.counter += 1;
        match self.p {
            Platform::Twitter => snowflake(t, self.block as u64, self.counter),
            _ => {
                1_000_000_000
                    + ((t - (self.w.start - HISTORY_MS)) as u64) * 16
                    + (self.counter % 16)
            }
        }
    }

    fn words(&mut self, lang: &'static Lang, lo: u64, hi: u64, toks: &mut Vec<Tok>) {
        let n = self.rng.range(lo, hi);
        for _ in 0..n {
            let k = self.rng.zipf(lang.words.len(), 0.9);
            toks.push(Tok::W(lang.words[k]));
        }
    }

    fn benign_tag(&mut self, lang: &'static Lang) -> Tok {
        if self.rng.chance(0.15) {
            Tok::Tag(vocab::TREND_TAGS[self.rng.zipf(vocab::TREND_TAGS.len(), 1.1)].into())
        } else {
            Tok::Tag(lang.tags[self.rng.zipf(lang.tags.len(), 1.1)].into())
        }
    }

    fn benign_link(&mut self) -> Tok {
        let d = vocab::BENIGN_DOMAINS[self.rng.zipf(vocab::BENIGN_DOMAINS.len(), 1.0)];
        let k = self.rng.zipf(2000, 1.1);
        Tok::Url(format!("https://{d}/p/{k}").into())
    }

    /// A link into the funnel: a Telegram channel or VK community of the network.
    fn funnel_link(&self, salt: u64) -> Option<Tok> {
        let cands: Vec<&PlatformWorld> = self
            .w
            .platforms
            .iter()
            .filter(|p| {
                matches!(p.platform, Platform::Telegram | Platform::Vk) && !p.funnel.is_empty()
            })
            .collect();
        if cands.is_empty() {
            return None;
        }
        let p = cands[(mix64(salt) % cands.len() as u64) as usize];
        let target = p.funnel[(mix64(salt ^ 7) % p.funnel.len() as u64) as usize];
        let h = identity::handle(self.w, &p.accounts[target as usize]);
        Some(Tok::Url(
            match p.platform {
                Platform::Telegram => format!("https://t.me/{h}"),
                _ => format!("https://vk.com/{h}"),
            }
            .into(),
        ))
    }

    fn metrics(&mut self, a: &Account, post: &mut Post) {
        let reach = (a.followers as f64).sqrt();
        post.likes = (self.rng.f64() * reach * 0.5) as u32;
        post.shares = (self.rng.f64() * reach * 0.1) as u32;
        post.views = a.followers / 3 + self.rng.below(50) as u32;
    }

    fn blank(&mut self, t: i64, acct: u32) -> Post {
        let a = self.acc(acct);
        let id = self.next_id(t);
        Post {
            id,
            t,
            acct,
            lang: a.lang,
            toks: Vec::with_capacity(16),
            reply_to: None,
            share_of: None,
            media: None,
            likes: 0,
            shares: 0,
            views: 0,
            campaign: NONE,
            prop: None,
        }
    }

    /// The release post of a core media account, rebuilt identically wherever it is referenced.
    pub fn release_post(&self, r: &Release) -> Post {
        let pw = self.w.pw(r.platform).unwrap_or(self.pw);
        let a = &pw.accounts[r.acct as usize];
        let lang = self.w.langs[a.lang as usize].vocab;
        let mut rng = Rng::stream(self.w.seed, 0x30_0000 + r.id as u64);
        let mut toks = vec![Tok::Ph(lang.release, 1 + rng.below(40) as u32)];
        toks.push(Tok::Tag(
            vocab::INDICATOR_TAGS[rng.below(vocab::INDICATOR_TAGS.len() as u64) as usize].into(),
        ));
        let md = vocab::MIRROR_DOMAINS[rng.below(vocab::MIRROR_DOMAINS.len() as u64) as usize];
        toks.push(Tok::Url(
            format!(
                "https://{md}/r{}",
                mix64(self.w.seed ^ r.id as u64) % 1_000_000
            )
            .into(),
        ));
        Post {
            id: r.post_id,
            t: r.t,
            acct: r.acct,
            lang: a.lang,
            toks,
            reply_to: None,
            share_of: None,
            media: Some(ImageKind::Prop {
                base: r.image,
                v: 0,
            }),
            likes: (a.followers / 20).min(5000),
            shares: (a.followers / 50).min(2000),
            views: a.followers,
            campaign: NONE,
            prop: Some((r.image, 0)),
        }
    }

    /// Builds the post for an event, or None when it makes no post (e.g. nothing to re-share yet).
    pub fn make(&mut self, ev: Ev) -> Option<Post> {
        let a = self.acc(ev.acct);
        let lang = self.lang(a.lang);
        let mut post = match ev.kind {
            None => self.organic(ev, a, lang)?,
            Some(PKind::Release) => {
                let r = &self.w.releases[ev.arg as usize];
                self.release_post(r)
            }
            Some(PKind::Amplify) => {
                let r = &self.w.releases[ev.arg as usize];
                let orig = self.release_post(r);
                let mut p = self.blank(ev.t, ev.acct);
                p.toks = self.share_toks(&orig);
                p.lang = orig.lang;
                p.share_of = Some(Box::new(orig));
                p
            }
            Some(PKind::MediaRepost) => {
                let r = &self.w.releases[ev.arg as usize];
                let orig = self.release_post(r);
                let mut p = self.blank(ev.t, ev.acct);
                p.toks = self.mutate(&orig.toks, lang);
                p.media = Some(ImageKind::Prop {
                    base: r.image,
                    v: ev.aux,
                });
                p.prop = Some((r.image, ev.aux));
                p
            }
            Some(PKind::Flood) => {
                let c = &self.w.campaigns[ev.arg as usize];
                let clang = self.lang(c.lang);
                let mut base_rng = Rng::stream(self.w.seed, 0x40_0000 + c.id as u64);
                let mut toks = vec![Tok::Ph(clang.praise, 1 + base_rng.below(40) as u32)];
                toks.push(Tok::Tag(c.key.trim_start_matches('#').into()));
                for _ in 0..3 {
                    toks.push(Tok::W(
                        clang.words[base_rng.below(clang.words.len() as u64) as usize],
                    ));
                }
                if let Some(h) = &c.hijacked {
                    toks.push(Tok::Tag(h.trim_start_matches('#').into()));
                }
                let mut p = self.blank(ev.t, ev.acct);
                p.toks = self.mutate(&toks, clang);
                p.campaign = c.id;
                if self.rng.chance(0.2) {
                    let b = self.rng.below(self.w.prop_images as u64) as u32;
                    let v = self.rng.below(self.w.variants as u64 + 1) as u32;
                    p.media = Some(ImageKind::Prop { base: b, v });
                    p.prop = Some((b, v));
                }
                p
            }
            Some(PKind::App) => {
                let c = &self.w.campaigns[ev.arg as usize];
                let clang = self.lang(c.lang);
                let mut base_rng = Rng::stream(self.w.seed, 0x50_0000 + c.id as u64);
                let mut p = self.blank(ev.t, ev.acct);
                p.toks = vec![
                    Tok::Ph(clang.release, 1 + base_rng.below(40) as u32),
                    Tok::Tag(
                        vocab::INDICATOR_TAGS
                            [base_rng.below(vocab::INDICATOR_TAGS.len() as u64) as usize]
                            .into(),
                    ),
                    Tok::Url(c.key.clone().into()),
                ];
                p.campaign = c.id;
                p
            }
            Some(PKind::Trend) => {
                let tr = &self.w.trends[ev.arg as usize];
                let mut p = self.blank(ev.t, ev.acct);
                let mut toks = Vec::new();
                self.words(lang, 3, 10, &mut toks);
                let pos = self.rng.below(toks.len() as u64 + 1) as usize;
                toks.insert(pos, Tok::Tag(tr.tag.into()));
                if self.rng.chance(0.3) {
                    toks.push(self.benign_tag(lang));
                }
                if self.rng.chance(0.2) {
                    toks.push(self.benign_link());
                }
                if self.rng.chance(0.15) {
                    p.media = Some(ImageKind::Photo(
                        self.rng.zipf(self.w.benign_images.max(1) as usize, 1.0) as u32,
                    ));
                }
                p.toks = toks;
                p
            }
            Some(PKind::NewsReact) => {
                let c = &self.w.campaigns[ev.arg as usize];
                let mut p = self.blank(ev.t, ev.acct);
                p.toks = self.context_toks(a, lang, Some(c.key.trim_start_matches('#')));
                p
            }
        };
        let a = self.acc(post.acct);
        if post.likes == 0 && post.views == 0 {
            self.metrics(a, &mut post);
        }
        Some(post)
    }

    fn organic(&mut self, ev: Ev, a: &'a Account, lang: &'static Lang) -> Option<Post> {
        let mut p = self.blank(ev.t, ev.acct);
        let r = self.rng.f64();
        match a.role {
            Role::Benign => {
                if r < 0.12 && !self.ring.is_empty() {
                    let k = self.rng.below(self.ring.len() as u64) as usize;
                    let orig = self.ring[k].clone();
                    if orig.share_of.is_none() && orig.acct != ev.acct {
                        p.toks = self.share_toks(&orig);
                        p.lang = orig.lang;
                        p.share_of = Some(Box::new(orig));
                        return Some(p);
                    }
                }
                if r > 0.95 && !self.ring.is_empty() && self.p == Platform::Twitter {
                    let k = self.rng.below(self.ring.len() as u64) as usize;
                    let (oid, oacct) = (self.ring[k].id, self.ring[k].acct);
                    if oacct != ev.acct {
                        p.reply_to = Some((oid, oacct));
                        p.toks.push(Tok::Mention(oacct));
                    }
                }
                self.words(lang, 4, 13, &mut p.toks);
                if self.rng.chance(0.3) {
                    let pos = self.rng.below(p.toks.len() as u64 + 1) as usize;
                    let t = self.benign_tag(lang);
                    p.toks.insert(pos.max(p.reply_to.is_some() as usize), t);
                }
                if self.rng.chance(0.12) {
                    p.toks.push(self.benign_link());
                }
                if self.rng.chance(0.06) && !self.ring.is_empty() {
                    let k = self.rng.below(self.ring.len() as u64) as usize;
                    let m = self.ring[k].acct;
                    if m != ev.acct {
                        p.toks.push(Tok::Mention(m));
                    }
                }
                if self.rng.chance(0.07) {
                    p.media = Some(ImageKind::Photo(
                        self.rng.zipf(self.w.benign_images.max(1) as usize, 1.0) as u32,
                    ));
                }
            }
            Role::News | Role::Research | Role::CounterSpeech => {
                if r < 0.4 {
                    // Ordinary coverage, not about extremism.
                    self.words(lang, 5, 12, &mut p.toks);
                    p.toks.push(Tok::Tag("news".into()));
                    p.toks.push(self.benign_link());
                } else {
                    let tag =
                        vocab::FLOOD_TAGS[self.rng.below(vocab::FLOOD_TAGS.len() as u64) as usize];
                    p.toks = self.context_toks(a, lang, Some(tag));
                }
                if self.rng.chance(0.05) {
                    // Reporting sometimes shows the (known) propaganda image itself.
                    let b = self.rng.below(self.w.known_images.max(1) as u64) as u32;
                    p.media = Some(ImageKind::Prop { base: b, v: 0 });
                    p.prop = Some((b, 0));
                }
            }
            Role::AmplifierBot => {
                if !self.xring.is_empty() && r < 0.8 {
                    let k = self.rng.below(self.xring.len() as u64) as usize;
                    let orig = self.xring[k].clone();
                    if orig.acct != ev.acct {
                        p.toks = self.share_toks(&orig);
                        p.lang = orig.lang;
                        p.share_of = Some(Box::new(orig));
                        return Some(p);
                    }
                }
                self.praise(a, lang, &mut p);
            }
            Role::CoreMedia => {
                p.toks
                    .push(Tok::Ph(lang.release, 1 + self.rng.below(40) as u32));
                p.toks.push(Tok::Tag(
                    vocab::INDICATOR_TAGS
                        [self.rng.below(vocab::INDICATOR_TAGS.len() as u64) as usize]
                        .into(),
                ));
                let md = vocab::MIRROR_DOMAINS
                    [self.rng.below(vocab::MIRROR_DOMAINS.len() as u64) as usize];
                p.toks.push(Tok::Url(
                    format!("https://{md}/o{}", self.rng.below(1_000_000)).into(),
                ));
                if self.rng.chance(0.5) {
                    let b = self.rng.below(self.w.prop_images as u64) as u32;
                    let v = self.rng.below(self.w.variants as u64 + 1) as u32;
                    p.media = Some(ImageKind::Prop { base: b, v });
                    p.prop = Some((b, v));
                }
            }
            Role::Fanboy => self.praise(a, lang, &mut p),
            Role::Recruiter => {
                p.toks
                    .push(Tok::Ph(lang.recruit, 1 + self.rng.below(40) as u32));
                self.words(lang, 0, 3, &mut p.toks);
                if self.rng.chance(0.35) {
                    p.toks
                        .push(Tok::Ph(lang.travel, 1 + self.rng.below(40) as u32));
                    p.toks.push(Tok::Text(
                        format!("ROUTE-{:04X}-PLACEHOLDER", self.rng.below(0x10000)).into(),
                    ));
                }
                let salt = self.rng.next_u64();
                if let Some(l) = self.funnel_link(salt) {
                    p.toks.push(l);
                }
                if self.rng.chance(0.3) {
                    p.toks.push(Tok::Text("[placeholder contact]".into()));
                    p.toks.push(Tok::Url(
                        format!("https://contact.invalid/{}", self.rng.below(100_000)).into(),
                    ));
                }
            }
            Role::Fundraiser => {
                p.toks
                    .push(Tok::Ph(lang.fund, 1 + self.rng.below(40) as u32));
                p.toks.push(Tok::Text(
                    format!("PAYREF-{:04X}-PLACEHOLDER", self.rng.below(0x10000)).into(),
                ));
                if self.rng.chance(0.5) {
                    let salt = self.rng.next_u64();
                    if let Some(l) = self.funnel_link(salt) {
                        p.toks.push(l);
                    }
                }
                p.toks.push(Tok::Tag(
                    vocab::INDICATOR_TAGS
                        [self.rng.below(vocab::INDICATOR_TAGS.len() as u64) as usize]
                        .into(),
                ));
            }
        }
        Some(p)
    }

    fn praise(&mut self, a: &Account, lang: &'static Lang, p: &mut Post) {
        p.toks
            .push(Tok::Ph(lang.praise, 1 + self.rng.below(40) as u32));
        self.words(lang, 0, 4, &mut p.toks);
        let nt = 1 + self.rng.below(2);
        for _ in 0..nt {
            p.toks.push(Tok::Tag(
                vocab::INDICATOR_TAGS[self.rng.below(vocab::INDICATOR_TAGS.len() as u64) as usize]
                    .into(),
            ));
        }
        if self.rng.chance(0.2) {
            // Mention a core account of the network (the same network a returning account rejoins).
            let cores: Vec<u32> = self
                .pw
                .extremist
                .iter()
                .copied()
                .filter(|&i| self.acc(i).role == Role::CoreMedia && self.acc(i).alive(p.t))
                .take(8)
                .collect();
            if !cores.is_empty() {
                p.toks.push(Tok::Mention(
                    cores[(mix64(a.name_seed) % cores.len() as u64) as usize],
                ));
            }
        }
        if self.rng.chance(0.1) {
            let salt = a.name_seed ^ self.rng.below(4);
            if let Some(l) = self.funnel_link(salt) {
                p.toks.push(l);
            }
        }
        if self.rng.chance(0.25) {
            let b = self.rng.below(self.w.prop_images as u64) as u32;
            let v = self.rng.below(self.w.variants as u64 + 1) as u32;
            p.media = Some(ImageKind::Prop { base: b, v });
            p.prop = Some((b, v));
        }
    }

    fn context_toks(&mut self, a: &Account, lang: &'static Lang, tag: Option<&str>) -> Vec<Tok> {
        let mut toks = Vec::new();
        let ph = match a.role {
            Role::Research => lang.research,
            Role::CounterSpeech => lang.counter,
            _ => lang.news,
        };
        toks.push(Tok::Ph(ph, 1 + self.rng.below(40) as u32));
        toks.push(Tok::W(lang.group));
        if let Some(t) = tag {
            toks.push(Tok::Tag(t.into()));
        }
        self.words(lang, 1, 4, &mut toks);
        match a.role {
            Role::CounterSpeech => toks.push(Tok::Tag(
                vocab::COUNTER_TAGS[self.rng.below(2) as usize].into(),
            )),
            Role::Research => toks.push(Tok::Url(
                format!("https://research.example/paper/{}", self.rng.below(5000)).into(),
            )),
            _ => toks.push(Tok::Url(
                format!("https://news.example/security/{}", self.rng.below(50_000)).into(),
            )),
        }
        toks
    }

    /// Tokens of a re-share: `RT @author: text` on Twitter; other platforms carry the original separately.
    fn share_toks(&self, orig: &Post) -> Vec<Tok> {
        if self.p == Platform::Twitter {
            let mut t = vec![Tok::W("RT"), Tok::Mention(orig.acct), Tok::Glue(":")];
            t.extend(orig.toks.iter().cloned());
            t
        } else {
            Vec::new()
        }
    }

    /// Light mutation for near-duplicates: drop or swap a word, append a token, change a number.
    fn mutate(&mut self, toks: &[Tok], lang: &'static Lang) -> Vec<Tok> {
        let mut out: Vec<Tok> = toks.to_vec();
        let n = 1 + self.rng.below(2);
        for _ in 0..n {
            match self.rng.below(4) {
                0 => {
                    let i = self.rng.below(out.len() as u64) as usize;
                    if matches!(out[i], Tok::W(_)) {
                        out.remove(i);
                    }
                }
                1 => out.push(Tok::W(
                    lang.words[self.rng.below(lang.words.len() as u64) as usize],
                )),
                2 => {
                    for t in out.iter_mut() {
                        if let Tok::Ph(_, n) = t {
                            *n = n.wrapping_add(self.rng.below(3) as u32);
                            break;
                        }
                    }
                }
                _ => {
                    let i = self.rng.below(out.len() as u64) as usize;
                    let j = self.rng.below(out.len() as u64) as usize;
                    if matches!(out[i], Tok::W(_)) && matches!(out[j], Tok::W(_)) {
                        out.swap(i, j);
                    }
                }
            }
        }
        out
    }

    /// Remembers a post as a candidate for later re-shares and replies in this block.
    pub fn remember(&mut self, p: &Post) {
        if p.share_of.is_some() {
            return;
        }
        let a = self.acc(p.acct);
        let ring = if a.role.is_extremist() {
            &mut self.xring
        } else {
            &mut self.ring
        };
        let cap = if a.role.is_extremist() { 64 } else { 512 };
        if ring.len() == cap {
            ring.pop_front();
        }
        ring.push_back(p.clone());
    }

    /// Renders tokens to text with code-point entity spans. `short_links` renders URLs as t.co links.
    pub fn render(&self, toks: &[Tok], short_links: bool) -> Rendered {
        let mut r = Rendered::default();
        let mut cp: u32 = 0;
        for (i, t) in toks.iter().enumerate() {
            if i > 0 && !matches!(t, Tok::Glue(_)) {
                r.text.push(' ');
                cp += 1;
            }
            let (kind, text, tag, acct) = match t {
                Tok::W(s) => (SegKind::Plain, (*s).to_string(), String::new(), NONE),
                Tok::Glue(s) => (SegKind::Plain, (*s).to_string(), String::new(), NONE),
                Tok::Text(s) => (SegKind::Plain, s.to_string(), String::new(), NONE),
                Tok::Ph(s, n) => (SegKind::Plain, format!("{s} {n}]"), String::new(), NONE),
                Tok::Tag(s) => (SegKind::Tag, format!("#{s}"), s.to_string(), NONE),
                Tok::Mention(a) => {
                    let h = identity::handle(self.w, self.acc(*a));
                    (SegKind::Mention, format!("@{h}"), h, *a)
                }
                Tok::Url(u) => {
                    let shown = if short_links { tco(u) } else { u.to_string() };
                    (SegKind::Url, shown, u.to_string(), NONE)
                }
            };
            let len = text.chars().count() as u32;
            r.text.push_str(&text);
            if kind == SegKind::Plain {
                // Merge plain runs (with the separating space) so entity arrays stay small.
                if let Some(last) = r.segs.last_mut() {
                    if last.kind == SegKind::Plain {
                        if !matches!(t, Tok::Glue(_)) {
                            last.text.push(' ');
                        }
                        last.text.push_str(&text);
                        last.end = cp + len;
                        cp += len;
                        continue;
                    }
                }
                if i > 0 && !matches!(t, Tok::Glue(_)) {
                    r.segs.push(Seg {
                        kind,
                        start: cp - 1,
                        end: cp + len,
                        text: format!(" {text}"),
                        tag,
                        acct,
                    });
                    cp += len;
                    continue;
                }
            } else if i > 0 && !matches!(t, Tok::Glue(_)) {
                // The separating space belongs to the surrounding plain text.
                if let Some(last) = r.segs.last_mut() {
                    if last.kind == SegKind::Plain {
                        last.text.push(' ');
                        last.end += 1;
                    } else {
                        r.segs.push(Seg {
                            kind: SegKind::Plain,
                            start: cp - 1,
                            end: cp,
                            text: " ".into(),
                            tag: String::new(),
                            acct: NONE,
                        });
                    }
                }
            }
            r.segs.push(Seg {
                kind,
                start: cp,
                end: cp + len,
                text,
                tag,
                acct,
            });
            cp += len;
        }
        r
    }
}
