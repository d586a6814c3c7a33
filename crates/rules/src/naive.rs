//! A reference evaluator that checks one rule at a time with plain string search: slow, obviously right, and the oracle the compiled engine is tested against.

use crate::compile::{build_regex, pointer_key, AtomKind, CompiledPack, Cond, BIO};
use crate::eval::{channel_text, eval_leaf, host_suffixes, original, Subject};

fn atom_hits(pack: &CompiledPack, a: u32, s: &Subject) -> bool {
    match &pack.atoms[a as usize].kind {
        AtomKind::Keyword { ch, pattern, mode } => {
            let folded_bio;
            let text: &str = if *ch == BIO {
                match s.account.and_then(|a| a.bio.as_deref()) {
                    Some(b) => {
                        folded_bio = vigil_text::fold(original(b));
                        &folded_bio
                    }
                    None => return false,
                }
            } else {
                channel_text(s, *ch)
            };
            text.char_indices().any(|(i, _)| {
                text[i..].starts_with(pattern.as_str())
                    && crate::boundary::check(text, i, i + pattern.len(), *mode)
            })
        }
        AtomKind::Regex { ch, pattern } => {
            build_regex(pattern).is_ok_and(|re| re.is_match(channel_text(s, *ch)))
        }
        AtomKind::Hashtag(k) => s.text.hashtags.iter().any(|h| &h.key == k),
        AtomKind::Domain(d) => s
            .text
            .urls
            .iter()
            .any(|u| host_suffixes(&u.host_ascii).any(|x| !x.is_empty() && x == d)),
        AtomKind::Pointer(p) => s.text.urls.iter().any(|u| {
            u.pointer.as_ref().is_some_and(|ptr| {
                let key = pointer_key(ptr);
                &key == p
                    || p.strip_suffix(":*")
                        .is_some_and(|plat| key.split_once(':').is_some_and(|k| k.0 == plat))
            })
        }),
    }
}

fn eval(pack: &CompiledPack, c: &Cond, s: &Subject, lang: &mut Option<String>) -> bool {
    match c {
        Cond::All(cs) => cs.iter().all(|c| eval(pack, c, s, lang)),
        Cond::Any(cs) => cs.iter().any(|c| eval(pack, c, s, lang)),
        Cond::Not(c) => !eval(pack, c, s, lang),
        Cond::Atoms(v) => v.iter().any(|&a| atom_hits(pack, a, s)),
        leaf => eval_leaf(leaf, s, lang),
    }
}

/// Does rule `rule` hold for `s`, evaluated on its own (whatever its state)?
pub fn rule_holds(pack: &CompiledPack, rule: usize, s: &Subject) -> bool {
    eval(pack, &pack.rules[rule].cond, s, &mut None)
}

/// Every non-disabled rule that holds for `s`, in pack order: what `evaluate` must return.
pub fn evaluate(pack: &CompiledPack, s: &Subject) -> Vec<u32> {
    (0..pack.rules.len())
        .filter(|&r| pack.rules[r].state != crate::RuleState::Disabled && rule_holds(pack, r, s))
        .map(|r| r as u32)
        .collect()
}
