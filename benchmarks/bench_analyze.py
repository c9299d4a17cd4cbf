"""Random Kaiming networks 3-w-w on the torus: how often layer 2 changes the topology, into what,
and how often prediction and image agree.  ``python benchmarks/bench_analyze.py [--quick]``.

Writes one JSON line per network to ``--out`` (default bench_analyze.jsonl), resuming from it.
``--exact-image`` also computes the exact integer homology of the image and the quotient by
both sources (rank and overlap) on refinements of at most ``--max-pieces`` pieces (without it
the exact image is skipped: ``overlaps=False``, the refinement's prediction only); the table
then compares the prediction with the exact image.
"""
import argparse
import collections
import json
import os
import pathlib
import sys
import time

# the code of this checkout first, not the installed one's
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main():
    import topodestruct as td

    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", default="3,5,10,25")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--resolution", type=int, default=12)
    ap.add_argument("--no-image", action="store_true")
    ap.add_argument("--exact-image", action="store_true")
    ap.add_argument("--max-pieces", type=int, default=8000)
    ap.add_argument("--quick", action="store_true", help="2 seeds, resolution 8")
    ap.add_argument("--out", default="bench_analyze.jsonl")
    a = ap.parse_args()
    seeds, res = (2, 8) if a.quick else (a.seeds, a.resolution)
    K = td.complexes.torus(res, res)          # standard torus of revolution in R^3 (radii 2, 1)
    out = pathlib.Path(a.out)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["w"], r["seed"]))
    with out.open("a") as f:
        for w in [int(x) for x in a.widths.split(",")]:
            for s in range(seeds):
                if (w, s) in done:
                    continue
                t = time.time()
                rep = td.analyze(td.networks.mlp([3, w, w], random_state=s), K, layer=2,
                                 estimate=None if a.no_image else "persistent",
                                 random_state=s, overlaps=a.exact_image,
                                 budget_s=float("inf"), max_pieces=a.max_pieces)
                ih, q = rep.image_homology, rep.quotient
                r = {"w": w, "seed": s, "resolution": res, "predicted": rep.predicted.betti,
                     "torsion": rep.predicted.torsion, "preserved": rep.preserved,
                     "image": None if rep.estimate is None else rep.estimate.betti,
                     "agrees": rep.agrees, "added": rep.n_added_simplices,
                     "image_homology": None if ih is None else [ih.betti, ih.torsion],
                     "quotient": None if q is None else [q.betti, q.torsion],
                     "exact_status": rep.exact_image,
                     "seconds": round(time.time() - t, 2), "version": td.__version__}
                f.write(json.dumps(r) + "\n")
                f.flush()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    print("| w | n | changed | into (predicted Betti: count) | image agrees | exact image: n, "
          "changed, into | prediction = exact image | quotient (both sources) = exact image "
          "| s/network |")
    print("|---|---|---|---|---|---|---|---|---|")
    for w in sorted({r["w"] for r in rows}):
        rs = [r for r in rows if r["w"] == w]
        into = collections.Counter(str(r["predicted"]) for r in rs if not r["preserved"])
        ag = [r["agrees"] for r in rs if r["agrees"] is not None]
        print(f"| {w} | {len(rs)} | {sum(not r['preserved'] for r in rs)} | "
              f"{', '.join(f'{k}: {v}' for k, v in into.most_common()) or '-'} | "
              f"{sum(ag)}/{len(ag)} | {_exact_cells(rs)} | "
              f"{sum(r['seconds'] for r in rs) / len(rs):.1f} |")


def _exact_cells(rs):
    """Table cells on the exact image: how many computed, changed (into what), agreements."""
    import collections

    ex = [r for r in rs if r.get("image_homology")]
    if not ex:
        return "- | - | -"
    H0 = [1, 2, 1]
    ch = [r for r in ex if r["image_homology"][0] != H0 or any(r["image_homology"][1])]
    into = collections.Counter(str(r["image_homology"][0]) for r in ch)
    pred = sum([r["predicted"], r["torsion"]] == r["image_homology"] for r in ex)
    quot = sum(r["quotient"] == r["image_homology"] for r in ex)
    return (f"{len(ex)}, {len(ch)}, {', '.join(f'{k}: {v}' for k, v in into.most_common()) or '-'}"
            f" | {pred}/{len(ex)} | {quot}/{len(ex)}")


if __name__ == "__main__":
    main()
