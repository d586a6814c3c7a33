//! Reads gettext .mo catalogs and builds the language-ID evaluation set from Debian packages.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Locale root that Debian packages install catalogs under.
pub const LOCALE_ROOT: &str = "/usr/share/locale";

/// Gettext domains of the TEST packages (see .ci/apt-packages); the trainer excludes
/// them and every string whose msgid appears in them.
pub const TEST_DOMAINS: &[&str] = &[
    "nautilus",
    "mate-panel",
    "mate-desktop",
    "thunar",
    "xfce4-session",
    "xfce4-panel",
    "libxfce4ui",
    "gnome-control-center-2.0",
    "evince",
    "gedit",
    "gnome-software",
    "zenity",
];

/// (label, locale directory); English comes from msgids.
pub const EVAL_LOCALES: &[(&str, &str)] = &[
    ("ar", "ar"),
    ("ru", "ru"),
    ("fr", "fr"),
    ("de", "de"),
    ("tr", "tr"),
    ("uz", "uz"),
    ("kk", "kk"),
    ("fa", "fa"),
    ("ur", "ur"),
    ("id", "id"),
    ("es", "es"),
];

fn u32_at(b: &[u8], off: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

/// Parses a .mo file into (msgid, msgstr) pairs (first plural form only). Bounds-checked;
/// returns None on a malformed file.
pub fn parse_mo(b: &[u8]) -> Option<Vec<(String, String)>> {
    let le = match u32_at(b, 0, true)? {
        0x950412de => true,
        0xde120495 => false,
        _ => return None,
    };
    let n = u32_at(b, 8, le)? as usize;
    let oo = u32_at(b, 12, le)? as usize;
    let to = u32_at(b, 16, le)? as usize;
    let get = |table: usize, i: usize| -> Option<String> {
        let len = u32_at(b, table.checked_add(i * 8)?, le)? as usize;
        let off = u32_at(b, table.checked_add(i * 8 + 4)?, le)? as usize;
        let raw = b.get(off..off.checked_add(len)?)?;
        let first = raw.split(|&c| c == 0).next().unwrap_or(&[]);
        Some(String::from_utf8_lossy(first).into_owned())
    };
    let mut out = Vec::with_capacity(n.min(100_000));
    for i in 0..n.min(1_000_000) {
        let mut k = get(oo, i)?;
        if let Some(p) = k.find('\u{4}') {
            k = k[p + 1..].to_string();
        }
        out.push((k, get(to, i)?));
    }
    Some(out)
}

pub fn letters(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphabetic()).count()
}

/// Strips gettext markup that is not language: accelerators, format directives, markup tags.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            '_' => {}
            '%' => {
                // Skip a printf/python directive like %s, %d, %(name)s, %1$s.
                if chars.peek() == Some(&'(') {
                    for d in chars.by_ref() {
                        if d == ')' {
                            break;
                        }
                    }
                }
                while let Some(&d) = chars.peek() {
                    chars.next();
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

fn catalog_paths(root: &Path, locale: &str) -> Vec<PathBuf> {
    TEST_DOMAINS
        .iter()
        .map(|d| {
            root.join(locale)
                .join("LC_MESSAGES")
                .join(format!("{d}.mo"))
        })
        .filter(|p| p.exists())
        .collect()
}

/// Every TEST catalog path that must exist (German is the sentinel locale).
pub fn missing_test_catalogs(root: &Path) -> Vec<PathBuf> {
    TEST_DOMAINS
        .iter()
        .map(|d| root.join("de").join("LC_MESSAGES").join(format!("{d}.mo")))
        .filter(|p| !p.exists())
        .collect()
}

/// (label, cleaned string) for every test string with at least `min_letters` letters;
/// duplicates within a language are dropped.
pub fn eval_set(root: &Path, min_letters: usize) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let mut en_seen = std::collections::HashSet::new();
    for &(label, locale) in EVAL_LOCALES {
        let mut seen = std::collections::HashSet::new();
        for path in catalog_paths(root, locale) {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Some(pairs) = parse_mo(&bytes) else {
                continue;
            };
            for (k, v) in pairs {
                if k.is_empty() || v.is_empty() || v == k {
                    continue;
                }
                let cv = clean(&v);
                if letters(&cv) >= min_letters && seen.insert(cv.clone()) {
                    out.push((label, cv));
                }
                let ck = clean(&k);
                if letters(&ck) >= min_letters && en_seen.insert(ck.clone()) {
                    out.push(("en", ck));
                }
            }
        }
    }
    out
}

/// The benchmark corpus: consecutive test strings of one language joined and cut to
/// ~140 chars, with synthetic, non-operational entities appended to 5 of every 8 posts.
pub fn bench_posts(root: &Path) -> Vec<String> {
    let set = eval_set(root, 20);
    let decor = [
        " #AllEyesOnISIS",
        " @example_user",
        " https://t.me/example_channel?utm_source=x",
        " bit.ly/abc123",
        " #news",
        "",
        "",
        "",
    ];
    let mut posts: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut cur_lang = "";
    for (lang, s) in &set {
        if *lang != cur_lang {
            cur.clear();
            cur_lang = lang;
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(s);
        if cur.chars().count() >= 140 {
            let d = decor[posts.len() % decor.len()];
            let keep = 140usize.saturating_sub(d.chars().count());
            let body: String = cur.chars().take(keep).collect();
            posts.push(format!("{body}{d}"));
            cur.clear();
        }
    }
    posts
}
