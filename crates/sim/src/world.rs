//! The world before any post is written: accounts per platform, actors, clusters, suspensions and returns, and the planned coordinated events.

use serde::{Deserialize, Serialize};

use crate::clock::{MS_PER_DAY, MS_PER_HOUR};
use crate::config::{Platform, SimConfig};
use crate::rng::{mix64, Alias, Rng};
use crate::vocab::{self, Lang};
use crate::SimError;
use std::collections::{HashMap, HashSet};

pub const NONE: u32 = u32::MAX;
pub const NEVER: i64 = i64::MAX;

/// What an account is in the truth. Extremist roles follow the issue: core media, amplifiers (automated and fanboys), recruiters, fundraisers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Benign,
    News,
    Research,
    CounterSpeech,
    CoreMedia,
    AmplifierBot,
    Fanboy,
    Recruiter,
    Fundraiser,
}

impl Role {
    pub fn is_extremist(self) -> bool {
        matches!(
            self,
            Role::CoreMedia
                | Role::AmplifierBot
                | Role::Fanboy
                | Role::Recruiter
                | Role::Fundraiser
        )
    }
    pub fn is_context(self) -> bool {
        matches!(self, Role::News | Role::Research | Role::CounterSpeech)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Benign => "benign",
            Role::News => "news",
            Role::Research => "research",
            Role::CounterSpeech => "counter_speech",
            Role::CoreMedia => "core_media",
            Role::AmplifierBot => "amplifier_bot",
            Role::Fanboy => "fanboy",
            Role::Recruiter => "recruiter",
            Role::Fundraiser => "fundraiser",
        }
    }
}

/// One simulated account (compact: names, handles and bios are derived from `name_seed` on demand).
#[derive(Debug, Clone)]
pub struct Account {
    pub role: Role,
    pub lang: u16,
    /// VK community, Facebook page or Telegram channel (Twitter accounts are all users).
    pub community: bool,
    pub hyper: bool,
    pub app: bool,
    /// Suspended before the start: part of the platform's earlier enforcement.
    pub known: bool,
    /// How many times this actor has come back on this platform (0 for an original account).
    pub generation: u8,
    pub created: i64,
    pub suspended: i64,
    pub followers: u32,
    pub following: u32,
    /// Organic posts per day.
    pub rate: f32,
    pub actor: u32,
    pub cluster: u32,
    pub predecessor: u32,
    /// Index into the avatar pool, and which perturbed copy (0 = original).
    pub avatar: u32,
    pub avatar_variant: u8,
    pub name_seed: u64,
    /// Bumped at build time when the derived handle is already taken on the platform.
    pub handle_salt: u16,
    /// Facebook group a user posts into.
    pub home: u32,
    pub tz: i8,
    /// The same actor's own account on another platform (index into `World::platforms`, then
    /// into its accounts) that this account's bio points at; `NONE` when there is none.
    pub twin: (u32, u32),
}

impl Account {
    #[inline]
    pub fn alive(&self, t: i64) -> bool {
        t >= self.created && t < self.suspended
    }
}

/// A coordinated or planned event, expanded into posts by the platform writers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planned {
    pub t: i64,
    pub acct: u32,
    pub kind: PKind,
    pub arg: u32,
    pub aux: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PKind {
    /// A post of hashtag flood `arg` (aux: the participant's post number).
    Flood,
    /// An app-driven post of broadcast campaign `arg`.
    App,
    /// Release `arg` by a core media account.
    Release,
    /// Re-share (retweet, repost, forward) of release `arg` seconds to minutes after it.
    Amplify,
    /// A new post re-using release `arg`'s image as variant `aux`, with near-duplicate text.
    MediaRepost,
    /// A post of organic trend `arg`.
    Trend,
    /// A news, research or counter-speech post about campaign `arg`.
    NewsReact,
}

#[derive(Debug, Clone)]
pub struct CampaignPlan {
    pub id: u32,
    pub kind: &'static str,
    pub platform: Platform,
    pub key: String,
    pub hijacked: Option<String>,
    pub start: i64,
    pub lang: u16,
    pub participants: Vec<u32>,
    pub cluster: u32,
}

#[derive(Debug, Clone)]
pub struct TrendPlan {
    pub id: u32,
    pub tag: &'static str,
    pub start: i64,
    pub end: i64,
    pub participants: Vec<(Platform, u32)>,
}

#[derive(Debug, Clone)]
pub struct Release {
    pub id: u32,
    pub platform: Platform,
    pub acct: u32,
    pub t: i64,
    pub image: u32,
    /// Platform post id assigned in advance so re-shares in any block can point at it.
    pub post_id: u64,
}

#[derive(Debug, Clone)]
pub struct ClusterPlan {
    pub id: u32,
    pub kind: &'static str,
    pub platform: Platform,
    pub lead: u32,
}

pub struct LangSlot {
    pub code: String,
    pub vocab: &'static Lang,
}

/// Everything about one platform's population and plan.
pub struct PlatformWorld {
    pub platform: Platform,
    pub accounts: Vec<Account>,
    pub alias: Alias,
    pub planned: Vec<Planned>,
    /// Extremist accounts whose handles are the funnel targets others link to (Telegram channels, VK communities).
    pub funnel: Vec<u32>,
    pub fb_groups: u32,
    /// Facebook groups used by extremist users (index < fb_groups).
    pub fb_extremist_groups: u32,
    pub extremist: Vec<u32>,
    pub context: Vec<u32>,
    pub benign_suspensions: Vec<u32>,
}

pub struct World {
    pub seed: u64,
    pub start: i64,
    pub end: i64,
    pub block_ms: i64,
    /// Blocks of the run; block 0 is the pre-start history, so there are `blocks + 1` units per platform.
    pub blocks: u32,
    pub langs: Vec<LangSlot>,
    pub platforms: Vec<PlatformWorld>,
    pub campaigns: Vec<CampaignPlan>,
    pub trends: Vec<TrendPlan>,
    pub clusters: Vec<ClusterPlan>,
    pub releases: Vec<Release>,
    pub prop_images: u32,
    pub known_images: u32,
    pub variants: u32,
    pub benign_images: u32,
    pub avatar_pool_benign: u32,
    pub avatar_pool_extremist: u32,
    pub avatar_variants: u32,
    pub actors: u32,
}

/// Snowflake epoch of Twitter ids.
pub const TWEPOCH: i64 = 1_288_834_974_657;

pub fn snowflake(t: i64, worker: u64, seq: u64) -> u64 {
    (((t - TWEPOCH).max(0) as u64) << 22) | ((worker & 0x3ff) << 12) | (seq & 0xfff)
}

impl World {
    pub fn pw(&self, p: Platform) -> Option<&PlatformWorld> {
        self.platforms.iter().find(|w| w.platform == p)
    }

    pub fn build(cfg: &SimConfig) -> Result<World, SimError> {
        cfg.validate()?;
        let start = cfg.start_ms()?;
        let end = start + cfg.hours as i64 * MS_PER_HOUR;
        let block_hours = ((cfg.hours as i64 + 7) / 8).max(1);
        let block_ms = block_hours * MS_PER_HOUR;
        let blocks = ((end - start) / block_ms + ((end - start) % block_ms != 0) as i64) as u32;

        // Languages: benign ones from the config, plus Arabic and English for the extremist mix.
        let mut langs: Vec<LangSlot> = cfg
            .languages
            .iter()
            .map(|c| LangSlot {
                code: c.clone(),
                vocab: vocab::lang(c),
            })
            .collect();
        let benign_lang_count = langs.len();
        for c in ["ar", "en"] {
            if !langs.iter().any(|l| l.code == c) {
                langs.push(LangSlot {
                    code: c.to_string(),
                    vocab: vocab::lang(c),
                });
            }
        }
        let benign_lang_alias = Alias::new(
            &cfg.languages
                .iter()
                .map(|c| vocab::weight(c))
                .collect::<Vec<_>>(),
        );
        let ar = langs.iter().position(|l| l.code == "ar").unwrap_or(0) as u16;
        let en = langs.iter().position(|l| l.code == "en").unwrap_or(0) as u16;
        let others: Vec<u16> = (0..benign_lang_count as u16)
            .filter(|&i| i != ar && i != en)
            .collect();

        let plats = cfg.platforms_sorted();
        let wsum: f64 = plats.iter().map(|p| p.default_weight()).sum();
        let mut world = World {
            seed: cfg.seed,
            start,
            end,
            block_ms,
            blocks,
            langs,
            platforms: Vec::new(),
            campaigns: Vec::new(),
            trends: Vec::new(),
            clusters: Vec::new(),
            releases: Vec::new(),
            prop_images: cfg.propaganda_images,
            known_images: ((cfg.propaganda_images as f64 * cfg.known_media_share).round() as u32)
                .min(cfg.propaganda_images),
            variants: cfg.variants_per_image,
            benign_images: cfg.benign_images,
            avatar_pool_benign: 48,
            avatar_pool_extremist: 24,
            avatar_variants: 3,
            actors: 0,
        };

        let mut actor_next: u32 = 0;
        // Twitter-side actors that other platforms' supporter accounts may belong to (cross-platform identity).
        let mut actor_pool: Vec<(u32, u64, u16)> = Vec::new();
        let mut total_assigned = 0u64;
        for (pi, &p) in plats.iter().enumerate() {
            let n = if pi + 1 == plats.len() {
                cfg.accounts - total_assigned
            } else {
                ((cfg.accounts as f64 * p.default_weight() / wsum).round() as u64)
                    .min(cfg.accounts - total_assigned)
            };
            total_assigned += n;
            let pw = build_platform(
                cfg,
                &mut world,
                p,
                n,
                &benign_lang_alias,
                (ar, en, &others),
                &mut actor_next,
                &mut actor_pool,
            );
            world.platforms.push(pw);
        }
        world.actors = actor_next;
        link_twins(&mut world);
        plan_events(cfg, &mut world);
        for pw in &mut world.platforms {
            pw.planned.sort_unstable();
        }
        Ok(world)
    }
}

/// Delay from an account's creation to its suspension, or NEVER. A mixture matching Conway et al. (2017):
/// `p2` of accounts within 48 hours, `p90` within 90 days, the rest not within the horizon.
pub fn suspension_delay(rng: &mut Rng, p2: f64, p90: f64) -> i64 {
    let u = rng.f64();
    if u < p2 {
        (rng.f64() * 48.0 * MS_PER_HOUR as f64) as i64 + 60_000
    } else if u < p90 {
        48 * MS_PER_HOUR + (rng.f64() * 88.0 * MS_PER_DAY as f64) as i64
    } else {
        NEVER
    }
}

#[allow(clippy::too_many_arguments)]
fn build_platform(
    cfg: &SimConfig,
    world: &mut World,
    p: Platform,
    n: u64,
    benign_lang_alias: &Alias,
    (ar, en, others): (u16, u16, &[u16]),
    actor_next: &mut u32,
    actor_pool: &mut Vec<(u32, u64, u16)>,
) -> PlatformWorld {
    let mut rng = Rng::stream(cfg.seed, 0x1000 + p.index() as u64);
    let start = world.start;
    let end = world.end;
    let n_ext = (n as f64 * cfg.extremist_share).round() as u64;
    let n_ctx = ((n as f64 * cfg.news_share).round() as u64).min(n - n_ext);
    let n_known = (n_ext as f64 * cfg.known_account_share).round() as u64;

    // Roles, shuffled so that account ids carry no information about roles.
    let mut roles: Vec<Role> = Vec::with_capacity(n as usize);
    for i in 0..n_ext {
        let u =
            mix64(cfg.seed ^ (i.wrapping_mul(0x9E37) + p.index() as u64)) as f64 / u64::MAX as f64;
        let r = if p == Platform::Telegram {
            if u < 0.25 {
                Role::CoreMedia
            } else if u < 0.80 {
                Role::Fanboy
            } else if u < 0.92 {
                Role::Recruiter
            } else {
                Role::Fundraiser
            }
        } else if u < 0.04 {
            Role::CoreMedia
        } else if u < 0.40 {
            Role::AmplifierBot
        } else if u < 0.86 {
            Role::Fanboy
        } else if u < 0.94 {
            Role::Recruiter
        } else {
            Role::Fundraiser
        };
        roles.push(r);
    }
    // Guarantee one core media account when the network exists, so releases and clusters exist.
    if n_ext > 0 && !roles.contains(&Role::CoreMedia) {
        roles[0] = Role::CoreMedia;
    }
    for i in 0..n_ctx {
        roles.push(match i % 5 {
            0..=2 => Role::News,
            3 => Role::Research,
            _ => Role::CounterSpeech,
        });
    }
    while (roles.len() as u64) < n {
        roles.push(Role::Benign);
    }
    rng.shuffle(&mut roles);

    let mut accounts: Vec<Account> = Vec::with_capacity(n as usize + n_known as usize * 2);
    let p2 = cfg.suspended_within_2_days;
    let p90 = cfg.suspended_within_90_days;
    let susp_delay = |rng: &mut Rng| suspension_delay(rng, p2, p90);

    for (i, &role) in roles.iter().enumerate() {
        let ext = role.is_extremist();
        let lang = if ext {
            let u = rng.f64();
            if u < 0.75 {
                ar
            } else if u < 0.95 || others.is_empty() {
                en
            } else {
                *rng.pick(others)
            }
        } else {
            benign_lang_alias.sample(&mut rng) as u16
        };
        let community = match p {
            Platform::Twitter => false,
            Platform::Telegram => true,
            Platform::Vk => {
                role == Role::CoreMedia
                    || role.is_context()
                    || (role == Role::Benign && rng.chance(0.08))
            }
            Platform::Facebook => {
                role == Role::CoreMedia
                    || role == Role::News
                    || (role == Role::Benign && rng.chance(0.003))
            }
        };
        let (created, suspended) = if ext {
            let mut c = start - (rng.f64() * 90.0 * MS_PER_DAY as f64) as i64 - 60_000;
            let mut s = NEVER;
            for _ in 0..32 {
                let d = susp_delay(&mut rng);
                s = if d == NEVER { NEVER } else { c + d };
                if s > start {
                    break;
                }
                c = start - (rng.f64() * 90.0 * MS_PER_DAY as f64) as i64 - 60_000;
                s = NEVER;
            }
            (c, s)
        } else if rng.chance(0.12) {
            // Young benign accounts too, so that account age alone does not separate supporters.
            let c = start
                - (1.0 + rng.f64() * 89.0) as i64 * MS_PER_DAY
                - rng.below(MS_PER_DAY as u64) as i64;
            (c, NEVER)
        } else {
            let c = start
                - (30.0 + rng.f64() * 6.0 * 365.0) as i64 * MS_PER_DAY
                - rng.below(MS_PER_DAY as u64) as i64;
            (c, NEVER)
        };
        let hyper = ext
            && matches!(role, Role::Fanboy | Role::AmplifierBot)
            // Only fanboys and bots (about 82% of supporters) can be hyperactive; 1.2 restores the share over all supporters.
            && rng.chance(cfg.hyperactive_share * 1.2);
        let rate = match role {
            Role::Benign => rng.lognormal_mean(cfg.posts_per_account_day.max(1e-6), 1.1),
            Role::News => 8.0 + rng.f64() * 16.0,
            Role::Research => 1.0 + rng.f64() * 4.0,
            Role::CounterSpeech => 2.0 + rng.f64() * 6.0,
            Role::CoreMedia => 4.0 + rng.f64() * 8.0,
            Role::AmplifierBot if hyper => 60.0 + rng.f64() * 90.0,
            Role::AmplifierBot => 2.0 + rng.f64() * 4.0,
            Role::Fanboy if hyper => 50.0 + rng.f64() * 100.0,
            Role::Fanboy => rng.lognormal_mean(6.0, 0.8),
            Role::Recruiter => 4.0 + rng.f64() * 8.0,
            Role::Fundraiser => 3.0 + rng.f64() * 5.0,
        } as f32;
        let actor = if ext {
            // Supporter accounts off Twitter often belong to an actor also on Twitter (same name stem).
            if p != Platform::Twitter && !actor_pool.is_empty() && rng.chance(0.5) {
                let (a, _, _) = actor_pool[rng.below(actor_pool.len() as u64) as usize];
                a
            } else {
                let a = *actor_next;
                *actor_next += 1;
                a
            }
        } else {
            NONE
        };
        let name_seed = if ext {
            match actor_pool.iter().find(|(a, _, _)| *a == actor) {
                Some(&(_, s, _)) if p != Platform::Twitter => s,
                _ => mix64(cfg.seed ^ 0xA11CE ^ ((p.index() as u64) << 40) ^ i as u64),
            }
        } else {
            mix64(cfg.seed ^ 0xB0B ^ ((p.index() as u64) << 40) ^ i as u64)
        };
        if ext && p == Platform::Twitter {
            actor_pool.push((actor, name_seed, lang));
        }
        let (avatar, avatar_variant) = if ext && rng.chance(0.8) {
            (
                world.avatar_pool_benign + rng.below(world.avatar_pool_extremist as u64) as u32,
                0,
            )
        } else {
            (rng.below(world.avatar_pool_benign as u64) as u32, 0)
        };
        let tz = world.langs[lang as usize].vocab.tz;
        accounts.push(Account {
            role,
            lang,
            community,
            hyper,
            app: ext
                && matches!(role, Role::AmplifierBot | Role::Fanboy)
                && p == Platform::Twitter
                && rng.chance(cfg.app_enrolled_share),
            known: false,
            generation: 0,
            created,
            suspended,
            followers: 0,
            following: 0,
            rate,
            actor,
            cluster: NONE,
            predecessor: NONE,
            avatar,
            avatar_variant,
            name_seed,
            handle_salt: 0,
            home: NONE,
            tz,
            twin: (NONE, NONE),
        });
    }

    // Known at start: supporter accounts the platform suspended in the week before the start.
    let ext_idx: Vec<u32> = (0..accounts.len() as u32)
        .filter(|&i| accounts[i as usize].role.is_extremist())
        .collect();
    let mut known_list = Vec::new();
    for k in 0..n_known {
        if ext_idx.is_empty() {
            break;
        }
        let tmpl = accounts[ext_idx[(k as usize * 7919) % ext_idx.len()] as usize].clone();
        let suspended = start - 3_600_000 - (rng.f64() * 6.0 * MS_PER_DAY as f64) as i64;
        let created =
            suspended - (2.0 * MS_PER_HOUR as f64 + rng.f64() * 60.0 * MS_PER_DAY as f64) as i64;
        let actor = *actor_next;
        *actor_next += 1;
        known_list.push(Account {
            known: true,
            created,
            suspended,
            actor,
            name_seed: mix64(cfg.seed ^ 0xC0DE ^ ((p.index() as u64) << 40) ^ k),
            app: false,
            ..tmpl
        });
    }

    // Suspension and return, processed in time order; returners are numbered by creation time with benign newcomers.
    struct NewAcc {
        acc: Account,
        pred: NewRef,
    }
    #[derive(Clone, Copy)]
    enum NewRef {
        Init(u32),
        Known(u32),
        New(u32),
    }
    let mut news: Vec<NewAcc> = Vec::new();
    let mut queue: Vec<(i64, NewRef)> = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        if a.role.is_extremist() && a.suspended < end {
            queue.push((a.suspended, NewRef::Init(i as u32)));
        }
    }
    for (i, a) in known_list.iter().enumerate() {
        queue.push((a.suspended, NewRef::Known(i as u32)));
    }
    let mut qi = 0;
    queue.sort_by_key(|&(t, r)| {
        (
            t,
            match r {
                NewRef::Init(i) => i as u64,
                NewRef::Known(i) => (1 << 32) | i as u64,
                NewRef::New(i) => (2 << 32) | i as u64,
            },
        )
    });
    while qi < queue.len() {
        let (t, r) = queue[qi];
        qi += 1;
        if !rng.chance(cfg.return_rate) {
            continue;
        }
        let prev = match r {
            NewRef::Init(i) => &accounts[i as usize],
            NewRef::Known(i) => &known_list[i as usize],
            NewRef::New(i) => &news[i as usize].acc,
        };
        let delay = (cfg.return_delay_hours.max(0.01)
            * MS_PER_HOUR as f64
            * (0.9 * rng.normal()).exp()) as i64;
        let created = t + delay.max(60_000);
        if created >= end {
            continue;
        }
        let mut suspended = NEVER;
        for _ in 0..32 {
            let d = susp_delay(&mut rng);
            suspended = if d == NEVER { NEVER } else { created + d };
            if suspended > start {
                break;
            }
        }
        if suspended <= start {
            suspended = NEVER;
        }
        let mut acc = prev.clone();
        acc.known = false;
        acc.generation = prev.generation.saturating_add(1);
        acc.created = created;
        acc.suspended = suspended;
        acc.predecessor = NONE;
        acc.avatar_variant = if rng.chance(0.5) {
            0
        } else {
            1 + rng.below(world.avatar_variants as u64) as u8
        };
        acc.rate = (prev.rate as f64 * (0.7 + 0.6 * rng.f64())) as f32;
        let idx = news.len() as u32;
        news.push(NewAcc { acc, pred: r });
        if suspended < end {
            // keep queue ordered: insert in position
            let pos = queue[qi..].partition_point(|&(tt, _)| tt <= suspended) + qi;
            queue.insert(pos, (suspended, NewRef::New(idx)));
        }
    }
    // Benign newcomers, so that "created during the run" says nothing about role.
    let newcomers =
        ((n as f64) * 0.002 * (cfg.hours as f64 / 24.0)).round() as u64 + news.len() as u64;
    for k in 0..newcomers {
        let created = start + rng.below((end - start) as u64) as i64;
        let lang = benign_lang_alias.sample(&mut rng) as u16;
        news.push(NewAcc {
            acc: Account {
                role: Role::Benign,
                lang,
                community: p == Platform::Telegram,
                hyper: false,
                app: false,
                known: false,
                generation: 0,
                created,
                suspended: NEVER,
                followers: 0,
                following: 0,
                rate: rng.lognormal_mean(cfg.posts_per_account_day.max(1e-6), 1.1) as f32,
                actor: NONE,
                cluster: NONE,
                predecessor: NONE,
                avatar: rng.below(world.avatar_pool_benign as u64) as u32,
                avatar_variant: 0,
                name_seed: mix64(cfg.seed ^ 0xFACE ^ ((p.index() as u64) << 40) ^ k),
                handle_salt: 0,
                home: NONE,
                tz: world.langs[lang as usize].vocab.tz,
                twin: (NONE, NONE),
            },
            pred: NewRef::Init(NONE),
        });
    }
    // Final numbering: initial accounts, then known-at-start ones interleaved by creation, then newcomers by creation.
    let base_known = accounts.len() as u32;
    let mut known_order: Vec<u32> = (0..known_list.len() as u32).collect();
    known_order.sort_by_key(|&i| (known_list[i as usize].created, i));
    let mut known_pos = vec![0u32; known_list.len()];
    for (pos, &i) in known_order.iter().enumerate() {
        known_pos[i as usize] = base_known + pos as u32;
    }
    for &i in &known_order {
        accounts.push(known_list[i as usize].clone());
    }
    let base_new = accounts.len() as u32;
    let mut new_order: Vec<u32> = (0..news.len() as u32).collect();
    new_order.sort_by_key(|&i| (news[i as usize].acc.created, i));
    let mut new_pos = vec![0u32; news.len()];
    for (pos, &i) in new_order.iter().enumerate() {
        new_pos[i as usize] = base_new + pos as u32;
    }
    for &i in &new_order {
        let na = &news[i as usize];
        let mut acc = na.acc.clone();
        acc.predecessor = match na.pred {
            NewRef::Init(NONE) => NONE,
            NewRef::Init(j) => j,
            NewRef::Known(j) => known_pos[j as usize],
            NewRef::New(j) => new_pos[j as usize],
        };
        accounts.push(acc);
    }
    for a in accounts.iter_mut() {
        a.known = a.role.is_extremist() && a.suspended < start;
    }

    // Unique handles per platform, in account order (membership only, so the output stays deterministic).
    let mut taken = std::collections::HashSet::with_capacity(accounts.len());
    for a in accounts.iter_mut() {
        loop {
            let h = crate::identity::handle_in(&world.langs, a);
            if taken.insert(h) {
                break;
            }
            a.handle_salt = a.handle_salt.wrapping_add(1);
        }
    }

    // Heavy-tailed followers by preferential attachment (Barabási–Albert, m = 3), scaled to a platform-sized audience.
    let na = accounts.len();
    let mut targets: Vec<u32> = Vec::with_capacity(na * 6);
    let mut indeg = vec![0u32; na];
    for i in 0..na as u32 {
        for _ in 0..3 {
            if targets.is_empty() || rng.chance(0.15) {
                let j = rng.below(na as u64) as u32;
                if j != i {
                    indeg[j as usize] += 1;
                    targets.push(j);
                }
            } else {
                let j = targets[rng.below(targets.len() as u64) as usize];
                if j != i {
                    indeg[j as usize] += 1;
                    targets.push(j);
                }
            }
        }
        targets.push(i);
    }
    drop(targets);
    for (i, a) in accounts.iter_mut().enumerate() {
        let scale = if a.role == Role::News { 400.0 } else { 40.0 };
        a.followers = ((indeg[i] as f64 + rng.f64()) * scale * (0.5 + rng.f64())) as u32;
        a.following = (20.0 + rng.exp(300.0)) as u32;
    }

    // Facebook groups: users post into a home group; supporters into a few groups of their own.
    let mut fb_groups = 0;
    let mut fb_extremist_groups = 0;
    if p == Platform::Facebook {
        fb_extremist_groups = if n_ext > 0 { 2 } else { 0 };
        fb_groups = fb_extremist_groups + ((na as u32) / 400).clamp(2, 60);
        for a in accounts.iter_mut() {
            if !a.community {
                a.home = if a.role.is_extremist() {
                    rng.below(fb_extremist_groups as u64) as u32
                } else {
                    fb_extremist_groups + rng.below((fb_groups - fb_extremist_groups) as u64) as u32
                };
            }
        }
    }

    let extremist: Vec<u32> = (0..na as u32)
        .filter(|&i| accounts[i as usize].role.is_extremist())
        .collect();
    let context: Vec<u32> = (0..na as u32)
        .filter(|&i| accounts[i as usize].role.is_context())
        .collect();
    let funnel: Vec<u32> = extremist
        .iter()
        .copied()
        .filter(|&i| {
            let a = &accounts[i as usize];
            a.community && a.generation == 0 && !a.known
        })
        .take(16)
        .collect();

    // Benign suspensions for spam, so that an enforcement event alone does not mean "extremist".
    let mut benign_suspensions = Vec::new();
    let spam = ((na as f64) * 0.0005 * (cfg.hours as f64 / 24.0)).round() as u64;
    for _ in 0..spam {
        let i = rng.below(na as u64) as u32;
        let a = &mut accounts[i as usize];
        if a.role == Role::Benign && a.suspended == NEVER {
            a.suspended =
                start.max(a.created) + rng.below((end - start.max(a.created)).max(1) as u64) as i64;
            benign_suspensions.push(i);
        }
    }
    benign_suspensions.sort_unstable();

    // Amplification clusters: amplifier bots around each core media account (returners inherit the cluster).
    let cores: Vec<u32> = extremist
        .iter()
        .copied()
        .filter(|&i| {
            accounts[i as usize].role == Role::CoreMedia && accounts[i as usize].predecessor == NONE
        })
        .collect();
    let mut cluster_of_core = Vec::new();
    for &c in &cores {
        let id = world.clusters.len() as u32;
        world.clusters.push(ClusterPlan {
            id,
            kind: "amplification",
            platform: p,
            lead: c,
        });
        cluster_of_core.push(id);
        accounts[c as usize].cluster = id;
    }
    if !cores.is_empty() {
        for &i in &extremist {
            let a = &accounts[i as usize];
            if a.role == Role::AmplifierBot && a.predecessor == NONE {
                let k = (mix64(a.name_seed) % cores.len() as u64) as usize;
                accounts[i as usize].cluster = cluster_of_core[k];
            }
        }
    }
    // Returners inherit everything network-related from their predecessor.
    for i in 0..na {
        let pr = accounts[i].predecessor;
        if pr != NONE {
            let (cl, app) = (accounts[pr as usize].cluster, accounts[pr as usize].app);
            accounts[i].cluster = cl;
            accounts[i].app = app;
        }
    }

    let alias = Alias::new(&accounts.iter().map(|a| a.rate as f64).collect::<Vec<_>>());
    PlatformWorld {
        platform: p,
        accounts,
        alias,
        planned: Vec::new(),
        funnel,
        fb_groups,
        fb_extremist_groups,
        extremist,
        context,
        benign_suspensions,
    }
}

/// Accounts on Twitter whose bio names the same identity's own VK account (`vk.com/<handle>`):
/// about half of the extremist actors that have both, in the same language, and a few news
/// outlets, which get a VK community under the Twitter account's name. A VK funnel target (a
/// network's community that many bios advertise) is nobody's own account and never a twin.
fn link_twins(world: &mut World) {
    let (Some(tw), Some(vk)) = (
        world
            .platforms
            .iter()
            .position(|p| p.platform == Platform::Twitter),
        world
            .platforms
            .iter()
            .position(|p| p.platform == Platform::Vk),
    ) else {
        return;
    };
    let original = |a: &Account| a.generation == 0 && !a.known && a.predecessor == NONE;
    // Extremist actors on both platforms.
    let mut by_actor: HashMap<u32, u32> = HashMap::new();
    for (i, a) in world.platforms[tw].accounts.iter().enumerate() {
        if a.role.is_extremist() && original(a) && a.actor != NONE {
            by_actor.entry(a.actor).or_insert(i as u32);
        }
    }
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    {
        let vkw = &world.platforms[vk];
        for (i, a) in vkw.accounts.iter().enumerate() {
            if !a.role.is_extremist() || !original(a) || vkw.funnel.contains(&(i as u32)) {
                continue;
            }
            let Some(&t) = by_actor.get(&a.actor) else {
                continue;
            };
            let ta = &world.platforms[tw].accounts[t as usize];
            if ta.lang == a.lang && mix64(world.seed ^ 0x7717 ^ a.actor as u64) & 1 == 0 {
                by_actor.remove(&a.actor);
                pairs.push((t, i as u32));
            }
        }
    }
    // News outlets: a few VK news communities take over a Twitter news account's name.
    let mut tw_news: Vec<u32> = (0..world.platforms[tw].accounts.len() as u32)
        .filter(|&i| {
            let a = &world.platforms[tw].accounts[i as usize];
            a.role == Role::News && a.suspended == NEVER
        })
        .collect();
    let vk_news: Vec<u32> = (0..world.platforms[vk].accounts.len() as u32)
        .filter(|&i| {
            let a = &world.platforms[vk].accounts[i as usize];
            a.role == Role::News && a.suspended == NEVER
        })
        .collect();
    let want = (vk_news.len() / 8).clamp(1, 8);
    let mut taken: HashSet<String> = world.platforms[vk]
        .accounts
        .iter()
        .map(|a| crate::identity::handle_in(&world.langs, a))
        .collect();
    for &v in vk_news.iter().take(want) {
        let lang = world.platforms[vk].accounts[v as usize].lang;
        let Some(pos) = tw_news
            .iter()
            .position(|&t| world.platforms[tw].accounts[t as usize].lang == lang)
        else {
            continue;
        };
        let t = tw_news.remove(pos);
        let seed = world.platforms[tw].accounts[t as usize].name_seed;
        let a = &mut world.platforms[vk].accounts[v as usize];
        taken.remove(&crate::identity::handle_in(&world.langs, a));
        a.name_seed = seed;
        a.handle_salt = 0;
        loop {
            let h = crate::identity::handle_in(&world.langs, a);
            if taken.insert(h) {
                break;
            }
            a.handle_salt = a.handle_salt.wrapping_add(1);
        }
        pairs.push((t, v));
    }
    for (t, v) in pairs {
        world.platforms[tw].accounts[t as usize].twin = (vk as u32, v);
        world.platforms[vk].accounts[v as usize].twin = (tw as u32, t);
    }
}

fn plan_events(cfg: &SimConfig, world: &mut World) {
    let mut rng = Rng::stream(cfg.seed, 0x2000);
    let (start, end) = (world.start, world.end);
    let span = (end - start) as f64;

    // Organic trends on every platform: many unrelated benign accounts, varied texts.
    for k in 0..cfg.trends {
        let tag = vocab::TREND_TAGS[k as usize % vocab::TREND_TAGS.len()];
        let t0 = start + (rng.f64() * span * 0.85) as i64;
        let dur = ((1.5 + rng.f64() * 4.5) * MS_PER_HOUR as f64) as i64;
        let mut participants = Vec::new();
        for pw in world.platforms.iter_mut() {
            let benign: u64 = pw.accounts.len() as u64;
            let want = ((benign as f64 * 0.015) as u64).clamp(20.min(benign), 50_000);
            let mut chosen = Vec::new();
            for _ in 0..want {
                let i = rng.below(benign) as u32;
                if pw.accounts[i as usize].role == Role::Benign {
                    chosen.push(i);
                }
            }
            chosen.sort_unstable();
            chosen.dedup();
            for &i in &chosen {
                let posts = 1 + rng.below(2);
                for j in 0..posts {
                    let t = t0 + (rng.exp(dur as f64 / 3.0) as i64).min(dur);
                    pw.planned.push(Planned {
                        t,
                        acct: i,
                        kind: PKind::Trend,
                        arg: k,
                        aux: j as u32,
                    });
                }
                participants.push((pw.platform, i));
            }
        }
        world.trends.push(TrendPlan {
            id: k,
            tag,
            start: t0,
            end: t0 + dur,
            participants,
        });
    }

    // Releases by core media accounts, re-shared by their cluster within seconds and re-posted with variants for hours.
    let mut release_id = 0u32;
    for pwi in 0..world.platforms.len() {
        let p = world.platforms[pwi].platform;
        let cores: Vec<u32> = world.platforms[pwi]
            .extremist
            .iter()
            .copied()
            .filter(|&i| world.platforms[pwi].accounts[i as usize].role == Role::CoreMedia)
            .collect();
        for &c in &cores {
            let a = world.platforms[pwi].accounts[c as usize].clone();
            let from = a.created.max(start);
            let to = a.suspended.min(end);
            if to <= from {
                continue;
            }
            let n = rng.poisson(4.0 * (to - from) as f64 / MS_PER_DAY as f64);
            for _ in 0..n {
                let t = from + rng.below((to - from) as u64) as i64;
                let image = rng.below(world.prop_images as u64) as u32;
                let post_id = match p {
                    Platform::Twitter => snowflake(t, 1023, release_id as u64),
                    _ => release_id as u64 + 1,
                };
                let r = Release {
                    id: release_id,
                    platform: p,
                    acct: c,
                    t,
                    image,
                    post_id,
                };
                world.platforms[pwi].planned.push(Planned {
                    t,
                    acct: c,
                    kind: PKind::Release,
                    arg: release_id,
                    aux: 0,
                });
                // Amplifiers of the same cluster re-share within seconds.
                let pw = &world.platforms[pwi];
                let mut adds = Vec::new();
                for &m in &pw.extremist {
                    let ma = &pw.accounts[m as usize];
                    let same_cluster = a.cluster != NONE && ma.cluster == a.cluster && m != c;
                    let fan = ma.role == Role::Fanboy
                        && rng.chance(if p == Platform::Telegram { 0.3 } else { 0.08 });
                    if same_cluster {
                        let dt = 2_000 + rng.exp(25_000.0) as i64;
                        adds.push(Planned {
                            t: t + dt,
                            acct: m,
                            kind: PKind::Amplify,
                            arg: release_id,
                            aux: 0,
                        });
                    } else if fan {
                        let dt = 60_000 + rng.exp(2.0 * MS_PER_HOUR as f64) as i64;
                        let variant = rng.below(world.variants as u64 + 1) as u32;
                        adds.push(Planned {
                            t: t + dt,
                            acct: m,
                            kind: PKind::MediaRepost,
                            arg: release_id,
                            aux: variant,
                        });
                    }
                }
                world.platforms[pwi].planned.extend(adds);
                world.releases.push(r);
                release_id += 1;
            }
        }
    }

    // Hashtag floods: hundreds of supporters join within minutes with lightly mutated texts, sometimes hijacking a trend.
    let flood_platform = world
        .platforms
        .iter()
        .position(|w| w.platform == Platform::Twitter)
        .unwrap_or(0);
    for k in 0..cfg.campaigns {
        let pw = &mut world.platforms[flood_platform];
        let p = pw.platform;
        let t0 = start + (rng.f64() * span * 0.8 + span * 0.05) as i64;
        let key = if (k as usize) < vocab::FLOOD_TAGS.len() {
            vocab::FLOOD_TAGS[k as usize].to_string()
        } else {
            format!("AllEyesOnSim{}", k + 1)
        };
        let hijacked = if rng.chance(0.5) {
            world
                .trends
                .iter()
                .find(|tr| tr.start <= t0 + 3_600_000 && tr.end >= t0)
                .map(|tr| tr.tag.to_string())
        } else {
            None
        };
        let alive: Vec<u32> = pw
            .extremist
            .iter()
            .copied()
            .filter(|&i| {
                let a = &pw.accounts[i as usize];
                a.alive(t0) && a.role != Role::Recruiter && a.role != Role::Fundraiser
            })
            .collect();
        let mut participants = Vec::new();
        for &i in &alive {
            if !rng.chance(0.7) {
                continue;
            }
            let join = t0 + rng.exp(4.0 * 60_000.0) as i64;
            let posts = 1 + rng.poisson(1.5);
            let mut t = join;
            for j in 0..posts {
                pw.planned.push(Planned {
                    t,
                    acct: i,
                    kind: PKind::Flood,
                    arg: world.campaigns.len() as u32,
                    aux: j as u32,
                });
                t += 20_000 + rng.exp(3.0 * 60_000.0) as i64;
            }
            participants.push(i);
        }
        // News, research and counter-speech accounts react, quoting the tag.
        let ctx = pw.context.clone();
        let reactors = (3 + participants.len() / 10).min(ctx.len());
        for _ in 0..reactors {
            let i = *rng.pick(&ctx);
            let t = t0 + 10 * 60_000 + rng.below(170 * 60_000) as i64;
            pw.planned.push(Planned {
                t,
                acct: i,
                kind: PKind::NewsReact,
                arg: world.campaigns.len() as u32,
                aux: 0,
            });
        }
        let id = world.campaigns.len() as u32;
        world.campaigns.push(CampaignPlan {
            id,
            kind: "hashtag_flood",
            platform: p,
            key: format!("#{key}"),
            hijacked: hijacked.map(|h| format!("#{h}")),
            start: t0,
            lang: world.langs.iter().position(|l| l.code == "ar").unwrap_or(0) as u16,
            participants,
            cluster: NONE,
        });
    }

    // App-driven broadcasts: one centrally chosen message posted from every enrolled account, spaced out to dodge spam limits.
    if let Some(pwi) = world
        .platforms
        .iter()
        .position(|w| w.platform == Platform::Twitter)
    {
        let pw = &world.platforms[pwi];
        let enrolled: Vec<u32> = pw
            .extremist
            .iter()
            .copied()
            .filter(|&i| pw.accounts[i as usize].app)
            .collect();
        let supporters = pw.extremist.len() as f64;
        if !enrolled.is_empty() && cfg.app_posts_per_supporter_day > 0.0 {
            let total_posts =
                cfg.app_posts_per_supporter_day * supporters * span / MS_PER_DAY as f64;
            let messages = (total_posts / enrolled.len() as f64).round().max(1.0) as u32;
            let cluster = world.clusters.len() as u32;
            world.clusters.push(ClusterPlan {
                id: cluster,
                kind: "app",
                platform: Platform::Twitter,
                lead: NONE,
            });
            for m in 0..messages {
                let t0 = start + (rng.f64() * span * 0.95) as i64;
                let id = world.campaigns.len() as u32;
                let mut participants = Vec::new();
                let pw = &mut world.platforms[pwi];
                for &i in &enrolled {
                    let t = t0 + rng.below(20 * 60_000) as i64;
                    if pw.accounts[i as usize].alive(t) {
                        pw.planned.push(Planned {
                            t,
                            acct: i,
                            kind: PKind::App,
                            arg: id,
                            aux: 0,
                        });
                        participants.push(i);
                    }
                }
                world.campaigns.push(CampaignPlan {
                    id,
                    kind: "app_broadcast",
                    platform: Platform::Twitter,
                    key: format!(
                        "https://{}/app{}-{}",
                        vocab::MIRROR_DOMAINS[0],
                        cfg.seed % 10_000,
                        m
                    ),
                    hijacked: None,
                    start: t0,
                    lang: world.langs.iter().position(|l| l.code == "ar").unwrap_or(0) as u16,
                    participants,
                    cluster,
                });
            }
        }
    }
}
