//! Evaluation against a simulated world's truth: campaign precision, recall and detection
//! delay; pairwise coordination precision, recall and F1.

use std::collections::{HashMap, HashSet};
use vigil_sim::truth::Truth;
use vigil_store::{CampaignRecord, Store, StoreError};

/// Campaign metrics; `None` where nothing was there to measure.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct CampaignMetrics {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub median_detect_minutes: Option<f64>,
    pub median_detect_posts: Option<f64>,
    /// Truth campaigns and extremist detections counted.
    pub truth: usize,
    pub detected: usize,
    /// Organic trends whose key is on an extremist detection that matches no true campaign.
    pub trends_reported: usize,
}

/// Pairwise coordination metrics over accounts.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq)]
pub struct CoordinationMetrics {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub true_pairs: u64,
    pub detected_pairs: u64,
}

fn norm_key(k: &str) -> String {
    if let Some(t) = k.strip_prefix('#') {
        format!("#{}", vigil_text::hashtag_key(t))
    } else {
        let c = vigil_text::canonicalize_url(k)
            .map(|u| u.canonical)
            .unwrap_or_else(|| k.trim().to_string());
        c.trim_end_matches('/').to_lowercase()
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
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

fn matches(d: &CampaignRecord, keys: &HashSet<String>, parts: &HashSet<&str>) -> bool {
    if d.keys.iter().any(|k| keys.contains(&norm_key(k))) {
        return true;
    }
    let n = d.participants.len();
    n > 0
        && d.participants
            .iter()
            .filter(|p| parts.contains(p.as_str()))
            .count()
            * 2
            >= n
}

/// Compare what the store holds (campaigns, clusters) with the truth.
pub fn evaluate(
    store: &dyn Store,
    truth: &Truth,
) -> Result<(CampaignMetrics, CoordinationMetrics), StoreError> {
    let detected: Vec<CampaignRecord> = store
        .campaigns()?
        .into_iter()
        .filter(|c| c.extremist)
        .collect();
    let mut cm = CampaignMetrics {
        truth: truth.campaigns.len(),
        detected: detected.len(),
        ..Default::default()
    };
    let tkeys: Vec<(HashSet<String>, HashSet<&str>)> = truth
        .campaigns
        .iter()
        .map(|t| {
            let mut k = HashSet::new();
            k.insert(norm_key(&t.key));
            (k, t.participants.iter().map(|s| s.as_str()).collect())
        })
        .collect();
    let mut matched_detections = 0usize;
    let mut best_alert: Vec<Option<i64>> = vec![None; truth.campaigns.len()];
    let span = |t: &vigil_sim::truth::TruthCampaign| -> Option<(i64, i64)> {
        let a = vigil_model::parse_timestamp(t.first_post_at.as_deref()?).ok()?;
        let b = vigil_model::parse_timestamp(t.end.as_deref()?).ok()?;
        Some((a, b))
    };
    for d in &detected {
        let mut any = false;
        for (i, (k, p)) in tkeys.iter().enumerate() {
            // A detection that matches by key or participants counts for a campaign only
            // when it was live during it; its alert counts from the campaign's first post.
            let Some((first, end)) = span(&truth.campaigns[i]) else {
                continue;
            };
            if matches(d, k, p) && d.start <= end && d.end >= first {
                any = true;
                if let Some(a) = d.first_alert_at {
                    if a <= end {
                        let a = a.max(first);
                        best_alert[i] = Some(best_alert[i].map_or(a, |b: i64| b.min(a)));
                    }
                }
            }
        }
        if any {
            matched_detections += 1;
        } else {
            for tr in &truth.trends {
                let tk = norm_key(&tr.key);
                if d.keys.iter().any(|k| norm_key(k) == tk) {
                    cm.trends_reported += 1;
                }
            }
        }
    }
    if !detected.is_empty() {
        cm.precision = Some(matched_detections as f64 / detected.len() as f64);
    }
    let with_posts: Vec<usize> = (0..truth.campaigns.len())
        .filter(|&i| truth.campaigns[i].first_post_at.is_some())
        .collect();
    if !with_posts.is_empty() {
        let found = with_posts
            .iter()
            .filter(|&&i| best_alert[i].is_some())
            .count();
        cm.recall = Some(found as f64 / with_posts.len() as f64);
    }
    let mut minutes = Vec::new();
    let mut posts = Vec::new();
    for &i in &with_posts {
        let (Some(alert), Some(first)) = (best_alert[i], &truth.campaigns[i].first_post_at) else {
            continue;
        };
        let Ok(first) = vigil_model::parse_timestamp(first) else {
            continue;
        };
        minutes.push((alert - first).max(0) as f64 / 60_000.0);
        let mut n = 0u64;
        for pid in &truth.campaigns[i].posts {
            if let Some(p) = store.post(pid)? {
                if p.created_at <= alert {
                    n += 1;
                }
            }
        }
        posts.push(n as f64);
    }
    cm.median_detect_minutes = median(minutes);
    cm.median_detect_posts = median(posts);

    // Coordination: pairs within some true cluster versus within some reported cluster.
    let mut idx: HashMap<String, u32> = HashMap::new();
    let id_of = |s: &str, idx: &mut HashMap<String, u32>| -> u32 {
        if let Some(&i) = idx.get(s) {
            return i;
        }
        let n = idx.len() as u32;
        idx.insert(s.to_string(), n);
        n
    };
    let mut truth_pairs: HashSet<(u32, u32)> = HashSet::new();
    for c in &truth.clusters {
        let mut m: Vec<u32> = c.members.iter().map(|s| id_of(s, &mut idx)).collect();
        m.sort_unstable();
        m.dedup();
        for a in 0..m.len() {
            for b in a + 1..m.len() {
                truth_pairs.insert((m[a], m[b]));
            }
        }
    }
    let clusters = store.clusters()?;
    let mut det_pairs: HashSet<(u32, u32)> = HashSet::new();
    for c in clusters.iter().filter(|c| c.reported) {
        let mut m: Vec<u32> = c.members.iter().map(|s| id_of(s, &mut idx)).collect();
        m.sort_unstable();
        m.dedup();
        for a in 0..m.len() {
            for b in a + 1..m.len() {
                det_pairs.insert((m[a], m[b]));
            }
        }
    }
    let tp = det_pairs.intersection(&truth_pairs).count() as f64;
    let mut co = CoordinationMetrics {
        true_pairs: truth_pairs.len() as u64,
        detected_pairs: det_pairs.len() as u64,
        ..Default::default()
    };
    if !det_pairs.is_empty() {
        co.precision = Some(tp / det_pairs.len() as f64);
    }
    if !truth_pairs.is_empty() {
        co.recall = Some(tp / truth_pairs.len() as f64);
    }
    if let (Some(p), Some(r)) = (co.precision, co.recall) {
        co.f1 = Some(if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        });
    }
    Ok((cm, co))
}
