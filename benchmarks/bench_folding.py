"""Benchmark: the exact image complex of a torus through the layers of a random ReLU network.

The issue's performance goal is a 9-layer profile of a 1600-triangle torus
under a 3-25-...-25 network in under a minute; ``refine_image`` is its core.
Here the vertex images are computed directly (no exact refinement along the
bent hyperplanes, so the map is only the piecewise-linear interpolation of the
vertex images), which measures the image construction itself:

* ``float``: float64 vertex images (numpy forward pass);
* ``exact``: exact rational vertex images (:func:`exact_forward`), so that
  points mapped onto a common line or plane lie on it exactly.

For each layer: time of the forward pass, time of ``refine_image``, the
counts (candidate pairs from the boxes, pairs settled by the float
certificates, pairs intersected exactly, interacting pairs, overlapping pairs,
clusters of coplanar overlapping triangles), the image complex's f-vector and
its exact Betti numbers (with the homology time).

Usage::

    python benchmarks/bench_folding.py             # torus 20 x 40 (1600 triangles), layers 1..9
    python benchmarks/bench_folding.py --quick     # torus 10 x 20, layers 1, 3, 9
    python benchmarks/bench_folding.py --layers 1,2,3 --mode exact --out res.json
    python benchmarks/bench_folding.py --quick --width 3     # narrow: folds and overlaps

Single-threaded; wall-clock timings are noisy when the machine is shared.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import topodestruct as td  # noqa: E402
from topodestruct.geometry.image_complex import refine_image  # noqa: E402
from topodestruct.relu.network import exact_forward  # noqa: E402


def float_forward(weights, X, layer):
    for W, b in weights[:layer]:
        X = np.maximum(X @ np.asarray(W, float).T + np.asarray(b, float), 0)
    return X


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--grid", default=None, help="torus grid n,m (default 20,40; quick 10,20)")
    ap.add_argument("--layers", default=None, help="comma-separated layers (default 1..9)")
    ap.add_argument("--mode", choices=["float", "exact", "both"], default="both")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--width", type=int, default=25,
                    help="hidden width (default 25; narrow widths fold and overlap)")
    ap.add_argument("--out", default=None, help="write the rows as JSON")
    args = ap.parse_args(argv)
    n, m = map(int, (args.grid or ("10,20" if args.quick else "20,40")).split(","))
    layers = [int(x) for x in (args.layers or ("1,3,9" if args.quick else "1,2,3,4,5,6,7,8,9"))
              .split(",")]
    T = td.complexes.torus(n, m)
    weights = td.networks.to_weights(td.networks.mlp([3] + [args.width] * 9,
                                                     random_state=args.seed))
    modes = ["float", "exact"] if args.mode == "both" else [args.mode]
    print(f"torus {n} x {m}: f-vector {T.f_vector}; network 3-{args.width}x9 (kaiming, seed {args.seed})")
    head = (f"{'mode':5} {'layer':>5} {'fwd s':>6} {'image s':>8} {'pairs':>7} {'cert':>7} "
            f"{'exact':>6} {'inter':>6} {'overl':>6} {'clust':>6} {'f-vector':>20} "
            f"{'betti':>10} {'hom s':>6}")
    print(head)
    rows = []
    total = {mo: 0.0 for mo in modes}
    for mode in modes:
        Y, done = T.coordinates, 0   # images are carried from layer to layer
        for k in layers:
            t0 = time.perf_counter()
            Y = (float_forward(weights[done:], Y, k - done) if mode == "float"
                 else exact_forward(weights[done:k], Y))
            done = k
            t1 = time.perf_counter()
            R = refine_image(T, Y)
            t2 = time.perf_counter()
            H = td.homology(R.complex)
            t3 = time.perf_counter()
            st = R.stats
            row = dict(mode=mode, layer=k, forward_s=t1 - t0, image_s=t2 - t1, homology_s=t3 - t2,
                       betti=H.betti, torsion=H.torsion, **{k2: (list(v) if isinstance(v, tuple)
                                                                 else v) for k2, v in st.items()})
            rows.append(row)
            total[mode] += t2 - t0
            print(f"{mode:5} {k:>5} {t1 - t0:6.2f} {t2 - t1:8.2f} {st['candidate_pairs']:>7} "
                  f"{st['certified_pairs']:>7} {st['exact_pairs']:>6} {st['interactions']:>6} "
                  f"{st['overlaps']:>6} {st['clusters']:>6} {str(st['image_f_vector']):>20} "
                  f"{str(H.betti):>10} {t3 - t2:6.2f}", flush=True)
    for mode, tsum in total.items():
        print(f"total ({mode}, forward + image complex, {len(layers)} layers): {tsum:.1f} s")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
