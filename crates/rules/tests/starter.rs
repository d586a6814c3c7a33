//! The shipped starter pack: it compiles, and every example in it holds through the compiled engine.

#[test]
fn starter_pack_examples_hold() {
    let pack = vigil_rules::compile("rules/starter.toml", vigil_rules::STARTER).unwrap();
    let res = vigil_rules::run_examples(&pack);
    assert!(res.len() > 40, "{}", res.len());
    let bad: Vec<_> = res.iter().filter(|r| !r.ok).collect();
    assert!(bad.is_empty(), "{bad:#?}");
}
