//! The shipped starter pack: it compiles, every example in it holds through the compiled engine, and benign or reporting text is treated alike in English, Arabic, Russian, French and Turkish.

use vigil_detect::Facts;
use vigil_model::{Platform, Post, Signal};
use vigil_rules::{compile, CompiledPack, Scratch, Subject};

fn starter() -> CompiledPack {
    compile("rules/starter.toml", vigil_rules::STARTER).unwrap()
}

fn signals(pack: &CompiledPack, text: &str) -> Vec<Signal> {
    let mut p = Post::new(
        Platform::Twitter,
        "1",
        "twitter:2".into(),
        1_700_000_000_000,
    );
    p.text = text.into();
    let a = vigil_text::analyze(text);
    let facts = Facts::default();
    let s = Subject {
        post: &p,
        account: None,
        text: &a,
        facts: &facts,
    };
    let (mut sc, mut fired, mut out) = (Scratch::new(), Vec::new(), Vec::new());
    pack.evaluate(&s, &mut sc, &mut fired);
    pack.signals(&s, &fired, &sc, &mut out);
    out
}

#[test]
fn starter_pack_examples_hold() {
    let pack = starter();
    let res = vigil_rules::run_examples(&pack);
    assert!(res.len() > 40, "{}", res.len());
    let bad: Vec<_> = res.iter().filter(|r| !r.ok).collect();
    assert!(bad.is_empty(), "{bad:#?}");
}

/// Everyday text, including words near the indicators (state, crisis, Islamic history), gives
/// no harm signal in any language.
#[test]
fn benign_text_is_clean_in_every_language() {
    let pack = starter();
    let benign = [
        "the crisis in the housing market is getting worse this week",
        "we visited the temple of Isis at Philae on holiday",
        "نقاش عن الدولة الإسلامية في التاريخ العباسي في درس اليوم",
        "الدولة تعلن عطلة رسمية يوم الخميس بمناسبة العيد",
        "صباح الخير، القهوة جاهزة والطقس جميل اليوم",
        "государство объявило выходной день в четверг",
        "доброе утро, кофе готов и погода хорошая",
        "la crise du logement s'aggrave cette semaine",
        "bugün hava çok güzel, maç akşam saat sekizde",
    ];
    for t in benign {
        let s = signals(&pack, t);
        assert!(
            s.iter().all(|s| s.category.is_none()),
            "{t:?} got harm signals {s:#?}"
        );
    }
}

/// The same report of the same event gets the same treatment in each language: a weak
/// name-mention signal, a context signal, net harm ≤ 0, and never an automatic action.
#[test]
fn reporting_is_treated_alike_across_languages() {
    let pack = starter();
    let reports = [
        "according to the report, ISIS claimed the attack",
        "وفقا للتقرير، أعلن داعش مسؤوليته عن الهجوم",
        "по данным корреспондента, ИГИЛ взяло на себя ответственность",
        "selon le reportage, l'État islamique a revendiqué l'attaque",
        "habere göre IŞİD saldırıyı üstlendi",
    ];
    let mut harm = Vec::new();
    for t in reports {
        let s = signals(&pack, t);
        let h: f32 = s
            .iter()
            .filter(|s| s.category.is_some())
            .map(|s| s.weight)
            .fold(0.0, f32::max);
        assert!(h > 0.0, "{t:?}: the name is seen");
        assert!(s.iter().any(|s| s.context.is_some()), "{t:?}: {s:#?}");
        assert!(vigil_rules::net_harm(&s) <= 0.0, "{t:?}");
        assert!(!vigil_rules::auto_action_allowed(&s), "{t:?}");
        harm.push(h);
    }
    assert!(harm.windows(2).all(|w| w[0] == w[1]), "{harm:?}");
}
