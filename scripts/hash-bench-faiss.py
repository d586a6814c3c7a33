#!/usr/bin/env python3
"""faiss peer for the vigil-hash index benchmark (one thread).

Usage: hash-bench-faiss.py DUMPDIR RADIUS NQ_FLAT
DUMPDIR holds base.u8 (N x 32 bytes, row = id), queries.u8 and truth.tsv as written by
`hash-bench index ... DUMPDIR`. IndexBinaryMultiHash is configured as Meta's HMA does
(nhash=16, 16 bits per map, nflip = threshold // nhash); range_search radius is exclusive,
so it is called with RADIUS + 1 as HMA does.
"""
import os
import sys
import time

import faiss
import numpy as np


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def run(name, index, base, queries, truth, radius, nq):
    r0 = rss_mib()
    t0 = time.perf_counter()
    index.add(base)
    build = time.perf_counter() - t0
    mem = rss_mib() - r0
    q = queries[:nq]
    c0 = time.process_time()
    t0 = time.perf_counter()
    lims, D, I = index.range_search(q, radius + 1)
    el = time.perf_counter() - t0
    cpu = time.process_time() - c0
    found = 0
    for j in range(nq):
        ids = I[lims[j]:lims[j + 1]]
        if truth[j] in set(ids.tolist()):
            found += 1
    print("%s\tn=%d\tbuild_s=%.2f\tqps_wall=%.0f\tqps_cpu=%.0f\tus_per_query=%.1f\trecall=%.6f\tindex_rss_mib=%.0f\tqueries=%d"
          % (name, base.shape[0], build, nq / el, nq / max(cpu, 1e-9), 1e6 * el / nq, found / nq, mem, nq))
    sys.stdout.flush()


def main():
    d, radius, nq_flat = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    faiss.omp_set_num_threads(1)
    base = np.fromfile(os.path.join(d, "base.u8"), dtype=np.uint8).reshape(-1, 32)
    queries = np.fromfile(os.path.join(d, "queries.u8"), dtype=np.uint8).reshape(-1, 32)
    truth = [int(l.split("\t")[1]) for l in open(os.path.join(d, "truth.tsv"))]
    mh = faiss.IndexBinaryMultiHash(256, 16, 16)
    mh.nflip = radius // 16
    run("faiss-IndexBinaryMultiHash(HMA)", mh, base, queries, truth, radius, len(truth))
    del mh
    run("faiss-IndexBinaryFlat", faiss.IndexBinaryFlat(256), base, queries, truth, radius, min(nq_flat, len(truth)))


if __name__ == "__main__":
    main()
