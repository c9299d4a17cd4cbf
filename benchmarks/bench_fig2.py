"""Benchmark: Figure 2 sweep throughput, per-configuration route vs the batched route.

The four full Figure 2 panels (18,130 configurations, 18.13 M certified layer-1
ranks: points x networks) are computed by the batched route
(:func:`topodestruct.experiments.fig2.evaluate_many`, runs of ``--batch``
consecutive configurations as the sweep sends them) *completely*, so its time
is measured, not extrapolated.  The per-configuration route
(:func:`~topodestruct.experiments.fig2.evaluate`, one ``rank_decomposition``
per network) is timed on ``--old-per-batch`` configurations of every
``--old-every``-th batch,
right after that batch (the routes alternate in one process, so load drifts hit
both), and its panel time is extrapolated from the per-configuration median
of each (m, n1) group.  Records are compared on every configuration the old
route computed.

Usage::

    PYTHONPATH=. python benchmarks/bench_fig2.py [--quick] [--panels fig2a fig2b ...]
        [--batch 64] [--old-every 1] [--old-per-batch 1]

``--quick`` runs the quick sweeps (seconds).  The machine is shared: wall times
depend on the load (printed before and after); the CPU seconds of this process
(``time.process_time``) are printed beside them.  The last lines state the
goals: ``goal ...: MET`` or ``goal ...: NOT MET``.
"""
import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

GOAL_SECONDS = 120.0      # issue 14: the four full panels within 2 minutes


def goal_line(goal, measured, target, unit="s"):
    """``goal <goal> <= <target>: MET|NOT MET (measured ...)``.

    >>> goal_line("four full panels", 95.04, 120)
    'goal four full panels <= 120s: MET (measured 95.0s)'
    >>> goal_line("four full panels", 130.0, 120)
    'goal four full panels <= 120s: NOT MET (measured 130.0s)'
    """
    verdict = "MET" if measured <= target else "NOT MET"
    return f"goal {goal} <= {target:g}{unit}: {verdict} (measured {measured:.1f}{unit})"


def load():
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _args():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the quick sweeps")
    ap.add_argument("--panels", nargs="+", default=None)
    ap.add_argument("--batch", type=int, default=64, help="configurations per batched call")
    ap.add_argument("--old-every", type=int, default=1,
                    help="time the old route on configurations of every n-th batch")
    ap.add_argument("--old-per-batch", type=int, default=None,
                    help="configurations of such a batch the old route computes "
                         "(default 1; --quick: 16)")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args()


def run_panel(panel, args, rng):
    import numpy as np

    from topodestruct.experiments import fig2

    configs = fig2.panel_configs(panel, quick=args.quick, seed=args.seed)
    items = [(c, fig2.config_seed(c)) for c in configs]
    batches = [items[s:s + args.batch] for s in range(0, len(items), args.batch)]
    new_wall = new_cpu = 0.0
    old = {}                      # (m, n1) -> per-configuration seconds
    equal, compared = True, 0
    for b, batch in enumerate(batches):
        w, c = time.perf_counter(), time.process_time()
        results = fig2.evaluate_many(batch)
        new_wall += time.perf_counter() - w
        new_cpu += time.process_time() - c
        if b % args.old_every == 0:
            for i in rng.choice(len(batch), min(args.old_per_batch, len(batch)), replace=False):
                params, seed = batch[i]
                w, c = time.perf_counter(), time.process_time()
                ref = fig2.evaluate(params, seed)
                old.setdefault((params["m"], params["n1"]), []).append(
                    (time.perf_counter() - w, time.process_time() - c))
                equal &= ref == results[i]
                compared += 1
    groups = {}
    for params, _ in items:
        key = (params["m"], params["n1"])
        groups[key] = groups.get(key, 0) + 1
    covered = sum(n for key, n in groups.items() if key in old)
    # per group: n x the median per-configuration time; groups without a sample: the mean
    old_wall, old_cpu = (sum(n * float(np.median([t[j] for t in old[key]]))
                             for key, n in groups.items() if key in old)
                         * len(items) / max(covered, 1) for j in (0, 1))
    ranks = sum(p["n_points"] for p, _ in items)
    return dict(panel=panel, configs=len(items), ranks=ranks, old=old_wall, old_cpu=old_cpu,
                new=new_wall, cpu=new_cpu, equal=equal, compared=compared)


def main():
    args = _args()
    import numpy as np
    import torch

    from topodestruct.experiments import fig2

    torch.set_num_threads(1)
    if args.old_per_batch is None:
        args.old_per_batch = 16 if args.quick else 1
    panels = args.panels or list(fig2.PANELS)
    print(f"bench_fig2 ({'quick' if args.quick else 'full'} panels {', '.join(panels)}; "
          f"batch {args.batch}, old route on {args.old_per_batch} configuration(s) of every "
          f"{args.old_every} batch(es)); {load()}", flush=True)
    warm = fig2.panel_configs("fig2d", quick=True)[:2]          # compile / import once
    fig2.evaluate_many([(c, fig2.config_seed(c)) for c in warm])
    for c in warm:
        fig2.evaluate(c, fig2.config_seed(c))
    rng = np.random.default_rng(args.seed)
    rows = []
    for panel in panels:
        rows.append(run_panel(panel, args, rng))
        r = rows[-1]
        print(f"  {panel}: batched {r['new']:.1f} s wall; {load()}", flush=True)
    head = (f"{'panel':<7}{'configs':>8}{'ranks':>12}{'old s':>9}{'new s':>8}{'speed-up':>9}"
            f"{'old CPU s':>11}{'new CPU s':>11}{'speed-up':>9}{'ranks/CPU s':>13}{'equal':>11}")
    print("\n" + head + "\n" + "-" * len(head))
    total_row = dict(panel="total", equal=all(x["equal"] for x in rows),
                     **{k: sum(x[k] for x in rows)
                        for k in ("configs", "ranks", "old", "old_cpu", "new", "cpu",
                                  "compared")})
    for r in rows + [total_row]:
        eq = f"{'yes' if r['equal'] else 'NO'} ({r['compared']})"
        print(f"{r['panel']:<7}{r['configs']:>8}{r['ranks']:>12,}{r['old']:>9.0f}"
              f"{r['new']:>8.1f}{r['old'] / r['new']:>8.1f}x{r['old_cpu']:>11.0f}"
              f"{r['cpu']:>11.1f}{r['old_cpu'] / r['cpu']:>8.1f}x"
              f"{r['ranks'] / r['cpu']:>13,.0f}{eq:>11}")
    total = sum(r["new"] for r in rows)
    print(f"\n{load()}; one process, one thread; old s: extrapolated from the sampled "
          "configurations; 'equal': records of both routes identical on (n) configurations")
    scope = "four full panels" if not args.quick and len(panels) == 4 else \
        f"{'quick' if args.quick else 'full'} panels {'+'.join(panels)}"
    print(goal_line(f"{scope}, batched route, wall", total, GOAL_SECONDS))
    print(goal_line(f"{scope}, batched route, CPU", sum(r["cpu"] for r in rows), GOAL_SECONDS))
    print(f"goal records identical: {'MET' if all(r['equal'] for r in rows) else 'NOT MET'}")


if __name__ == "__main__":
    main()
