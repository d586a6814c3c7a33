//! Language-ID accuracy on real translated text from Debian gettext catalogs the project did not write.

mod common;
#[path = "common/mo.rs"]
mod mo;

use std::collections::BTreeMap;
use std::path::Path;

fn accuracy(min_letters: usize) -> Option<BTreeMap<&'static str, (usize, usize)>> {
    let root = Path::new(mo::LOCALE_ROOT);
    let missing = mo::missing_test_catalogs(root);
    if !missing.is_empty() {
        if common::skip_shared() {
            eprintln!("skipping: test catalogs missing and VIGIL_SKIP_SHARED=1");
            return None;
        }
        panic!("missing Debian test catalogs {missing:?}: install the packages in .ci/apt-packages (or set VIGIL_SKIP_SHARED=1)");
    }
    let mut per: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    for (label, text) in mo::eval_set(root, min_letters) {
        let g = vigil_text::detect_language(&text);
        let e = per.entry(label).or_default();
        e.1 += 1;
        if g.code == label {
            e.0 += 1;
        } else if std::env::var_os("VIGIL_LANGID_ERRORS").is_some() && min_letters >= 40 {
            eprintln!("MISS {label} -> {} ({:.2}): {text:?}", g.code, g.confidence);
        }
    }
    Some(per)
}

fn report(min: usize, per: &BTreeMap<&'static str, (usize, usize)>) {
    eprintln!("strings with >= {min} letters:");
    for (l, (ok, n)) in per {
        eprintln!("  {l}: {ok}/{n} = {:.1}%", 100.0 * *ok as f64 / *n as f64);
    }
}

#[test]
fn langid_accuracy_on_debian_catalogs() {
    let Some(per20) = accuracy(20) else { return };
    report(20, &per20);
    let Some(per40) = accuracy(40) else { return };
    report(40, &per40);
    for (label, _) in mo::EVAL_LOCALES.iter().chain([("en", "")].iter()) {
        let (ok, n) = per40.get(label).copied().unwrap_or((0, 0));
        assert!(
            n >= 20,
            "{label}: only {n} test strings of >= 40 letters; the evaluation set is too small"
        );
        let acc = ok as f64 / n as f64;
        assert!(
            acc >= 0.95,
            "{label}: accuracy {:.1}% on {n} strings of >= 40 letters, goal 95%",
            acc * 100.0
        );
    }
}
