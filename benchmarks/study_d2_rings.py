"""D-II ring by ring: the exact image of each ring of a class on its own, layer by layer (issue 25).

The whole class (nine solid rings, 4 637 tetrahedra under model 0) is beyond the exact
route past layer 2-3 at a few minutes per network. One ring is about a ninth of it, and
whether a network changes *a ring's* topology (its loop closed up, the ring torn) is a
question about that ring's image alone: ``Phi^k(ring)`` for each ring of the class, exact
(``td.profile(net, ring, exact=None, budget_s=B)``) until the budget. It does not see rings
whose images merge (that is the whole class's image, ``reproduce naitzat --exact``).

    python benchmarks/study_d2_rings.py --data ../shared/data/naitzat --model 0 --cls 0 \
        --budget 300 --out results/d2-rings

The rings are the components of the pure part of the class's alpha complex (correctly
classified test points, the alpha radius of ``reproduce naitzat``), largest first. Each
ring's record (exact image homology per layer, the layer reached, why it stopped, CPU
seconds) is written to OUT/rings.jsonl as it finishes (resumable); OUT/summary.md holds the
table.
"""
import argparse
import pathlib
import sys
import time

# the code of this checkout first, not the installed one's
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import topodestruct as td  # noqa: E402
from topodestruct.datasets.naitzat import load_points, model_paths  # noqa: E402
from topodestruct.experiments.naitzat import _predict  # noqa: E402
from topodestruct.experiments.naitzat_complex import exact_complex  # noqa: E402
from topodestruct.experiments.store import ResultStore  # noqa: E402
from topodestruct.relu.load import load_network  # noqa: E402
from topodestruct.topology.point_clouds import choose_alpha_scale, point_complex  # noqa: E402


def rings(data, model, cls):
    """The class's rings under ``model`` (components with a tetrahedron, largest first)."""
    X, y = load_points(data, "D-II", "test")
    net, _ = load_network(model_paths(data, "D-II", f"D-II_model_{model}.pth")[0])
    keep = (_predict(net, X) == y) & (y == cls)
    scale, _ = choose_alpha_scale(X[y == cls])
    K, note = exact_complex(point_complex(X[keep], "alpha", scale=scale))
    comps = [C for C in K.connected_components() if C.dimension == 3]
    return net, sorted(comps, key=lambda C: -C.n_vertices), note


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", type=int, default=0)
    ap.add_argument("--cls", type=int, default=0)
    ap.add_argument("--rings", default="", help="comma-separated ring numbers (default: all)")
    ap.add_argument("--budget", type=float, default=300.0, help="exact route's seconds per ring")
    ap.add_argument("--out", default="results/d2-rings")
    args = ap.parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = ResultStore(out / "rings.jsonl")   # crash-safe, locked appends: runs may share it
    done = {(r["params"]["model"], r["params"]["class"], r["params"]["ring"]): r["result"]
            for r in store}
    net, comps, note = rings(args.data, args.model, args.cls)
    print(f"model {args.model}, class {args.cls}: {len(comps)} rings ({note['used']})",
          flush=True)
    which = [int(r) for r in args.rings.split(",")] if args.rings else range(len(comps))
    for i in which:
        if (args.model, args.cls, i) in done:
            continue
        R = comps[i]
        t = time.process_time()
        prof = td.profile(net, R, exact=None, budget_s=args.budget, max_dim=2, sizes=False,
                          progress=False)
        rec = {"model": args.model, "class": args.cls, "ring": i,
               "f_vector": [int(f) for f in R.f_vector],
               "input": list(td.homology(R).betti), "cpu_s": time.process_time() - t,
               "budget_s": args.budget, "exact_stopped": prof.info.get("exact_stopped"),
               "rows": {r["layer"]: list(r["image_homology"].betti) if r["route"] == "exact"
                        else None for r in prof.rows}}
        done[(args.model, args.cls, i)] = rec
        store.add({"model": args.model, "class": args.cls, "ring": i,
                   "budget_s": args.budget}, rec)
        print(f"ring {i} {rec['f_vector']}: {rec['cpu_s']:.0f} s CPU; exact to layer "
              f"{_reached(rec)}" + (f"; {rec['exact_stopped']}" if rec["exact_stopped"] else ""),
              flush=True)
    (out / "summary.md").write_text(summary(done))
    print(summary(done))


def _reached(rec):
    return max([int(k) for k, v in rec["rows"].items() if v is not None], default=-1)


def summary(done):
    lines = ["# D-II ring by ring: exact image homology of each ring on its own", "",
             "| model | class | ring | f-vector | input | exact image at layers 1, 2, ... "
             "| reached | changed | CPU s |", "|---|---|---|---|---|---|---|---|---|"]
    for key in sorted(done):
        r = done[key]
        per = {int(k): tuple(v) for k, v in r["rows"].items() if v is not None}
        exact = [per[k] for k in sorted(per)]
        changed = next((k for k in sorted(per) if per[k] != tuple(r["input"])), None)
        lines.append(f"| {r['model']} | {r['class']} | {r['ring']} | {tuple(r['f_vector'])} | "
                     f"{tuple(r['input'])} | {', '.join(str(v) for v in exact)} | "
                     f"{_reached(r)} | {'no' if changed is None else f'at layer {changed}'} | "
                     f"{r['cpu_s']:.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
