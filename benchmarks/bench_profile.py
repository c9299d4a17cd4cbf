"""Timings of td.profile and of the Naitzat reproduction (issue 17's performance targets).

    python benchmarks/bench_profile.py                       # torus profile only
    python benchmarks/bench_profile.py --exact               # exact route at every layer
    python benchmarks/bench_profile.py --exact --budget 600  # ... stopping after 600 s
    python benchmarks/bench_profile.py --exact --layer-jobs 2  # layers two at a time (2 cores)
    python benchmarks/bench_profile.py --naitzat DIR         # + D-II --quick (5 models)
    python benchmarks/bench_profile.py --naitzat DIR --full  # + D-II, all 30 models

Targets: a 9-layer profile of a 1600-triangle torus under a 3-25-...-25 network in under a
minute; D-II --quick under 5 minutes, full under 30.  Reports wall and CPU (user) time:
on a shared machine the wall time depends on the load.
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

# the code of this checkout first, not the installed one's
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")


def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)       # forked layer workers
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def timed(label, fn):
    t0, c0 = time.perf_counter(), _cpu()
    out = fn()
    print(f"{label}: wall {time.perf_counter() - t0:.1f} s, cpu {_cpu() - c0:.1f} s")
    return out


def main():
    import topodestruct as td

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naitzat", help="Naitzat dataset folder (data/, models/)")
    parser.add_argument("--full", action="store_true", help="all models, not --quick")
    parser.add_argument("--exact", action="store_true",
                        help="exact image homology and quotient at every layer (exact=True)")
    parser.add_argument("--budget", type=float, default=None,
                        help="with --exact: the exact route's seconds (budget_s); past it the "
                             "profile falls back and says at which layer")
    parser.add_argument("--layer-jobs", type=int, default=1,
                        help="with --exact: layers computed at once in forked processes "
                             "(td.profile's n_jobs; default 1, one core)")
    args = parser.parse_args()

    T = td.complexes.torus(20, 40)                       # 800 vertices, 1600 triangles
    net = td.networks.mlp([3] + [25] * 9, random_state=0)
    t0 = time.perf_counter()
    prof = timed(f"profile torus {T.f_vector}, 3-25x9{' exact' if args.exact else ''}",
                 # with a budget: exact=None, so the layers past it fall back and say why
                 lambda: td.profile(net, T, exact=True if args.exact and args.budget is None
                                    else None,
                                    budget_s=args.budget if args.exact else None,
                                    n_jobs=args.layer_jobs))
    wall = time.perf_counter() - t0
    print(prof)
    exact_layers = [r["layer"] for r in prof.rows if r["image_homology"] is not None]
    print(f"layers with the exact image: {exact_layers}; stopped: {prof.info.get('exact_stopped')}")
    print(f"goal 9-layer torus profile < 60 s: {'MET' if wall < 60 else 'NOT MET'} ({wall:.1f} s)")
    if args.exact:
        done = len(exact_layers) == len(prof.rows)
        # this process's peak plus the largest worker's (--layer-jobs): both at once at most
        peak = sum(resource.getrusage(who).ru_maxrss
                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 2 ** 20
        print(f"goal (issue 23) exact at every layer in < 120 s: "
              f"{'MET' if done and wall < 120 else 'NOT MET'} ({wall:.1f} s, exact at "
              f"{len(exact_layers)} of {len(prof.rows)} rows, peak memory {peak:.2f} GB)")
    if args.naitzat:
        from topodestruct.experiments.naitzat import reproduce_naitzat

        with tempfile.TemporaryDirectory() as out:
            timed(f"reproduce naitzat D-II {'full' if args.full else '--quick'}",
                  lambda: reproduce_naitzat(args.naitzat, "D-II", quick=not args.full,
                                            out=out, progress=False))


if __name__ == "__main__":
    main()
