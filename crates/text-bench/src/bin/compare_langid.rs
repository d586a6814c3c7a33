//! Side-by-side language ID on the same Debian-catalog strings: vigil-text vs whatlang vs lingua (high accuracy).
//!
//! Run: taskset -c 0 cargo run --release -p vigil-text-bench --features compare --bin compare_langid
#[path = "../../../text/tests/common/mo.rs"]
mod mo;

use std::collections::BTreeMap;
use std::time::Instant;

use lingua::{Language as L, LanguageDetectorBuilder};
use whatlang::{Detector, Lang};

fn whatlang_code(l: Lang) -> &'static str {
    match l {
        Lang::Ara => "ar",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Tur => "tr",
        Lang::Uzb => "uz",
        Lang::Pes => "fa",
        Lang::Urd => "ur",
        Lang::Ind => "id",
        Lang::Spa => "es",
        _ => "other",
    }
}

fn lingua_code(l: L) -> &'static str {
    match l {
        L::Arabic => "ar",
        L::English => "en",
        L::Russian => "ru",
        L::French => "fr",
        L::German => "de",
        L::Turkish => "tr",
        L::Kazakh => "kk",
        L::Persian => "fa",
        L::Urdu => "ur",
        L::Indonesian => "id",
        L::Spanish => "es",
        _ => "other",
    }
}

type Acc = BTreeMap<&'static str, (usize, usize)>;

fn run(name: &str, set: &[(&'static str, String)], f: &dyn Fn(&str) -> &'static str) -> Acc {
    let start = Instant::now();
    let mut acc: Acc = BTreeMap::new();
    for (label, text) in set {
        let got = f(text);
        let e = acc.entry(label).or_default();
        e.1 += 1;
        if got == *label {
            e.0 += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{name:>10}: {:>9.0} strings/s", set.len() as f64 / secs);
    acc
}

fn main() {
    let root = std::path::Path::new(mo::LOCALE_ROOT);
    // whatlang has no Kazakh; lingua has no Uzbek: each is scored as a miss there.
    let wl = Detector::with_allowlist(vec![
        Lang::Ara,
        Lang::Eng,
        Lang::Rus,
        Lang::Fra,
        Lang::Deu,
        Lang::Tur,
        Lang::Uzb,
        Lang::Pes,
        Lang::Urd,
        Lang::Ind,
        Lang::Spa,
    ]);
    let li = LanguageDetectorBuilder::from_languages(&[
        L::Arabic,
        L::English,
        L::Russian,
        L::French,
        L::German,
        L::Turkish,
        L::Kazakh,
        L::Persian,
        L::Urdu,
        L::Indonesian,
        L::Spanish,
    ])
    .with_preloaded_language_models()
    .build();
    for min in [20usize, 40] {
        let set = mo::eval_set(root, min);
        assert!(
            !set.is_empty(),
            "no Debian test catalogs: install .ci/apt-packages"
        );
        println!("== strings with >= {min} letters: {} strings", set.len());
        let v = run("vigil", &set, &|t| {
            let c = vigil_text::detect_language(t).code;
            vigil_text::LANGID_LANGUAGES
                .iter()
                .find(|&&l| l == c)
                .copied()
                .unwrap_or("unknown")
        });
        let w = run("whatlang", &set, &|t| {
            wl.detect_lang(t).map(whatlang_code).unwrap_or("unknown")
        });
        let l = run("lingua", &set, &|t| {
            li.detect_language_of(t)
                .map(lingua_code)
                .unwrap_or("unknown")
        });
        println!(
            "{:>4} {:>7} {:>14} {:>14} {:>14}",
            "lang", "n", "vigil", "whatlang", "lingua-high"
        );
        for (lang, (ok, n)) in &v {
            let pct = |a: &Acc| {
                a.get(lang)
                    .map(|(o, n)| 100.0 * *o as f64 / *n as f64)
                    .unwrap_or(0.0)
            };
            println!(
                "{lang:>4} {n:>7} {:>13.1}% {:>13.1}% {:>13.1}%",
                100.0 * *ok as f64 / *n as f64,
                pct(&w),
                pct(&l)
            );
        }
    }
}
