//! twitter-text conformance: runs every case of ../shared/reference/twitter-text/extract.yml at test time.

mod common;

use serde_norway::Value;
use vigil_text::*;

fn s(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

fn indices(v: &Value) -> (u32, u32) {
    let seq = v["indices"].as_sequence().expect("indices");
    (
        seq[0].as_u64().unwrap() as u32,
        seq[1].as_u64().unwrap() as u32,
    )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| s.iter().map(s_or_num).collect())
        .unwrap_or_default()
}

fn s_or_num(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => serde_norway::to_string(other).unwrap().trim().to_string(),
    }
}

/// Runs one case; returns a failure description or None.
fn check(section: &str, text: &str, expected: &Value) -> Option<String> {
    let got: String;
    let want: String;
    match section {
        "mentions" => {
            got = format!(
                "{:?}",
                extract_mentions(text)
                    .into_iter()
                    .map(|m| m.screen_name)
                    .collect::<Vec<_>>()
            );
            want = format!("{:?}", strings(expected));
        }
        "mentions_with_indices" => {
            got = format!(
                "{:?}",
                extract_mentions(text)
                    .into_iter()
                    .map(|m| (m.screen_name, m.span.start, m.span.end))
                    .collect::<Vec<_>>()
            );
            want = format!(
                "{:?}",
                expected
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let (a, b) = indices(e);
                        (s(&e["screen_name"]), a, b)
                    })
                    .collect::<Vec<_>>()
            );
        }
        "mentions_or_lists_with_indices" => {
            got = format!(
                "{:?}",
                extract_mentions_or_lists(text)
                    .into_iter()
                    .map(|m| (m.screen_name, m.list_slug, m.span.start, m.span.end))
                    .collect::<Vec<_>>()
            );
            want = format!(
                "{:?}",
                expected
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let (a, b) = indices(e);
                        (s(&e["screen_name"]), s(&e["list_slug"]), a, b)
                    })
                    .collect::<Vec<_>>()
            );
        }
        "replies" => {
            got = format!("{:?}", extract_reply(text));
            want = format!("{:?}", expected.as_str().map(str::to_string));
        }
        "urls" | "tco_urls_with_params" => {
            got = format!(
                "{:?}",
                extract_urls(text)
                    .into_iter()
                    .map(|u| u.url)
                    .collect::<Vec<_>>()
            );
            want = format!("{:?}", strings(expected));
        }
        "urls_with_indices" | "urls_with_directional_markers" => {
            got = format!(
                "{:?}",
                extract_urls(text)
                    .into_iter()
                    .map(|u| (u.url, u.span.start, u.span.end))
                    .collect::<Vec<_>>()
            );
            want = format!(
                "{:?}",
                expected
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let (a, b) = indices(e);
                        (s(&e["url"]), a, b)
                    })
                    .collect::<Vec<_>>()
            );
        }
        "hashtags" | "hashtags_from_astral" => {
            got = format!(
                "{:?}",
                extract_hashtags(text)
                    .into_iter()
                    .map(|h| h.text)
                    .collect::<Vec<_>>()
            );
            want = format!("{:?}", strings(expected));
        }
        "hashtags_with_indices" => {
            got = format!(
                "{:?}",
                extract_hashtags(text)
                    .into_iter()
                    .map(|h| (h.text, h.span.start, h.span.end))
                    .collect::<Vec<_>>()
            );
            want = format!(
                "{:?}",
                expected
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let (a, b) = indices(e);
                        (s(&e["hashtag"]), a, b)
                    })
                    .collect::<Vec<_>>()
            );
        }
        "cashtags" => {
            got = format!(
                "{:?}",
                extract_cashtags(text)
                    .into_iter()
                    .map(|h| h.text)
                    .collect::<Vec<_>>()
            );
            want = format!("{:?}", strings(expected));
        }
        "cashtags_with_indices" => {
            got = format!(
                "{:?}",
                extract_cashtags(text)
                    .into_iter()
                    .map(|h| (h.text, h.span.start, h.span.end))
                    .collect::<Vec<_>>()
            );
            want = format!(
                "{:?}",
                expected
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .map(|e| {
                        let (a, b) = indices(e);
                        (s(&e["cashtag"]), a, b)
                    })
                    .collect::<Vec<_>>()
            );
        }
        other => {
            return Some(format!(
                "unknown section {other}: the conformance file grew a new API"
            ))
        }
    }
    (got != want).then(|| format!("got  {got}\n      want {want}"))
}

#[test]
fn extract_yml_all_cases() {
    let path = common::reference_dir().join("twitter-text/extract.yml");
    let raw = match std::fs::read_to_string(&path) {
        Ok(r) => r,
        Err(e) if common::skip_shared() => {
            eprintln!(
                "skipping: {} unreadable ({e}) and VIGIL_SKIP_SHARED=1",
                path.display()
            );
            return;
        }
        Err(e) => panic!(
            "missing {} ({e}); set VIGIL_SHARED_DIR or VIGIL_SKIP_SHARED=1",
            path.display()
        ),
    };
    let doc: Value = serde_norway::from_str(&raw).expect("extract.yml parses");
    let tests = doc["tests"].as_mapping().expect("tests mapping");
    let mut total = 0;
    let mut failures = Vec::new();
    for (section, cases) in tests {
        let section = section.as_str().unwrap();
        for case in cases.as_sequence().unwrap() {
            total += 1;
            let text = s(&case["text"]);
            if let Some(f) = check(section, &text, &case["expected"]) {
                failures.push(format!(
                    "[{section}] {}\n      text {:?}\n      {f}",
                    s(&case["description"]),
                    text
                ));
            }
        }
    }
    assert_eq!(total, 238, "extract.yml should hold 238 cases");
    assert!(
        failures.is_empty(),
        "{}/{} failed:\n{}",
        failures.len(),
        total,
        failures.join("\n")
    );
}
