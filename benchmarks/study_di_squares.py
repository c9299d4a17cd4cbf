"""D-I class 1 as its own polygons: the nine squares against the alpha complex (issue 23, item 5).

D-I class 1 is nine filled squares: an exactly piecewise-linear set, so its exact image
homology does not depend on how the squares are triangulated (tests/analysis/
test_exact_invariance.py), and two triangles per square give the answer of any finer grid.
The alpha complex of the test points approximates the squares with a jagged boundary.
Where the two exact answers differ at a layer, the difference is an artefact of the point
cloud's complex, not of the network acting on the squares.

    python benchmarks/study_di_squares.py --data ../shared/data/naitzat \
        --run results/naitzat-D-I-exact-run/naitzat-D-I.jsonl --models 0,2,5

The squares are centred as in the data's README, with half-width 1.32 (the largest
sup-distance of a class-1 training point from its centre; the nearest class-0 point is at
1.34). Each model's exact profile (``td.profile(..., exact=None, budget_s=B)``: exact
until the budget) is written to OUT/squares.jsonl as it finishes (resumable);
OUT/summary.md holds the table: per model and layer, the exact image homology of the
squares and of the alpha complex (read from the ``reproduce naitzat --exact`` records given
by --run) and whether they agree.
"""
import argparse
import json
import pathlib
import sys
import time

# the code of this checkout first, not the installed one's
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import topodestruct as td  # noqa: E402
from topodestruct.datasets.naitzat import model_paths  # noqa: E402
from topodestruct.relu.load import load_network  # noqa: E402

CENTRES = [(0, 0), (0, 7), (-5, 5), (7, 0), (-5, -5), (-7, 0), (5, 5), (0, -7), (5, -5)]


def squares(half=1.32):
    """The nine filled squares, two triangles each."""
    pts, tris = [], []
    for cx, cy in CENTRES:
        k = len(pts)
        pts += [(cx - half, cy - half), (cx + half, cy - half), (cx + half, cy + half),
                (cx - half, cy + half)]
        tris += [(k, k + 1, k + 2), (k, k + 2, k + 3)]
    return td.SimplicialComplex(tris, coordinates=np.array(pts, dtype=float))


def alpha_rows(run, model):
    """Exact image homology per layer of the alpha complex, from reproduce-naitzat records."""
    rows = None
    for line in pathlib.Path(run).read_text().splitlines():
        r = json.loads(line)
        if r["params"]["model"] == model and r["params"]["class"] == 1 and r["params"].get("exact"):
            rows = {row["layer"]: row["image_homology"] for row in r["result"]["rows"]}
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--run", required=True, help="reproduce naitzat --exact records (JSONL)")
    ap.add_argument("--models", default="0,2,5")
    ap.add_argument("--budget", type=float, default=600.0, help="exact route's seconds per model")
    ap.add_argument("--out", default="results/di-squares")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = out / "squares.jsonl"
    done = {}
    if store.exists():
        for line in store.read_text().splitlines():
            r = json.loads(line)
            done[r["model"]] = r
    K = squares()
    assert td.homology(K).betti == [9, 0, 0]
    for m in [int(x) for x in args.models.split(",")]:
        name = f"D-I_model_{m}.pth"
        if name in done:
            continue
        net, _ = load_network(model_paths(args.data, "D-I", name)[0])
        t = time.process_time()
        prof = td.profile(net, K, exact=None, budget_s=args.budget, progress=False)
        rec = {"model": name, "cpu_s": time.process_time() - t, "budget_s": args.budget,
               "exact_stopped": prof.info.get("exact_stopped"),
               "rows": {r["layer"]: list(r["image_homology"].betti) if r["route"] == "exact"
                        else None for r in prof.rows}}
        done[name] = rec
        with store.open("a") as f:
            f.write(json.dumps(rec) + "\n")
        print(f"{name}: {rec['cpu_s']:.0f} s CPU" + (f"; {rec['exact_stopped']}"
                                                     if rec["exact_stopped"] else ""), flush=True)
    (out / "summary.md").write_text(summary(done, args.run))
    print(summary(done, args.run))


def summary(done, run):
    lines = ["# D-I class 1: the nine squares against the alpha complex (exact image homology)",
             "", "| model | layer | squares | alpha complex | agree |", "|---|---|---|---|---|"]
    for name, rec in sorted(done.items(), key=lambda kv: int(kv[0].split("_")[-1][:-4])):
        alpha = alpha_rows(run, name) or {}
        for layer, sq in sorted(rec["rows"].items(), key=lambda kv: int(kv[0])):
            al = alpha.get(int(layer))
            sq_ = None if sq is None else tuple(sq[:2])
            al_ = None if al is None else tuple(al[:2])
            agree = "?" if sq_ is None or al_ is None else ("yes" if sq_ == al_ else "**no**")
            lines.append(f"| {name[:-4]} | {layer} | {sq_} | {al_} | {agree} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
