//! vigil-sim: a deterministic multi-platform world simulator writing platform-native exports plus ground truth (`truth.json`).
//!
//! Entry point: [`simulate`]. The model, knobs and published figures behind the defaults are in docs/SIMULATOR.md;
//! the truth schema is in docs/FORMAT.md.

pub mod clock;
pub mod config;
mod facebook;
pub mod gen;
pub mod identity;
mod json;
pub mod media;
mod out;
pub mod rng;
mod telegram;
pub mod truth;
mod twitter;
mod vk;
pub mod vocab;
pub mod world;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

pub use config::{Platform, SimConfig};
pub use media::KnownMediaHasher;
pub use truth::Truth;

use crate::clock::rfc3339_ms;
use crate::gen::{Ev, Gen};
use crate::media::{ImageKind, MediaSet};
use crate::out::{OutFile, PostRec, UnitOut};
use crate::world::{Role, World, NEVER, NONE};

/// Errors of the simulator. Bad knobs are `Config`; everything else is an internal or IO fault.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A knob or scenario file is invalid.
    #[error("invalid scenario: {0}")]
    Config(String),
    /// Writing an output file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Encoding a generated image failed.
    #[error("encoding image: {0}")]
    Image(String),
    /// Reading or writing the truth file failed.
    #[error("truth: {0}")]
    Truth(String),
    /// A worker thread panicked (a bug).
    #[error("internal error: {0}")]
    Internal(String),
}

impl SimError {
    pub fn io(path: &Path, source: std::io::Error) -> SimError {
        SimError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What a run wrote, for the CLI to print.
#[derive(Debug, Clone, Serialize)]
pub struct SimSummary {
    pub seed: u64,
    pub accounts_by_platform: BTreeMap<String, u64>,
    pub posts_by_platform: BTreeMap<String, u64>,
    pub posts: u64,
    pub reshares: u64,
    pub posts_with_media: u64,
    pub extremist_accounts: u64,
    pub context_accounts: u64,
    pub returning_accounts: u64,
    pub enforcement_events: u64,
    pub campaigns: u64,
    pub trends: u64,
    pub images: u64,
    pub files: u64,
    pub bytes_written: u64,
    pub elapsed_s: f64,
}

/// Simulates the world described by `cfg` into `out_dir` (created if missing). Same config, same bytes.
pub fn simulate(cfg: &SimConfig, out_dir: &Path) -> Result<SimSummary, SimError> {
    simulate_with_hashers(cfg, out_dir, &[])
}

/// As [`simulate`], adding one column per extra hasher (e.g. PDQ) to the `known/` hash list.
pub fn simulate_with_hashers(
    cfg: &SimConfig,
    out_dir: &Path,
    hashers: &[&dyn KnownMediaHasher],
) -> Result<SimSummary, SimError> {
    let t0 = Instant::now();
    cfg.validate()?;
    std::fs::create_dir_all(out_dir).map_err(|e| SimError::io(out_dir, e))?;
    let threads = if cfg.threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    } else {
        cfg.threads
    };
    let world = World::build(cfg)?;
    let media = media::generate(
        cfg.seed,
        &out_dir.join("media"),
        world.prop_images,
        world.variants,
        world.benign_images,
        world.avatar_pool_benign + world.avatar_pool_extremist,
        world.avatar_variants,
        cfg.image_size,
        threads,
    )?;

    // Units of work: (platform, time block), pulled by workers; results are merged in unit order.
    let units: Vec<(usize, u32)> = (0..world.platforms.len())
        .flat_map(|pi| (0..=world.blocks).map(move |b| (pi, b)))
        .collect();
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<UnitOut, SimError>>>> =
        units.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads.min(units.len()).max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= units.len() {
                    break;
                }
                let (pi, b) = units[i];
                let r = run_unit(&world, &media, out_dir, pi, b);
                *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
            });
        }
    });
    let mut outs = Vec::with_capacity(units.len());
    for r in results {
        match r.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(o)) => outs.push(o),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(SimError::Internal(
                    "a worker stopped before finishing its unit".into(),
                ))
            }
        }
    }

    let mut summary = SimSummary {
        seed: cfg.seed,
        accounts_by_platform: BTreeMap::new(),
        posts_by_platform: BTreeMap::new(),
        posts: 0,
        reshares: 0,
        posts_with_media: 0,
        extremist_accounts: 0,
        context_accounts: 0,
        returning_accounts: 0,
        enforcement_events: 0,
        campaigns: world.campaigns.len() as u64,
        trends: world.trends.len() as u64,
        images: media.images.len() as u64,
        files: media.images.len() as u64,
        bytes_written: media.images.iter().map(|i| i.bytes).sum(),
        elapsed_s: 0.0,
    };
    for (k, &(pi, _)) in units.iter().enumerate() {
        let p = world.platforms[pi].platform.as_str().to_string();
        *summary.posts_by_platform.entry(p).or_default() += outs[k].posts;
        summary.posts += outs[k].posts;
        summary.reshares += outs[k].shares;
        summary.posts_with_media += outs[k].with_media;
        summary.bytes_written += outs[k].bytes;
        summary.files += outs[k].files;
    }
    for pw in &world.platforms {
        summary
            .accounts_by_platform
            .insert(pw.platform.as_str().into(), pw.accounts.len() as u64);
        summary.extremist_accounts += pw.extremist.len() as u64;
        summary.context_accounts += pw.context.len() as u64;
        summary.returning_accounts +=
            pw.accounts.iter().filter(|a| a.predecessor != NONE).count() as u64;
    }

    let (b, f) = merge_telegram_parts(&world, &media, out_dir, &outs)?;
    summary.bytes_written += b;
    summary.files += f;
    let (b, n) = write_enforcement(&world, out_dir)?;
    summary.bytes_written += b;
    summary.enforcement_events = n;
    summary.files += 1;
    summary.bytes_written += write_media_index(&world, &media, out_dir)?;
    summary.bytes_written += write_known(&world, &media, out_dir, hashers)?;
    summary.bytes_written += write_truth(cfg, &world, &media, out_dir, &units, &outs)?;
    summary.files += 3;
    summary.elapsed_s = t0.elapsed().as_secs_f64();
    Ok(summary)
}

/// Stable post id as `vigil eval` joins on it.
pub fn stable_post_id(w: &World, p: Platform, acct: u32, post: u64) -> String {
    let a = &w.pw(p).expect("platform in world").accounts[acct as usize];
    match p {
        Platform::Twitter => format!("twitter:{post}"),
        Platform::Vk => format!("vk:{}_{post}", identity::vk_id(a, acct)),
        Platform::Facebook => format!("facebook:{}_{post}", facebook::feed_of(a, acct)),
        Platform::Telegram => format!("telegram:channel{}/{post}", identity::tg_id(acct)),
    }
}

fn run_unit(
    w: &World,
    m: &MediaSet,
    out_dir: &Path,
    pi: usize,
    block: u32,
) -> Result<UnitOut, SimError> {
    let pw = &w.platforms[pi];
    let p = pw.platform;
    let mut g = Gen::new(w, m, pw, block);
    let mut evs: Vec<Ev> = g.events();
    match p {
        Platform::Facebook => {
            evs.sort_by_key(|e| (facebook::feed_of(&pw.accounts[e.acct as usize], e.acct), *e))
        }
        Platform::Telegram => evs.sort_by_key(|e| (e.acct, *e)),
        _ => {}
    }
    let mut out = UnitOut::default();
    enum Sink {
        T(twitter::TwitterSink),
        V(vk::VkSink),
        F(facebook::FbSink),
        G(telegram::TgSink),
    }
    let mut sink = match p {
        Platform::Twitter => Sink::T(twitter::TwitterSink::new(out_dir, block)?),
        Platform::Vk => Sink::V(vk::VkSink::new(out_dir, block, &pw.funnel)),
        Platform::Facebook => Sink::F(facebook::FbSink::new(out_dir, block)),
        Platform::Telegram => Sink::G(telegram::TgSink::new(out_dir, block, &pw.funnel)?),
    };
    for ev in evs {
        let Some(post) = g.make(ev) else { continue };
        out.posts += 1;
        out.shares += post.share_of.is_some() as u64;
        out.with_media += (post.media.is_some()
            || post.share_of.as_ref().is_some_and(|o| o.media.is_some()))
            as u64;
        if post.campaign != NONE || post.prop.is_some() {
            out.recs.push(PostRec {
                t: post.t,
                post: stable_post_id(w, p, post.acct, post.id),
                acct: post.acct,
                campaign: post.campaign,
                prop: post.prop,
            });
        }
        g.remember(&post);
        match &mut sink {
            Sink::T(s) => s.push(&g, post)?,
            Sink::V(s) => s.push(&g, post, &mut out)?,
            Sink::F(s) => s.push(&g, post, &mut out)?,
            Sink::G(s) => s.push(&g, post, &mut out)?,
        }
    }
    match sink {
        Sink::T(s) => s.finish(&g, &mut out)?,
        Sink::V(s) => s.finish(&g, &mut out)?,
        Sink::F(s) => s.finish(&g, &mut out)?,
        Sink::G(s) => s.finish(&mut out)?,
    }
    Ok(out)
}

/// Concatenates each funnel channel's per-block parts into its single-chat `result.json`.
fn merge_telegram_parts(
    w: &World,
    m: &MediaSet,
    out_dir: &Path,
    outs: &[UnitOut],
) -> Result<(u64, u64), SimError> {
    let Some(pw) = w.pw(Platform::Telegram) else {
        return Ok((0, 0));
    };
    let g = Gen::new(w, m, pw, 0);
    let (mut bytes, mut files) = (0, 0);
    for &ch in &pw.funnel {
        let parts: Vec<&PathBuf> = outs
            .iter()
            .flat_map(|o| o.tg_parts.iter())
            .filter(|(a, _)| *a == ch)
            .map(|(_, p)| p)
            .collect();
        if parts.is_empty() {
            continue;
        }
        let dir = out_dir
            .join("telegram")
            .join(identity::handle(w, &pw.accounts[ch as usize]));
        let mut f = OutFile::create(&dir.join("result.json"))?;
        let mut head = Vec::new();
        telegram::single_chat_header(&g, ch, &mut head);
        f.write(&head)?;
        for (k, part) in parts.iter().enumerate() {
            let body = std::fs::read(part).map_err(|e| SimError::io(part, e))?;
            if k > 0 && !body.is_empty() {
                f.write(b",\n")?;
            }
            f.write(&body)?;
            std::fs::remove_file(part).map_err(|e| SimError::io(part, e))?;
        }
        f.write(b"\n]}\n")?;
        bytes += f.finish()?;
        files += 1;
    }
    Ok((bytes, files))
}

fn enforcement_reason(role: Role, generation: u8) -> &'static str {
    match role {
        Role::Benign | Role::News | Role::Research | Role::CounterSpeech => "spam",
        _ if generation > 0 => "ban_evasion",
        Role::Recruiter => "recruitment",
        Role::Fundraiser => "fundraising",
        Role::AmplifierBot => "coordinated_amplification",
        _ => "terrorist_propaganda",
    }
}

/// `enforcement.jsonl`: every suspension up to the end, in time order, in vigil's native NDJSON shape.
fn write_enforcement(w: &World, out_dir: &Path) -> Result<(u64, u64), SimError> {
    let mut ev = Vec::new();
    for (pi, pw) in w.platforms.iter().enumerate() {
        for (i, a) in pw.accounts.iter().enumerate() {
            if a.suspended != NEVER && a.suspended < w.end {
                ev.push((a.suspended, pi, i as u32));
            }
        }
    }
    ev.sort_unstable();
    let mut f = OutFile::create(&out_dir.join("enforcement.jsonl"))?;
    let mut b = Vec::with_capacity(256);
    for &(t, pi, i) in &ev {
        let pw = &w.platforms[pi];
        let a = &pw.accounts[i as usize];
        b.clear();
        b.extend_from_slice(b"{\"kind\":\"enforcement\",");
        json::kv(&mut b, "platform", pw.platform.as_str());
        b.push(b',');
        json::kv(
            &mut b,
            "account_id",
            &identity::native_id(pw.platform, a, i),
        );
        b.extend_from_slice(b",\"action\":\"suspend\",");
        json::kv(&mut b, "at", &rfc3339_ms(t));
        b.push(b',');
        json::kv(&mut b, "reason", enforcement_reason(a.role, a.generation));
        b.extend_from_slice(b"}\n");
        f.write(&b)?;
    }
    Ok((f.finish()?, ev.len() as u64))
}

/// `media/index.jsonl`: which local file each synthetic media URL (or Telegram photo path) stands for.
fn write_media_index(w: &World, m: &MediaSet, out_dir: &Path) -> Result<u64, SimError> {
    let mut f = OutFile::create(&out_dir.join("media").join("index.jsonl"))?;
    let mut b = Vec::new();
    for pw in &w.platforms {
        for (k, info) in m.images.iter().enumerate() {
            let is_avatar = k as u32 >= m.index(ImageKind::Avatar { pool: 0, v: 0 });
            let url = match (pw.platform, is_avatar) {
                (Platform::Twitter, false) => twitter::media_url(&info.stem, info.ext),
                (Platform::Twitter, true) => twitter::avatar_url(&info.stem, info.ext),
                (Platform::Vk, _) => vk::photo_url(&info.stem, info.ext),
                (Platform::Facebook, false) => facebook::image_url(&info.stem, info.ext),
                (Platform::Telegram, false) => telegram::photo_path(&info.stem, info.ext),
                _ => continue,
            };
            b.clear();
            b.push(b'{');
            json::kv(&mut b, "platform", pw.platform.as_str());
            b.push(b',');
            json::kv(&mut b, "url", &url);
            b.push(b',');
            json::kv(&mut b, "path", &format!("media/{}", info.file_name()));
            b.push(b',');
            json::kv(&mut b, "md5", &info.md5);
            b.push(b',');
            json::kv(&mut b, "sha256", &info.sha256);
            b.extend_from_slice(b"}\n");
            f.write(&b)?;
        }
    }
    f.finish()
}

/// `known/hashes.json`: the known-at-start propaganda originals as a TCAP-style hash list (MD5, SHA256, plus any extra hasher).
fn write_known(
    w: &World,
    m: &MediaSet,
    out_dir: &Path,
    hashers: &[&dyn KnownMediaHasher],
) -> Result<u64, SimError> {
    let mut f = OutFile::create(&out_dir.join("known").join("hashes.json"))?;
    f.write(b"[")?;
    let mut first = true;
    let mut b = Vec::new();
    for base in 0..w.known_images {
        let info = m.get(ImageKind::Prop { base, v: 0 });
        let mut cols: Vec<(&str, String)> =
            vec![("MD5", info.md5.clone()), ("SHA256", info.sha256.clone())];
        if !hashers.is_empty() {
            let path = out_dir.join("media").join(info.file_name());
            let bytes = std::fs::read(&path).map_err(|e| SimError::io(&path, e))?;
            for h in hashers {
                if let Some(d) = h.hash(&bytes) {
                    cols.push((h.algorithm(), d));
                }
            }
        }
        for (alg, digest) in cols {
            b.clear();
            if !first {
                b.push(b',');
            }
            first = false;
            b.extend_from_slice(b"\n{");
            json::kv(&mut b, "hash_digest", &digest);
            b.push(b',');
            json::kv(&mut b, "algorithm", alg);
            b.push(b',');
            json::kv(&mut b, "ideology", "islamist");
            b.push(b',');
            json::kv(
                &mut b,
                "file_type",
                if info.ext == "png" {
                    "image/png"
                } else {
                    "image/jpeg"
                },
            );
            b.extend_from_slice(b",\"deleted\":false}");
            f.write(&b)?;
        }
    }
    f.write(b"\n]\n")?;
    f.finish()
}

fn write_truth(
    cfg: &SimConfig,
    w: &World,
    m: &MediaSet,
    out_dir: &Path,
    units: &[(usize, u32)],
    outs: &[UnitOut],
) -> Result<u64, SimError> {
    let mut t = truth::TruthWriter::create(&out_dir.join("truth.json"))?;
    t.field("schema", &truth::SCHEMA)?;
    t.field("seed", &cfg.seed)?;
    t.field("config", cfg)?;
    t.field("start", &rfc3339_ms(w.start))?;
    t.field("end", &rfc3339_ms(w.end))?;
    let sid = |p: Platform, i: u32| {
        identity::stable_id(p, &w.pw(p).expect("platform").accounts[i as usize], i)
    };

    t.begin_array("accounts")?;
    for pw in &w.platforms {
        for (i, a) in pw.accounts.iter().enumerate() {
            let i = i as u32;
            t.item(&truth::TruthAccount {
                id: identity::stable_id(pw.platform, a, i),
                platform: pw.platform,
                handle: identity::handle(w, a),
                role: a.role.as_str().into(),
                extremist: a.role.is_extremist(),
                lang: w.langs[a.lang as usize].code.clone(),
                created_at: rfc3339_ms(a.created),
                suspended_at: (a.suspended != NEVER && a.suspended < w.end)
                    .then(|| rfc3339_ms(a.suspended)),
                actor: (a.actor != NONE).then_some(a.actor),
                hyperactive: a.hyper,
                app: a.app,
                known_at_start: a.known,
                predecessor: identity::predecessor(a)
                    .map(|p| identity::stable_id(pw.platform, &pw.accounts[p as usize], p)),
            })?;
        }
    }
    t.end_array()?;

    // Campaign posts and media posts, collected from every unit.
    let mut camp_posts: Vec<Vec<(i64, &PostRec, Platform)>> = vec![Vec::new(); w.campaigns.len()];
    let mut media_posts: Vec<(i64, &PostRec, Platform)> = Vec::new();
    for (k, o) in outs.iter().enumerate() {
        let p = w.platforms[units[k].0].platform;
        for r in &o.recs {
            if r.campaign != NONE {
                camp_posts[r.campaign as usize].push((r.t, r, p));
            }
            if r.prop.is_some() {
                media_posts.push((r.t, r, p));
            }
        }
    }
    // Each flood is also a coordinated cluster (its participants co-post within minutes); ids follow the planned clusters.
    let mut flood_cluster = vec![NONE; w.campaigns.len()];
    let mut flood_members: Vec<(u32, Platform, Vec<u32>)> = Vec::new();
    t.begin_array("campaigns")?;
    for c in &w.campaigns {
        let mut posts = std::mem::take(&mut camp_posts[c.id as usize]);
        posts.sort_by(|a, b| (a.0, &a.1.post).cmp(&(b.0, &b.1.post)));
        let mut participants: Vec<u32> = posts.iter().map(|x| x.1.acct).collect();
        participants.sort_unstable();
        participants.dedup();
        if c.kind == "hashtag_flood" && !participants.is_empty() {
            let id = (w.clusters.len() + flood_members.len()) as u32;
            flood_cluster[c.id as usize] = id;
            flood_members.push((id, c.platform, participants.clone()));
        }
        let cluster = if c.cluster != NONE {
            c.cluster
        } else {
            flood_cluster[c.id as usize]
        };
        t.item(&truth::TruthCampaign {
            id: c.id,
            kind: c.kind.into(),
            platform: c.platform,
            key: c.key.clone(),
            hijacked_tag: c.hijacked.clone(),
            start: rfc3339_ms(c.start),
            first_post_at: posts.first().map(|x| rfc3339_ms(x.0)),
            end: posts.last().map(|x| rfc3339_ms(x.0)),
            participants: participants.iter().map(|&i| sid(c.platform, i)).collect(),
            posts: posts.iter().map(|x| x.1.post.clone()).collect(),
            cluster: (cluster != NONE).then_some(cluster),
        })?;
    }
    t.end_array()?;

    t.begin_array("clusters")?;
    for c in &w.clusters {
        let pw = w.pw(c.platform).expect("platform");
        let members: Vec<String> = pw
            .accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                if c.kind == "app" {
                    a.app
                } else {
                    a.cluster == c.id
                }
            })
            .map(|(i, a)| identity::stable_id(c.platform, a, i as u32))
            .collect();
        t.item(&truth::TruthCluster {
            id: c.id,
            kind: c.kind.into(),
            platform: c.platform,
            lead: (c.lead != NONE).then(|| sid(c.platform, c.lead)),
            members,
        })?;
    }
    for (id, p, members) in flood_members {
        t.item(&truth::TruthCluster {
            id,
            kind: "flood".into(),
            platform: p,
            lead: None,
            members: members.iter().map(|&i| sid(p, i)).collect(),
        })?;
    }
    t.end_array()?;

    t.begin_array("returning")?;
    for pw in &w.platforms {
        for (i, a) in pw.accounts.iter().enumerate() {
            if let Some(pr) = identity::predecessor(a) {
                let pa = &pw.accounts[pr as usize];
                t.item(&truth::TruthReturn {
                    new: identity::stable_id(pw.platform, a, i as u32),
                    predecessor: identity::stable_id(pw.platform, pa, pr),
                    created_at: rfc3339_ms(a.created),
                    predecessor_suspended_at: rfc3339_ms(pa.suspended),
                    predecessor_known_at_start: pa.known,
                    generation: a.generation,
                })?;
            }
        }
    }
    t.end_array()?;

    t.begin_array("context_accounts")?;
    for pw in &w.platforms {
        for &i in &pw.context {
            t.item(&identity::stable_id(
                pw.platform,
                &pw.accounts[i as usize],
                i,
            ))?;
        }
    }
    t.end_array()?;

    t.begin_array("trends")?;
    for tr in &w.trends {
        t.item(&truth::TruthTrend {
            id: tr.id,
            key: format!("#{}", tr.tag),
            start: rfc3339_ms(tr.start),
            end: rfc3339_ms(tr.end),
            participants: tr.participants.iter().map(|&(p, i)| sid(p, i)).collect(),
        })?;
    }
    t.end_array()?;

    let known_media: Vec<truth::KnownMedia> = (0..w.known_images)
        .map(|base| {
            let info = m.get(ImageKind::Prop { base, v: 0 });
            truth::KnownMedia {
                image: base,
                path: format!("media/{}", info.file_name()),
                md5: info.md5.clone(),
                sha256: info.sha256.clone(),
            }
        })
        .collect();
    let mut known_accounts = Vec::new();
    for pw in &w.platforms {
        for (i, a) in pw.accounts.iter().enumerate() {
            if a.known {
                known_accounts.push(identity::stable_id(pw.platform, a, i as u32));
            }
        }
    }
    t.field(
        "known_at_start",
        &truth::KnownAtStart {
            media: known_media,
            accounts: known_accounts,
        },
    )?;

    media_posts.sort_by(|a, b| (a.0, &a.1.post).cmp(&(b.0, &b.1.post)));
    t.begin_array("media_posts")?;
    for (ts, r, p) in media_posts {
        let (image, variant) = r.prop.unwrap_or((0, 0));
        let info = m.get(ImageKind::Prop {
            base: image,
            v: variant,
        });
        t.item(&truth::TruthMediaPost {
            post: r.post.clone(),
            account: sid(p, r.acct),
            at: rfc3339_ms(ts),
            image,
            variant,
            known: image < w.known_images,
            path: format!("media/{}", info.file_name()),
        })?;
    }
    t.end_array()?;

    t.begin_array("identities")?;
    for pw in &w.platforms {
        // Written once, from the Twitter side (whose bio points first).
        if pw.platform != crate::config::Platform::Twitter {
            continue;
        }
        for (i, a) in pw.accounts.iter().enumerate() {
            let Some((tp, _)) = identity::twin(w, a) else {
                continue;
            };
            let (twp, twi) = a.twin;
            let other = &w.platforms[twp as usize].accounts[twi as usize];
            t.item(&truth::TruthIdentity {
                accounts: vec![
                    identity::stable_id(pw.platform, a, i as u32),
                    identity::stable_id(tp, other, twi),
                ],
                role: a.role.as_str().to_string(),
                extremist: a.role.is_extremist(),
            })?;
        }
    }
    t.end_array()?;
    t.finish()
}
