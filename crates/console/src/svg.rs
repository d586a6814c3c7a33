//! Server-side drawings as inline SVG: the campaign timeline (volume bars, participants line)
//! and the network of a coordinated cluster with a deterministic force layout.

use crate::view::{enc, when};
use maud::{html, Markup};

/// One time bucket of a campaign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub start: i64,
    pub posts: u64,
    pub participants: u64,
}

/// Volume as bars and distinct participants as a line, with the first and last times labelled.
pub fn timeline(b: &[Bucket]) -> Markup {
    let (w, h, pad) = (800.0f64, 200.0f64, 24.0f64);
    let max = b
        .iter()
        .map(|x| x.posts.max(x.participants))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = b.len().max(1) as f64;
    let bw = (w - 2.0 * pad) / n;
    let y = |v: u64| h - pad - (v as f64 / max) * (h - 2.0 * pad);
    let line: Vec<String> = b
        .iter()
        .enumerate()
        .map(|(i, x)| {
            format!(
                "{:.1},{:.1}",
                pad + bw * (i as f64 + 0.5),
                y(x.participants)
            )
        })
        .collect();
    html! {
        svg.chart viewBox=(format!("0 0 {w} {h}")) xmlns="http://www.w3.org/2000/svg" role="img" aria-label="timeline" {
            line x1=(pad) y1=(h - pad) x2=(w - pad) y2=(h - pad) stroke="#999" {}
            @for (i, x) in b.iter().enumerate() {
                rect.bar x=(format!("{:.1}", pad + bw * i as f64)) y=(format!("{:.1}", y(x.posts)))
                    width=(format!("{:.2}", (bw - 1.0).max(0.5))) height=(format!("{:.1}", h - pad - y(x.posts))) {
                    title { (when(x.start)) ": " (x.posts) " posts, " (x.participants) " participants" }
                }
            }
            @if !line.is_empty() { polyline.bar2 points=(line.join(" ")) {} }
            text x=(pad) y="14" { "max " (max as u64) }
            @if let (Some(f), Some(l)) = (b.first(), b.last()) {
                text x=(pad) y=(h - 6.0) { (when(f.start)) }
                text x=(w - pad) y=(h - 6.0) text-anchor="end" { (when(l.start)) }
            }
        }
    }
}

/// A node of the network drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    /// A CSS class: `role-seed`, `role-amplifier`, `role-member`, or `r0`..`r3` by risk.
    pub class: String,
    pub label: String,
}

fn seed_of(s: &str) -> u64 {
    // FNV-1a: a stable starting position per node, so the layout is deterministic.
    let mut h = 0xcbf29ce484222325u64;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Fruchterman–Reingold positions in the unit square, deterministic for the same input.
pub fn layout(n: usize, edges: &[(usize, usize)], ids: &[String], iters: usize) -> Vec<(f64, f64)> {
    let mut p: Vec<(f64, f64)> = ids
        .iter()
        .map(|s| {
            let h = seed_of(s);
            (
                (h & 0xffff) as f64 / 65535.0,
                ((h >> 16) & 0xffff) as f64 / 65535.0,
            )
        })
        .collect();
    if n < 2 {
        return vec![(0.5, 0.5); n];
    }
    let k = (1.0 / n as f64).sqrt();
    let mut temp = 0.05;
    let mut d = vec![(0.0f64, 0.0f64); n];
    for _ in 0..iters {
        d.iter_mut().for_each(|x| *x = (0.0, 0.0));
        for i in 0..n {
            for j in (i + 1)..n {
                let (dx, dy) = (p[i].0 - p[j].0, p[i].1 - p[j].1);
                let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
                let f = k * k / dist;
                let (fx, fy) = (dx / dist * f, dy / dist * f);
                d[i].0 += fx;
                d[i].1 += fy;
                d[j].0 -= fx;
                d[j].1 -= fy;
            }
        }
        for &(a, b) in edges {
            let (dx, dy) = (p[a].0 - p[b].0, p[a].1 - p[b].1);
            let dist = (dx * dx + dy * dy).sqrt().max(1e-4);
            let f = dist * dist / k;
            let (fx, fy) = (dx / dist * f, dy / dist * f);
            d[a].0 -= fx;
            d[a].1 -= fy;
            d[b].0 += fx;
            d[b].1 += fy;
        }
        for i in 0..n {
            // Gravity toward the centre keeps disconnected parts on the canvas.
            d[i].0 -= (p[i].0 - 0.5) * 2.0 * k;
            d[i].1 -= (p[i].1 - 0.5) * 2.0 * k;
            let len = (d[i].0 * d[i].0 + d[i].1 * d[i].1).sqrt().max(1e-9);
            let step = len.min(temp);
            p[i].0 += d[i].0 / len * step;
            p[i].1 += d[i].1 / len * step;
        }
        temp *= 0.96;
    }
    // Fit the drawing to the unit square.
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &p {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let (w, h) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
    p.iter()
        .map(|&(x, y)| {
            (
                ((x - x0) / w).clamp(0.0, 1.0),
                ((y - y0) / h).clamp(0.0, 1.0),
            )
        })
        .collect()
}

/// The drawing: edges, then nodes linking to their account pages.
pub fn network(nodes: &[Node], edges: &[(usize, usize)]) -> Markup {
    let ids: Vec<String> = nodes.iter().map(|n| n.id.clone()).collect();
    let pos = layout(nodes.len(), edges, &ids, 120);
    let (w, h, pad) = (800.0, 600.0, 20.0);
    let at = |i: usize| {
        (
            pad + pos[i].0 * (w - 2.0 * pad),
            pad + pos[i].1 * (h - 2.0 * pad),
        )
    };
    html! {
        svg.net viewBox=(format!("0 0 {w} {h}")) xmlns="http://www.w3.org/2000/svg" role="img" aria-label="network" {
            @for &(a, b) in edges {
                @let ((x1, y1), (x2, y2)) = (at(a), at(b));
                line.edge x1=(format!("{x1:.1}")) y1=(format!("{y1:.1}")) x2=(format!("{x2:.1}")) y2=(format!("{y2:.1}")) {}
            }
            @for (i, n) in nodes.iter().enumerate() {
                @let (x, y) = at(i);
                a href=(format!("/account?id={}", enc(&n.id))) {
                    circle class=(format!("node {}", n.class)) cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="6" {
                        title { (n.label) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_deterministic_and_bounded() {
        let ids: Vec<String> = (0..30).map(|i| format!("twitter:{i}")).collect();
        let edges: Vec<(usize, usize)> = (1..30).map(|i| (0, i)).collect();
        let a = layout(30, &edges, &ids, 50);
        let b = layout(30, &edges, &ids, 50);
        assert_eq!(a, b);
        assert!(a
            .iter()
            .all(|(x, y)| (0.0..=1.0).contains(x) && (0.0..=1.0).contains(y)));
        assert_eq!(layout(1, &[], &ids[..1], 10), vec![(0.5, 0.5)]);
    }
}
