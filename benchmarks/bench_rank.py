"""Benchmark: certified rank decomposition vs the naive per-point Jacobian route.

Network 784-2000-1000-500-100 (Kaiming init, the paper's MNIST shape), 2000
inputs (MNIST test images when the data folder exists, else Gaussian).

Naive route: for each point, ``torch.func.jacrev`` of the layer-K output
(post-ReLU) w.r.t. the input, then ``torch.linalg.matrix_rank`` (its default
tolerance); "layer 4" = the last layer only, "all layers" = one Jacobian and
one rank per layer.  The naive route is slow, so it is timed on a subset of
``--naive-points`` points and its throughput extrapolated; the answers are
compared point by point on that subset.

Usage::

    PYTHONPATH=. python benchmarks/bench_rank.py [--quick] [--threads 1]
        [--mnist DIR] [--points 2000] [--naive-points 40] [--repeat 5] [--repeat-all 1]

The machine's speed drifts, so the two routes alternate: each round times the
naive route, then topodestruct's, and gives its own throughput ratio; the table
shows median times and the speed-up the median ratio (warm-up runs excluded).
Each goal ends in one line ``goal ...: MET`` or ``goal ...: NOT MET``.
``--threads n`` also gives ``rank_decomposition`` ``n_jobs=n`` workers.

The MNIST folder defaults to ``$TOPODESTRUCT_MNIST`` or else
``<repository>/../shared/data/mnist``.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run (200 points, 10 naive)")
    ap.add_argument("--threads", type=int, default=1, help="torch/BLAS threads (default 1)")
    ap.add_argument("--points", type=int, default=2000)
    ap.add_argument("--naive-points", type=int, default=40)
    ap.add_argument("--mnist", default=os.environ.get(
        "TOPODESTRUCT_MNIST", str(ROOT.parent / "shared" / "data" / "mnist")))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5,
                    help="alternating rounds naive/ours for layer 4 (default 5)")
    ap.add_argument("--repeat-all", type=int, default=1,
                    help="alternating rounds for all layers (default 1: ~80 s each; 0 skips)")
    a = ap.parse_args()
    if a.quick:
        a.points, a.naive_points, a.repeat = 200, 10, 2
    return a


def goal_line(goal, measured, target, unit="x"):
    """``goal <goal> >= <target>: MET|NOT MET (measured ...)``, one line per goal.

    >>> goal_line("speed-up, layer 4", 23.04, 20)
    'goal speed-up, layer 4 >= 20x: MET (measured 23.0x)'
    >>> goal_line("speed-up, layer 4", 12.0, 20)
    'goal speed-up, layer 4 >= 20x: NOT MET (measured 12.0x)'
    """
    verdict = "MET" if measured >= target else "NOT MET"
    return f"goal {goal} >= {target:g}{unit}: {verdict} (measured {measured:.1f}{unit})"


def agreement_line(what, agree):
    """``goal <what>: MET|NOT MET``."""
    return f"goal {what}: {'MET' if agree else 'NOT MET'}"


def main():
    a = _args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(a.threads))      # before numpy loads its BLAS
    import numpy as np
    import torch

    torch.set_num_threads(a.threads)
    import topodestruct as td
    from topodestruct.datasets.mnist import load_mnist
    from topodestruct.relu.forward import activation_patterns
    from topodestruct.relu.parse import parse_network

    widths = [784, 2000, 1000, 500, 100]
    net = td.networks.mlp(widths, init="kaiming", random_state=a.seed)
    try:
        X = load_mnist(a.mnist, kind="test")[0][:a.points]
        source = f"MNIST test images ({a.mnist})"
    except FileNotFoundError:
        X = np.random.default_rng(a.seed).normal(size=(a.points, 784)).astype(np.float32)
        source = "Gaussian N(0, 1) inputs (MNIST not found)"
    Xt = torch.as_tensor(X, dtype=torch.float32)
    N, n_naive = len(X), min(a.naive_points, len(X))
    print(f"network {'-'.join(map(str, widths))}, {N} points: {source}; "
          f"torch threads {a.threads}; naive route on the first {n_naive} points; "
          f"medians over alternating rounds (layer 4: {a.repeat}, all layers: {a.repeat_all})")

    def prefix(K):
        return torch.nn.Sequential(*list(net)[:2 * K])

    def naive(Ks, pts):
        out = np.zeros((len(pts), len(Ks)), dtype=int)
        fs = [prefix(K) for K in Ks]
        for i, x in enumerate(pts):
            for c, f in enumerate(fs):
                J = torch.func.jacrev(f)(x)
                out[i, c] = int(torch.linalg.matrix_rank(J))
        return out

    sub = Xt[:n_naive]
    rows = []
    td.rank_decomposition(net, Xt[:2])   # warm-up: imports, inverse table
    with torch.no_grad():
        t0 = time.perf_counter()
        layers, _ = parse_network(net)
        activation_patterns(layers, Xt)
        t_cw = time.perf_counter() - t0
    rows.append(("codeword pass (all layers)", N, t_cw, None))

    def paired(f_naive, f_ours, rounds):
        """Alternate the routes ``rounds`` times (the machine's speed drifts, so each
        round gives its own throughput ratio); median times and ratios."""
        tn, to, ratio = [], [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            out_n = f_naive()
            tn.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            out_o = f_ours()
            to.append(time.perf_counter() - t0)
            ratio.append((N / to[-1]) / (n_naive / tn[-1]))
        return float(np.median(tn)), float(np.median(to)), ratio, out_n, out_o

    naive([4], sub[:2])
    naive([1, 2, 3, 4], sub[:1])                # warm-up of the naive routes too
    t_n4, t_l4, ratios4, naive4, rd_l4 = paired(
        lambda: naive([4], sub),
        lambda: td.rank_decomposition(net, Xt, layers=[4], n_jobs=a.threads), a.repeat)
    rows += [("naive jacrev+matrix_rank, layer 4", n_naive, t_n4, None),
             ("topodestruct certified, layer 4", N, t_l4, None)]
    agree4 = np.array_equal(naive4[:, 0], rd_l4.ranks[:n_naive, 3])
    rd4 = None
    if a.repeat_all > 0:
        t_nall, t_all, ratios_all, naive_all, rd4 = paired(
            lambda: naive([1, 2, 3, 4], sub),
            lambda: td.rank_decomposition(net, Xt, n_jobs=a.threads),
            a.repeat_all)
        rows += [("naive jacrev+matrix_rank, layers 1-4", n_naive, t_nall, None),
                 ("topodestruct certified, layers 1-4", N, t_all, None)]
        agree4 = agree4 and np.array_equal(rd_l4.ranks[:, 3], rd4.ranks[:, 3])
        agree_all = np.array_equal(naive_all, rd4.ranks[:n_naive])
    print()
    print(f"{'route':42s} {'points':>7s} {'seconds':>9s} {'points/s':>10s}")
    for name, n, sec, _ in rows:
        print(f"{name:42s} {n:7d} {sec:9.2f} {n / sec:10.2f}")
    print()

    def ratio_line(label, ratios, goal):
        r = np.array(ratios)
        spread = f" (rounds: {', '.join(f'{x:.1f}' for x in r)})" if len(r) > 1 else ""
        print(f"speed-up, {label}: {np.median(r):.1f}x, median of {len(r)} alternating "
              f"round(s){spread} (goal >= {goal}x)")
        goals.append(goal_line(f"speed-up, {label}", float(np.median(r)), goal))

    goals = []

    ratio_line("layer 4", ratios4, 20)
    if rd4 is None:
        print(f"certified (layer 4): {rd_l4.certified[:, 3].mean() * 100:.2f}% of points; "
              f"agreement with naive on {n_naive} points: {agree4}")
        goals.append(agreement_line(f"layer-4 ranks agree with the naive route on {n_naive} "
                                    "points", agree4))
        print("\n".join(goals))
        return
    ratio_line("layers 1-4", ratios_all, 10)
    print(f"certified: {rd4.certified.mean() * 100:.2f}% of (point, layer) pairs; "
          f"uncertain codewords: {int(rd4.uncertain_codewords.any(1).sum())} points")
    print(f"agreement with naive on {n_naive} points: layer 4 {agree4}, layers 1-4 {agree_all}")
    if not agree_all:
        bad = np.argwhere(naive_all != rd4.ranks[:n_naive])
        print("  disagreements (point, layer, naive, ours):",
              [(int(i), int(k) + 1, int(naive_all[i, k]), int(rd4.ranks[i, k]))
               for i, k in bad[:10]])
    print("rank summary:", rd4.summary())
    goals.append(agreement_line(f"ranks agree with the naive route on {n_naive} points "
                                "(layer 4 and layers 1-4)", agree4 and agree_all))
    print()
    print("\n".join(goals))


if __name__ == "__main__":
    main()
