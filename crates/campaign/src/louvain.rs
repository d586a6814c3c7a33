//! Louvain community detection (Blondel et al. 2008) on a weighted undirected graph:
//! local moving by modularity gain, then aggregation, repeated until nothing moves.
//! Deterministic: nodes are visited in index order and ties keep the lower community.

/// Communities of `n` nodes given undirected weighted edges (u, v, w), u != v.
/// Returns a community label per node (labels are 0..k, ordered by smallest member).
pub fn louvain(n: usize, edges: &[(u32, u32, f64)]) -> Vec<u32> {
    let mut labels: Vec<u32> = (0..n as u32).collect();
    if n == 0 || edges.is_empty() {
        return labels;
    }
    // Current level graph: adjacency with self-loop weights.
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    let mut selfw = vec![0f64; n];
    for &(u, v, w) in edges {
        if u == v || w <= 0.0 || !w.is_finite() {
            continue;
        }
        adj[u as usize].push((v, w));
        adj[v as usize].push((u, w));
    }
    for _level in 0..32 {
        let m = adj.len();
        let deg: Vec<f64> = (0..m)
            .map(|i| adj[i].iter().map(|e| e.1).sum::<f64>() + 2.0 * selfw[i])
            .collect();
        let two_m: f64 = deg.iter().sum();
        if two_m <= 0.0 {
            break;
        }
        let mut comm: Vec<u32> = (0..m as u32).collect();
        let mut tot: Vec<f64> = deg.clone();
        let mut moved_any = false;
        // Weight from node i to each neighbouring community: a dense array indexed by
        // community plus the list of communities touched (no hashing per edge).
        let mut neigh_w = vec![0f64; m];
        let mut mark = vec![false; m];
        let mut touched: Vec<u32> = Vec::new();
        for _pass in 0..64 {
            let mut moved = 0usize;
            for i in 0..m {
                let ci = comm[i];
                for &c in &touched {
                    neigh_w[c as usize] = 0.0;
                    mark[c as usize] = false;
                }
                touched.clear();
                for &(j, w) in &adj[i] {
                    let c = comm[j as usize];
                    if !mark[c as usize] {
                        mark[c as usize] = true;
                        touched.push(c);
                    }
                    neigh_w[c as usize] += w;
                }
                let ki = deg[i];
                tot[ci as usize] -= ki;
                let k_i_in_own = neigh_w[ci as usize];
                let mut best = ci;
                let mut best_gain = k_i_in_own - tot[ci as usize] * ki / two_m;
                touched.sort_unstable();
                for &c in &touched {
                    let w = neigh_w[c as usize];
                    let gain = w - tot[c as usize] * ki / two_m;
                    if gain > best_gain + 1e-12 {
                        best_gain = gain;
                        best = c;
                    }
                }
                tot[best as usize] += ki;
                if best != ci {
                    comm[i] = best;
                    moved += 1;
                    moved_any = true;
                }
            }
            if moved == 0 {
                break;
            }
        }
        // Renumber communities in order of first appearance (labels are < m: a vector).
        let k = renumber(&mut comm, m);
        for l in labels.iter_mut() {
            *l = comm[*l as usize];
        }
        if !moved_any {
            break;
        }
        // Aggregate: the edges between communities, gathered in visiting order and stably
        // sorted, so each pair's weights are summed in the same order as they were met.
        let mut aself = vec![0f64; k];
        let mut between: Vec<(u32, u32, f64)> = Vec::new();
        for i in 0..m {
            let ci = comm[i];
            aself[ci as usize] += selfw[i];
            for &(j, w) in &adj[i] {
                let cj = comm[j as usize];
                if cj == ci {
                    // Each internal edge is seen from both ends.
                    aself[ci as usize] += w / 2.0;
                } else {
                    between.push((ci, cj, w));
                }
            }
        }
        between.sort_by_key(|e| (e.0, e.1));
        let mut next: Vec<Vec<(u32, f64)>> = vec![Vec::new(); k];
        for (ci, cj, w) in between {
            let row = &mut next[ci as usize];
            match row.last_mut() {
                Some(last) if last.0 == cj => last.1 += w,
                _ => row.push((cj, 0.0 + w)),
            }
        }
        adj = next;
        selfw = aself;
        if k == m {
            break;
        }
    }
    // Canonical labels: ordered by smallest member.
    renumber(&mut labels, n);
    labels
}

/// Renumber labels (each < `bound`) 0.. in order of first appearance; returns how many.
fn renumber(labels: &mut [u32], bound: usize) -> usize {
    let mut remap = vec![u32::MAX; bound];
    let mut k = 0u32;
    for l in labels.iter_mut() {
        let r = &mut remap[*l as usize];
        if *r == u32::MAX {
            *r = k;
            k += 1;
        }
        *l = *r;
    }
    k as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cliques_joined_by_one_edge_split() {
        let mut e = Vec::new();
        for a in 0..5u32 {
            for b in a + 1..5 {
                e.push((a, b, 1.0));
                e.push((a + 5, b + 5, 1.0));
            }
        }
        e.push((0, 5, 0.1));
        let l = louvain(11, &e);
        assert!(l[..5].iter().all(|&x| x == l[0]));
        assert!(l[5..10].iter().all(|&x| x == l[5]));
        assert_ne!(l[0], l[5]);
        assert_ne!(l[10], l[0]);
        assert_ne!(l[10], l[5]);
    }

    #[test]
    fn empty_and_degenerate_graphs() {
        assert!(louvain(0, &[]).is_empty());
        assert_eq!(louvain(3, &[(0, 0, 1.0), (1, 2, f64::NAN)]), vec![0, 1, 2]);
    }
}
