//! Derived account identity: handles (with returning-account mutations), display names, bios and platform ids.

// `is_multiple_of` needs Rust 1.87; the workspace supports 1.85.
#![allow(clippy::manual_is_multiple_of)]

use crate::config::Platform;
use crate::rng::mix64;
use crate::vocab::{HANDLE_HOMOGLYPHS, NAME_HOMOGLYPHS};
use crate::world::{Account, PlatformWorld, Role, World, NONE};

/// Native account id as the platform writes it (`2400000013`, `-30000007` for a VK community, `channel1000000007`).
pub fn native_id(p: Platform, a: &Account, idx: u32) -> String {
    match p {
        Platform::Twitter => (2_400_000_000u64 + idx as u64 * 13).to_string(),
        Platform::Vk => vk_id(a, idx).to_string(),
        Platform::Facebook => fb_id(idx).to_string(),
        Platform::Telegram => format!("channel{}", tg_id(idx)),
    }
}

pub fn vk_id(a: &Account, idx: u32) -> i64 {
    if a.community {
        -(30_000_000 + idx as i64 * 7)
    } else {
        100_000 + idx as i64 * 7
    }
}

pub fn fb_id(idx: u32) -> u64 {
    100_000_000_000_000 + idx as u64 * 7
}

pub fn fb_group_id(g: u32) -> u64 {
    300_000_000_000_000 + g as u64 * 11
}

pub fn tg_id(idx: u32) -> u64 {
    1_000_000_000 + idx as u64 * 7
}

/// vigil's stable account id, `platform:native`.
pub fn stable_id(p: Platform, a: &Account, idx: u32) -> String {
    format!("{}:{}", p.as_str(), native_id(p, a, idx))
}

/// Handle of an account: romanised syllables, a `sim` marker and digits; returning accounts mutate their predecessor's.
pub fn handle(w: &World, a: &Account) -> String {
    handle_in(&w.langs, a)
}

/// As [`handle`], from the language table alone (used while the world is being built).
pub fn handle_in(langs: &[crate::world::LangSlot], a: &Account) -> String {
    let lang = langs[a.lang as usize].vocab;
    let mut h = a.name_seed;
    let mut s = String::with_capacity(16);
    let nsyl = 2 + (h % 2) as usize;
    for _ in 0..nsyl {
        h = mix64(h);
        s.push_str(lang.syl[(h % lang.syl.len() as u64) as usize]);
    }
    h = mix64(h);
    s.push_str(if h % 3 == 0 { "_sim" } else { "sim" });
    h = mix64(h);
    let mut num = (h % 9_000 + 10) as u32;
    for g in 1..=a.generation as u64 {
        let m = mix64(a.name_seed ^ g.wrapping_mul(0x51ED));
        match m % 4 {
            0 => num += 1 + (m >> 8) as u32 % 3,
            1 => s.insert(0, '_'),
            2 => {
                let hg = HANDLE_HOMOGLYPHS[((m >> 8) % HANDLE_HOMOGLYPHS.len() as u64) as usize];
                if let Some(pos) = s.find(hg.0) {
                    s.replace_range(pos..pos + 1, &hg.1.to_string());
                } else {
                    s.push('_');
                }
            }
            _ => s.push('_'),
        }
    }
    // A salt set at build time keeps handles unique on a platform, as platforms require.
    num += a.handle_salt as u32 * 7;
    s.push_str(&num.to_string());
    // Platforms allow only ASCII letters, digits and underscores in handles.
    s.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if s.len() > 15 {
        // Platforms cap handles (Twitter: 15); keep the mutated end.
        let cut = s.len() - 15;
        s = s[cut..].to_string();
    }
    s
}

/// Display name from two common nouns of the account's language (never a personal name).
pub fn display_name(w: &World, a: &Account) -> String {
    let lang = w.langs[a.lang as usize].vocab;
    let h = mix64(a.name_seed ^ 0x4E41);
    let n1 = lang.names[(h % lang.names.len() as u64) as usize];
    let n2 = lang.names[((h >> 16) % lang.names.len() as u64) as usize];
    let mut s = if a.community {
        format!("{n1} {n2} {}", (h >> 32) % 100)
    } else {
        format!("{n1} {n2}")
    };
    if a.generation > 0 {
        let m = mix64(a.name_seed ^ a.generation as u64);
        if m % 2 == 0 {
            let (from, to) = NAME_HOMOGLYPHS[((m >> 4) % NAME_HOMOGLYPHS.len() as u64) as usize];
            if let Some(pos) = s.find(from) {
                s.replace_range(pos..pos + from.len_utf8(), &to.to_string());
            }
        } else {
            s.push(' ');
            s.push_str(&(a.generation as u32 + 1).to_string());
        }
    }
    s
}

/// Bio: role-shaped, in the account's language. Supporters list their channels elsewhere
/// (cross-platform funnel); an account with a twin ([`Account::twin`]) also names its own
/// account on the other platform.
pub fn bio(w: &World, pw: &PlatformWorld, a: &Account) -> String {
    let mut s = role_bio(w, pw, a);
    if let Some((tp, ta)) = twin(w, a) {
        let h = handle(w, ta);
        match tp {
            Platform::Vk => s.push_str(&format!(" vk.com/{h}")),
            Platform::Twitter => s.push_str(&format!(" twitter.com/{h}")),
            Platform::Telegram => s.push_str(&format!(" t.me/{h}")),
            Platform::Facebook => {}
        }
    }
    s
}

/// The same identity's own account on another platform, if it has one.
pub fn twin<'w>(w: &'w World, a: &Account) -> Option<(Platform, &'w Account)> {
    let (p, i) = a.twin;
    let pw = w.platforms.get(p as usize)?;
    Some((pw.platform, pw.accounts.get(i as usize)?))
}

fn role_bio(w: &World, pw: &PlatformWorld, a: &Account) -> String {
    let lang = w.langs[a.lang as usize].vocab;
    let h = mix64(a.name_seed ^ 0xB10);
    let word = |k: u64| lang.words[(mix64(h ^ k) % lang.words.len() as u64) as usize];
    match a.role {
        Role::Benign => format!("{} {} {}", word(1), word(2), word(3)),
        Role::News => format!("{} {} #{}", lang.news, (h % 9) + 1, "news"),
        Role::Research => format!(
            "{} {}] https://research.example",
            lang.research,
            (h % 9) + 1
        ),
        Role::CounterSpeech => format!("{} {}] #NotInMyName", lang.counter, (h % 9) + 1),
        _ => {
            let mut s = format!("{} {}]", lang.praise, (h % 9) + 1);
            if a.generation > 0 && mix64(h ^ a.generation as u64) % 3 == 0 {
                s.push_str(" ·");
            }
            for (k, p) in w.platforms.iter().enumerate() {
                if p.platform == pw.platform || p.funnel.is_empty() {
                    continue;
                }
                let target = p.funnel[(mix64(h ^ k as u64) % p.funnel.len() as u64) as usize];
                let ta = &p.accounts[target as usize];
                match p.platform {
                    Platform::Telegram => s.push_str(&format!(" tg: t.me/{}", handle(w, ta))),
                    Platform::Vk => s.push_str(&format!(" vk: vk.com/{}", handle(w, ta))),
                    _ => {}
                }
            }
            s
        }
    }
}

/// The predecessor chain is on the same platform; NONE when the account is an original.
pub fn predecessor(a: &Account) -> Option<u32> {
    (a.predecessor != NONE).then_some(a.predecessor)
}
