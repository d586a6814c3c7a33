//! `vigil eval`: compare what vigil found, as the store holds it, with a simulated world's
//! ground truth. Only this crate (and the simulator) ever reads `truth.json`; detection never does.
//!
//! A metric whose detector does not exist yet is `None` (printed as `null`), never 0 or 1.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use vigil_model::EntityKind;
use vigil_sim::truth::Truth;
use vigil_store::cases::{CaseQuery, CaseStore};
use vigil_store::{Store, StoreError};

/// Precision, recall and F1 of a set of flagged items against a set of true ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Prf {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Prf {
    /// From precision and recall computed elsewhere.
    pub fn from_precision_recall(precision: Option<f64>, recall: Option<f64>) -> Prf {
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }

    /// From counts: true positives, flagged, truly positive. An empty denominator is `None`.
    pub fn from_counts(tp: u64, flagged: u64, positives: u64) -> Prf {
        let precision = (flagged > 0).then(|| tp as f64 / flagged as f64);
        let recall = (positives > 0).then(|| tp as f64 / positives as f64);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignMetrics {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub median_detect_minutes: Option<f64>,
    pub median_detect_posts: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReturningMetrics {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub median_posts_to_link: Option<f64>,
}

/// Cross-platform identity: links of kind `cross_platform` the store holds, against the truth's
/// declared identities (recall) and its actors (precision: two accounts of one actor are one
/// identity whether or not the truth declares the pair).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossPlatformMetrics {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    /// Distinct account pairs linked.
    pub links: u64,
    /// Declared identities whose accounts the store holds.
    pub identities: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MediaMetrics {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
}

/// The whole report. Every key is always present; a metric without its detector is `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub accounts: Option<Prf>,
    pub campaigns: Option<CampaignMetrics>,
    pub coordination: Option<Prf>,
    pub returning: Option<ReturningMetrics>,
    pub cross_platform: Option<CrossPlatformMetrics>,
    pub media: Option<MediaMetrics>,
    pub news_auto_actions: Option<u64>,
    pub false_positive_rate_by_language: Option<BTreeMap<String, f64>>,
    /// What the truth holds, for reading the rest.
    pub truth: TruthSummary,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TruthSummary {
    pub accounts: usize,
    pub extremist_accounts: usize,
    pub context_accounts: usize,
    pub campaigns: usize,
    pub clusters: usize,
    pub returning: usize,
    pub identities: usize,
    pub media_posts: usize,
}

/// What the cases say: accounts flagged (a case on them or on one of their posts) and the
/// targets of automatic decisions.
struct CaseView {
    flagged: HashSet<String>,
    auto_targets: Vec<(EntityKind, String)>,
}

fn case_view<S: Store + CaseStore>(store: &S) -> Result<CaseView, StoreError> {
    let mut flagged = HashSet::new();
    let mut auto_targets = Vec::new();
    let mut q = CaseQuery {
        state: None,
        entity_kind: None,
        category: None,
        after: None,
        limit: 1000,
    };
    loop {
        let page = store.list_cases(&q)?;
        for c in &page {
            match c.entity_kind {
                EntityKind::Account => {
                    flagged.insert(c.entity_id.clone());
                }
                EntityKind::Post => {
                    if let Some(p) = store.post(&c.entity_id)? {
                        flagged.insert(p.account_id);
                    }
                }
                EntityKind::Campaign | EntityKind::Cluster => {}
            }
            for d in store.decisions_for(c.id)? {
                if d["automatic"].as_bool() != Some(true) {
                    continue;
                }
                for t in d["targets"].as_array().into_iter().flatten() {
                    let kind = match t["kind"].as_str() {
                        Some("post") => EntityKind::Post,
                        Some("account") => EntityKind::Account,
                        _ => continue,
                    };
                    if let Some(id) = t["id"].as_str() {
                        auto_targets.push((kind, id.to_string()));
                    }
                }
            }
        }
        match page.last() {
            Some(last) if page.len() == q.limit => q.after = Some((last.priority, last.id)),
            _ => break,
        }
    }
    Ok(CaseView {
        flagged,
        auto_targets,
    })
}

/// Evaluate the store against the truth. `detectors` names the detectors this build runs;
/// a metric needing one that is absent is `None`.
pub fn evaluate<S: Store + CaseStore>(
    store: &S,
    truth: &Truth,
    detectors: &[&str],
) -> Result<Report, StoreError> {
    let built = |d: &str| detectors.contains(&d);
    let view = case_view(store)?;
    // Accounts vigil could have seen: those the store holds.
    let mut present = Vec::new();
    for a in &truth.accounts {
        if store.account(&a.id)?.is_some() {
            present.push(a);
        }
    }
    let positives = present.iter().filter(|a| a.extremist).count() as u64;
    let flagged_present = present
        .iter()
        .filter(|a| view.flagged.contains(&a.id))
        .count() as u64;
    let tp = present
        .iter()
        .filter(|a| a.extremist && view.flagged.contains(&a.id))
        .count() as u64;
    let accounts = Prf::from_counts(tp, flagged_present, positives);

    let mut by_lang: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for a in present.iter().filter(|a| !a.extremist) {
        let e = by_lang.entry(a.lang.clone()).or_default();
        e.1 += 1;
        if view.flagged.contains(&a.id) {
            e.0 += 1;
        }
    }
    let fpr = by_lang
        .into_iter()
        .map(|(k, (f, n))| (k, f as f64 / n as f64))
        .collect();

    let context: HashSet<&str> = truth.context_accounts.iter().map(String::as_str).collect();
    let mut news_auto = 0u64;
    for (kind, id) in &view.auto_targets {
        let account = match kind {
            EntityKind::Account => Some(id.clone()),
            _ => store.post(id)?.map(|p| p.account_id),
        };
        if account.is_some_and(|a| context.contains(a.as_str())) {
            news_auto += 1;
        }
    }

    let any = !detectors.is_empty();
    let media = if built("hash") {
        Some(evaluate_media(store, truth)?)
    } else {
        None
    };
    let returning = if built("returning") {
        Some(returning_metrics(store, truth)?)
    } else {
        None
    };
    let cross_platform = if built("returning") {
        Some(cross_platform_metrics(store, truth)?)
    } else {
        None
    };
    Ok(Report {
        accounts: any.then_some(accounts),
        campaigns: None,
        coordination: None,
        returning,
        cross_platform,
        media,
        news_auto_actions: any.then_some(news_auto),
        false_positive_rate_by_language: any.then_some(fpr),
        truth: TruthSummary {
            accounts: truth.accounts.len(),
            extremist_accounts: truth.accounts.iter().filter(|a| a.extremist).count(),
            context_accounts: truth.context_accounts.len(),
            campaigns: truth.campaigns.len(),
            clusters: truth.clusters.len(),
            returning: truth.returning.len(),
            identities: truth.identities.len(),
            media_posts: truth.media_posts.len(),
        },
    })
}

/// Media matching against re-posts of known media: the positives are the truth's media posts
/// whose image was in the hash list at the start (`known`); a post counts as detected when it
/// has a `hash` signal from a media hash (MD5, SHA-256 or PDQ). Posts the store does not hold
/// are left out of both sides. A flagged repost, quote or forward of a known-media post carries
/// the same file; the truth lists only the original, so such a post counts as correct for
/// precision (it is not added to the positives for recall).
pub fn evaluate_media<S: Store + ?Sized>(
    store: &S,
    truth: &Truth,
) -> Result<MediaMetrics, StoreError> {
    let mut detected: HashSet<String> = HashSet::new();
    store.for_each_signal(&mut |s| {
        let media_alg = s
            .explanation
            .get("algorithm")
            .and_then(|a| a.as_str())
            .is_some_and(|a| matches!(a, "pdq" | "md5" | "sha256"));
        if s.entity_kind == EntityKind::Post && s.detector == "hash" && media_alg && !s.shadow {
            detected.insert(s.entity_id);
        }
        true
    })?;
    let mut positives = 0u64;
    let mut tp = 0u64;
    let mut known: HashSet<&str> = HashSet::new();
    for m in truth.media_posts.iter().filter(|m| m.known) {
        if !known.insert(m.post.as_str()) || store.post(&m.post)?.is_none() {
            continue;
        }
        positives += 1;
        if detected.contains(&m.post) {
            tp += 1;
        }
    }
    let mut correct = tp;
    for id in &detected {
        if known.contains(id.as_str()) {
            continue;
        }
        if let Some(p) = store.post(id)? {
            let parents = [&p.repost_of, &p.quote_of, &p.forwarded_from];
            if parents
                .iter()
                .any(|x| x.as_deref().is_some_and(|x| known.contains(x)))
            {
                correct += 1;
            }
        }
    }
    let precision = (!detected.is_empty()).then(|| correct as f64 / detected.len() as f64);
    let p = Prf::from_counts(tp, detected.len() as u64, positives);
    Ok(MediaMetrics {
        precision,
        recall: p.recall,
    })
}

/// Returning accounts: a detected link is a `returning` signal on the new account whose
/// explanation names the predecessor; it is right when truth holds that (new → predecessor)
/// pair. Recall counts the truth pairs whose new account the store holds. Posts-to-link is the
/// number of the new account's posts at or before the signal's time.
pub fn returning_metrics<S: Store>(
    store: &S,
    truth: &Truth,
) -> Result<ReturningMetrics, StoreError> {
    let pairs: HashSet<(&str, &str)> = truth
        .returning
        .iter()
        .map(|r| (r.new.as_str(), r.predecessor.as_str()))
        .collect();
    let mut detected: Vec<(String, String, i64)> = Vec::new();
    store.for_each_signal(&mut |s| {
        if s.detector == "returning" && s.entity_kind == EntityKind::Account && !s.shadow {
            if let Some(p) = s.explanation.get("predecessor").and_then(|v| v.as_str()) {
                detected.push((s.entity_id.clone(), p.to_string(), s.at));
            }
        }
        true
    })?;
    let tp_links = detected
        .iter()
        .filter(|(n, p, _)| pairs.contains(&(n.as_str(), p.as_str())))
        .count() as u64;
    let mut positives = 0u64;
    let mut found = 0u64;
    let mut posts_to_link = Vec::new();
    for r in &truth.returning {
        if store.account(&r.new)?.is_none() {
            continue;
        }
        positives += 1;
        if let Some((_, _, at)) = detected
            .iter()
            .find(|(n, p, _)| n == &r.new && p == &r.predecessor)
        {
            found += 1;
            let n = store
                .posts_by_account(&r.new, 100_000)?
                .iter()
                .filter(|p| p.created_at <= *at)
                .count();
            posts_to_link.push(n as f64);
        }
    }
    let precision = (!detected.is_empty()).then(|| tp_links as f64 / detected.len() as f64);
    let recall = (positives > 0).then(|| found as f64 / positives as f64);
    Ok(ReturningMetrics {
        precision,
        recall,
        median_posts_to_link: median(posts_to_link),
    })
}

/// Cross-platform identity links against the truth ([`CrossPlatformMetrics`]).
pub fn cross_platform_metrics<S: Store>(
    store: &S,
    truth: &Truth,
) -> Result<CrossPlatformMetrics, StoreError> {
    fn pair(a: &str, b: &str) -> (String, String) {
        if a <= b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        }
    }
    let actor: HashMap<&str, u32> = truth
        .accounts
        .iter()
        .filter_map(|a| a.actor.map(|x| (a.id.as_str(), x)))
        .collect();
    let declared: HashSet<(String, String)> = truth
        .identities
        .iter()
        .filter(|i| i.accounts.len() == 2)
        .map(|i| pair(&i.accounts[0], &i.accounts[1]))
        .collect();
    let mut present: HashSet<&str> = HashSet::new();
    let mut found: HashSet<(String, String)> = HashSet::new();
    for a in &truth.accounts {
        if store.account(&a.id)?.is_none() {
            continue;
        }
        present.insert(a.id.as_str());
        for l in store.identity_links(&a.id)? {
            if l.kind == "cross_platform" {
                found.insert(pair(&l.account_id, &l.other_id));
            }
        }
    }
    let same_actor =
        |a: &str, b: &str| matches!((actor.get(a), actor.get(b)), (Some(x), Some(y)) if x == y);
    let correct = found
        .iter()
        .filter(|p| declared.contains(*p) || same_actor(&p.0, &p.1))
        .count();
    let positives: Vec<&(String, String)> = declared
        .iter()
        .filter(|(a, b)| present.contains(a.as_str()) && present.contains(b.as_str()))
        .collect();
    let tp = positives.iter().filter(|p| found.contains(**p)).count();
    Ok(CrossPlatformMetrics {
        precision: (!found.is_empty()).then(|| correct as f64 / found.len() as f64),
        recall: (!positives.is_empty()).then(|| tp as f64 / positives.len() as f64),
        links: found.len() as u64,
        identities: positives.len() as u64,
    })
}

/// The median of some values, `None` when there are none.
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// A human-readable table of the report.
pub fn table(r: &Report) -> String {
    fn f(v: Option<f64>) -> String {
        v.map(|v| format!("{v:.3}"))
            .unwrap_or_else(|| "n/a (detector not built)".into())
    }
    let mut s = String::new();
    let t = &r.truth;
    s.push_str(&format!(
        "truth: {} accounts ({} extremist, {} news/research/counter-speech), {} campaigns, {} clusters, {} returning, {} cross-platform identities, {} media posts\n",
        t.accounts, t.extremist_accounts, t.context_accounts, t.campaigns, t.clusters, t.returning, t.identities, t.media_posts
    ));
    s.push_str(&format!(
        "{:<28} {:>10} {:>10} {:>10}\n",
        "metric", "precision", "recall", "f1"
    ));
    let prf = |name: &str, p: &Option<Prf>| match p {
        Some(p) => format!(
            "{name:<28} {:>10} {:>10} {:>10}\n",
            f(p.precision),
            f(p.recall),
            f(p.f1)
        ),
        None => format!("{name:<28} {:>10}\n", "n/a (detector not built)"),
    };
    s.push_str(&prf("accounts", &r.accounts));
    s.push_str(&prf("coordination", &r.coordination));
    match &r.campaigns {
        Some(c) => s.push_str(&format!(
            "{:<28} {:>10} {:>10}   median detect: {} min, {} posts\n",
            "campaigns",
            f(c.precision),
            f(c.recall),
            f(c.median_detect_minutes),
            f(c.median_detect_posts)
        )),
        None => s.push_str(&format!(
            "{:<28} {:>10}\n",
            "campaigns", "n/a (detector not built)"
        )),
    }
    match &r.returning {
        Some(c) => s.push_str(&format!(
            "{:<28} {:>10} {:>10}   median posts to link: {}\n",
            "returning accounts",
            f(c.precision),
            f(c.recall),
            f(c.median_posts_to_link)
        )),
        None => s.push_str(&format!(
            "{:<28} {:>10}\n",
            "returning accounts", "n/a (detector not built)"
        )),
    }
    match &r.cross_platform {
        Some(c) => s.push_str(&format!(
            "{:<28} {:>10} {:>10}   {} links, {} declared identities\n",
            "cross-platform identity",
            f(c.precision),
            f(c.recall),
            c.links,
            c.identities
        )),
        None => s.push_str(&format!(
            "{:<28} {:>10}\n",
            "cross-platform identity", "n/a (detector not built)"
        )),
    }
    match &r.media {
        Some(c) => s.push_str(&format!(
            "{:<28} {:>10} {:>10}\n",
            "known media re-posts",
            f(c.precision),
            f(c.recall)
        )),
        None => s.push_str(&format!(
            "{:<28} {:>10}\n",
            "known media re-posts", "n/a (detector not built)"
        )),
    }
    s.push_str(&format!(
        "news auto-actions: {}\n",
        r.news_auto_actions
            .map(|v| v.to_string())
            .unwrap_or_else(|| "n/a (cases not built)".into())
    ));
    match &r.false_positive_rate_by_language {
        Some(m) => {
            s.push_str("false-positive rate by language:");
            for (k, v) in m {
                s.push_str(&format!(" {k}={v:.4}"));
            }
            s.push('\n');
        }
        None => s.push_str("false-positive rate by language: n/a (cases not built)\n"),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_never_invents_a_perfect_score() {
        assert_eq!(
            Prf::from_counts(0, 0, 0),
            Prf {
                precision: None,
                recall: None,
                f1: None
            }
        );
        let p = Prf::from_counts(9, 10, 12);
        assert_eq!(p.precision, Some(0.9));
        assert_eq!(p.recall, Some(0.75));
        assert!((p.f1.unwrap() - 0.8181818).abs() < 1e-6);
        assert_eq!(median(vec![3.0, 1.0, 2.0, 10.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }
}
