"""Exact 9-layer profiles of the trained D-I networks: time and memory per model (issue 23).

    python benchmarks/bench_naitzat_exact.py --data ../shared/data/naitzat            # 60 models
    python benchmarks/bench_naitzat_exact.py --data ../shared/data/naitzat --quick    # 2 models

Each model runs in its own process (its peak resident memory is that process's), on the
alpha complex of the correctly classified test points of the class, as
``reproduce naitzat --exact`` builds it.  Records go to --out (JSONL, resumable: models
already there are read back).  Goals: every model's exact profile completes, each in at
most 120 s when run alone, peak memory under 4 GB; prints median and maximum per class and
MET / NOT MET.  On a shared machine the wall time depends on the load: the CPU time is
printed beside it; ``--repeat N`` runs each model N times, one after the other, and
records the median (this machine's run-to-run spread alone is about 10 %, as large as the
gap to the goal on the slowest models).  ``--summary FILE`` writes the per-model table of
every record in --out (markdown) after the run; with ``--models none`` nothing is run.
``--layer-jobs 2`` computes each profile's layers two at a time in forked processes (both
cores of this machine; the peak then adds the largest worker's to the parent's, and the
CPU time both): records say ``layer_jobs``, so keep its runs in their own --out.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

CHILD = r"""
import json, resource, sys, tempfile, time
from topodestruct.experiments.naitzat import reproduce_naitzat
import pathlib
model, cls, data, budget = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
keep = sys.argv[5] if len(sys.argv) > 5 else ""
layer_jobs = int(sys.argv[6]) if len(sys.argv) > 6 else 1
t0 = time.perf_counter()
with tempfile.TemporaryDirectory() as out:
    run = reproduce_naitzat(data, "D-I", cls=cls, models=model, out=out, exact=True,
                            progress=False, log=lambda *a, **k: None,
                            budget_s=budget if budget > 0 else None, layer_jobs=layer_jobs)
    rec = run["records"][-1]["result"]
    if keep:  # the model's record, where `reproduce naitzat --exact --out KEEP` resumes from it
        pathlib.Path(keep).mkdir(parents=True, exist_ok=True)
        with open(pathlib.Path(keep) / "naitzat-D-I.jsonl", "a") as f:
            for p in pathlib.Path(out).glob("*.jsonl"):
                f.write(p.read_text())
r = resource.getrusage(resource.RUSAGE_SELF)
c = resource.getrusage(resource.RUSAGE_CHILDREN)     # forked layer workers (--layer-jobs)
# peak: this process's, plus the largest worker's (an upper bound of both at once)
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "cpu": r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime,
                  "peak_gb": (r.ru_maxrss + c.ru_maxrss) / 2 ** 20,
                  "exact_stopped": rec["exact_stopped"],
                  "image": [row["image_homology"] for row in rec["rows"]]}))
"""

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", default="results/bench-naitzat-exact.jsonl")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--models", default="",
                    help="comma-separated model numbers to run, in this order (default: 0-29 of "
                         "class 1, then of class 0); two runs on disjoint lists share --out")
    ap.add_argument("--cls", type=int, default=None, help="with --models: the class (default 1)")
    ap.add_argument("--keep", default="",
                    help="folder that collects the models' records (naitzat-D-I.jsonl): "
                         "`reproduce naitzat --exact --budget B --out KEEP` then summarises "
                         "them without recomputing")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per model (killed)")
    ap.add_argument("--budget", type=float, default=0,
                    help="exact route's time per model (reproduce_naitzat budget_s; 0: none): "
                         "a model past it records the layer it reached")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per model; the record keeps each run's wall and CPU seconds "
                         "and their medians (the goal is judged on the median)")
    ap.add_argument("--layer-jobs", type=int, default=1,
                    help="layers of each profile computed at once in forked processes "
                         "(reproduce_naitzat layer_jobs; default 1: the single-core figure)")
    ap.add_argument("--summary", default="",
                    help="markdown file for the table of every record in --out")
    args = ap.parse_args(argv)
    jobs = [(1, m) for m in (0, 1)] if args.quick else \
        [(c, m) for c in (1, 0) for m in range(30)]
    if args.models == "none":
        jobs = []
    elif args.models:
        jobs = [(1 if args.cls is None else args.cls, int(m)) for m in args.models.split(",")]
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = {}
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done[(r["class"], r["model"])] = r
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    commit = _commit()
    for cls, m in jobs:
        if (cls, m) in done:
            continue
        rec = _median([_run_child(args, cls, m, env, k == 0) for k in range(args.repeat)])
        rec.update({"class": cls, "model": m, "commit": commit, "budget_s": args.budget,
                    "layer_jobs": args.layer_jobs})
        done[(cls, m)] = rec
        with out.open("a") as f:
            f.write(json.dumps(rec) + "\n")
        runs = f" (median of {rec['runs_s']})" if "runs_s" in rec else ""
        print(f"class {cls} model {m}: " + (f"{rec['seconds']:.0f} s{runs} "
                                            f"(cpu {rec['cpu']:.0f} s), "
              f"peak {rec['peak_gb']:.2f} GB" + (f"; {rec['exact_stopped']}" if
                                                  rec["exact_stopped"] else "")
              if "seconds" in rec else rec["error"]), flush=True)
    report(done, jobs or sorted(done))
    if args.summary:
        pathlib.Path(args.summary).write_text(summary(done, " ".join(sys.argv[1:])))


def _run_child(args, cls, m, env, keep):
    """One model's exact profile in a fresh process: its record, or ``{"error": ...}``."""
    try:
        # the child runs in the package's own root and gets absolute paths: with `-c`,
        # its current folder comes first on sys.path, and a run started from another
        # checkout imported that checkout's (changing) code, not the commit recorded
        p = subprocess.run([sys.executable, "-c", CHILD, f"D-I_model_{m}.pth", str(cls),
                            str(pathlib.Path(args.data).resolve()), str(args.budget),
                            str(pathlib.Path(args.keep).resolve()) if args.keep and keep
                            else "", str(args.layer_jobs)],
                           capture_output=True, text=True, timeout=args.timeout, env=env,
                           cwd=_package_root())
        return json.loads(p.stdout.strip().splitlines()[-1]) if p.returncode == 0 else \
            {"error": p.stderr.strip().splitlines()[-1:]}
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {args.timeout:g} s"}


def _median(runs):
    """One record from repeated runs of a model: the first run's, with the median wall and
    CPU seconds and the largest peak (each run's in ``runs_s``); an error if any run failed
    or the runs disagree on the exact homology (they compute the same thing).

    >>> _median([{"seconds": 3.0, "cpu": 2.0, "peak_gb": 1.0, "image": [[1]]},
    ...          {"seconds": 1.0, "cpu": 1.0, "peak_gb": 2.0, "image": [[1]]},
    ...          {"seconds": 2.0, "cpu": 3.0, "peak_gb": 1.5, "image": [[1]]}])["seconds"]
    2.0
    """
    import numpy as np

    bad = [r for r in runs if "seconds" not in r]
    if bad:
        return bad[0]
    if len(runs) == 1:
        return runs[0]
    if any(r["image"] != runs[0]["image"] for r in runs):
        return {"error": "repeated runs disagree on the exact image homology"}
    rec = dict(runs[0])
    rec.update(seconds=float(np.median([r["seconds"] for r in runs])),
               cpu=float(np.median([r["cpu"] for r in runs])),
               peak_gb=max(r["peak_gb"] for r in runs),
               runs_s=[round(r["seconds"], 1) for r in runs])
    return rec


def _package_root():
    """The checkout holding this script: its children import that checkout's topodestruct
    (they run there), whichever the environment installed (a run from a clone had timed
    the installed checkout's code and recorded its commit)."""
    return pathlib.Path(__file__).resolve().parents[1]


def _commit():
    """The commit of the package that the children import (records say which code they
    timed), marked ``+dirty`` where its tracked files differ from that commit."""
    root = _package_root()
    p = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                       capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(root), "diff", "--quiet", "HEAD", "--",
                            "topodestruct"], capture_output=True).returncode != 0
    return (p.stdout.strip() + ("+dirty" if dirty else "")) or None


def report(done, jobs):
    import numpy as np

    ok_all = True
    for cls in sorted({c for c, _ in jobs}):
        recs = [done[j] for j in jobs if j[0] == cls and j in done]
        secs = [r["seconds"] for r in recs if "seconds" in r and not r["exact_stopped"]]
        peaks = [r["peak_gb"] for r in recs if "peak_gb" in r]
        failed = len(recs) - len(secs)
        if secs:
            print(f"class {cls}: {len(secs)} of {len(recs)} complete; median {np.median(secs):.0f} s, "
                  f"max {max(secs):.0f} s; peak memory max {max(peaks):.2f} GB")
        ok_all &= failed == 0 and bool(secs) and max(secs) <= 120 and max(peaks) < 4
    how = sorted({done[j].get("layer_jobs", 1) for j in jobs if j in done})
    print(f"goal every exact 9-layer D-I profile completes in <= 120 s with < 4 GB: "
          f"{'MET' if ok_all else 'NOT MET'} (layers computed at once: {how}; 1 = one core)")


def _reached(r):
    s = r.get("exact_stopped")
    if "seconds" not in r:
        return "; ".join(r["error"]) if isinstance(r["error"], list) else r["error"]
    if not s:
        return "complete, 9 layers"
    layer = s.split("layer ")[1].split(":")[0]
    why = "time" if "time budget" in s else "memory" if "memory" in s else "other"
    return f"stopped at layer {layer} ({why}; in {s.split(': ')[1] if ': ' in s else s})"


def summary(done, command):
    """Markdown: one row per record (class, model, times, peak, how far the exact route got,
    budget and commit), then per class the complete ones' median and maximum CPU time.

    >>> r = {"class": 1, "model": 0, "seconds": 10.0, "cpu": 9.0, "peak_gb": 1.0,
    ...      "exact_stopped": None, "commit": "abc", "budget_s": 600.0}
    >>> print(summary({(1, 0): r}, "--data D").splitlines()[-1])
    class 1: 1 of 1 run complete; CPU s of the complete: median 9, max 9; at most 120 s: 1; peak max 1.00 GB, under 4 GB in 1 of 1
    """
    import numpy as np

    lines = ["# Exact 9-layer D-I profiles: time and memory per model", "",
             f"`python benchmarks/bench_naitzat_exact.py {command}` (records: one line per "
             "model; rerun to resume).  One process per model, one thread; wall time depends "
             "on the machine's load, CPU time less so.  Budget: the exact route's seconds "
             "(`budget_s`; '-' where the record predates that field).", "",
             "| class | model | wall s | CPU s | peak GB | exact route | budget s | commit |",
             "|---|---|---|---|---|---|---|---|"]
    for (c, m) in sorted(done, key=lambda k: (-k[0], k[1])):
        r = done[(c, m)]
        t = (f"{r['seconds']:.0f} | {r['cpu']:.0f} | {r['peak_gb']:.2f}" if "seconds" in r
             else "- | - | -")
        b = r.get("budget_s")
        lines.append(f"| {c} | {m} | {t} | {_reached(r)} | {'-' if b is None else f'{b:g}'} "
                     f"| {r.get('commit') or '-'} |")
    lines.append("")
    for c in sorted({k[0] for k in done}, reverse=True):
        recs = [r for k, r in done.items() if k[0] == c]
        ok = [r for r in recs if "seconds" in r]
        cpu = [r["cpu"] for r in ok if not r["exact_stopped"]]
        peaks = [r["peak_gb"] for r in ok]
        med = f"median {np.median(cpu):.0f}, max {max(cpu):.0f}" if cpu else "none"
        lines.append(f"class {c}: {len(cpu)} of {len(recs)} run complete; CPU s of the complete: "
                     f"{med}; at most 120 s: {sum(x <= 120 for x in cpu)}; peak max "
                     f"{max(peaks, default=0):.2f} GB, under 4 GB in "
                     f"{sum(p < 4 for p in peaks)} of {len(ok)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
