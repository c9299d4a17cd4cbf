"""Benchmark: exact integer homology (topodestruct) vs gudhi's Z/2 persistence, by family.

Families (issue 14): torus grids, 3D cubical complexes (solid torus in a voxel
grid), Vietoris-Rips complexes of dimension 2 and 3 on samples of the flat
torus in R^4 and of the round sphere S^2, and Linial-Meshulam random
2-complexes (complete graph plus each triangle with probability ``c / n``,
``c`` between the collapsibility threshold 2.455 and the H_2 threshold 2.754:
large non-collapsible cores), and the complexes that ``td.analyze`` labels (a
torus cut exactly along the bent hyperplanes of a random Kaiming network).

One table, one row per complex:

* ``build``: making the complex (triangles array -> SimplicialComplex; Rips:
  gudhi's RipsComplex.create_simplex_tree; cubical: CubicalComplex).
* ``convert``: topodestruct's conversion to/from gudhi (Rips:
  ``SimplicialComplex.from_simplex_tree``; others: ``to_simplex_tree``), next
  to ``gudhi insert``, gudhi's own ``insert_batch`` of the same simplices.
* ``td H``: ``topodestruct.homology`` over Z (torsion included), complex given.
* ``gudhi Z/2``: ``compute_persistence(homology_coeff_field=2,
  persistence_dim_max=True)`` on the already built tree (cubical:
  ``gudhi.CubicalComplex`` on the same voxels).
* ``ratio`` = td H / gudhi Z/2; ``peak MiB`` of the topodestruct measurement
  (ru_maxrss of a fresh process above its level after building the input;
  not measured with ``--quick``, which runs in this process).
* ``Z/2 ok``: topodestruct's Betti numbers over Z/2 (from the integer answer
  by the universal coefficient theorem) equal gudhi's; ``Z ok``: the integer
  homology equals the previous engine's (Python-integer elimination) on the
  same complex ("-" where that one did not finish within ``--ref-timeout``).

Then one "met / not met" line per goal: ratio <= 1 on every family (up to
3 M cells), memory linear in the complex (MiB per 1k cells not growing with
size within a family), conversions no slower than gudhi's insertion.

Usage::

    python benchmarks/bench_homology.py --quick   # seconds, in-process
    python benchmarks/bench_homology.py           # full sizes (up to ~3 M cells), minutes
    python benchmarks/bench_homology.py --out results.json

Single-threaded (OMP/MKL threads = 1); wall-clock, noisy on a shared machine.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

# the code of this checkout first, not the installed one's
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
           PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH", "")) if p))

QUICK = [
    {"family": "torus grid", "kind": "torus", "n": 30},
    {"family": "torus grid", "kind": "torus", "n": 60},
    {"family": "cubical 3D", "kind": "cubical", "n": 16},
    {"family": "Rips dim 2, torus", "kind": "rips", "space": "torus", "points": 300, "edge": 0.6, "dim": 2},
    {"family": "Rips dim 3, torus", "kind": "rips", "space": "torus", "points": 300, "edge": 0.6, "dim": 3},
    {"family": "Rips dim 2, sphere", "kind": "rips", "space": "sphere", "points": 300, "edge": 0.4, "dim": 2},
    {"family": "Rips dim 3, sphere", "kind": "rips", "space": "sphere", "points": 300, "edge": 0.4, "dim": 3},
    {"family": "Linial-Meshulam", "kind": "lm", "n": 30, "c": 2.6},
    {"family": "refined by a network", "kind": "refined", "n": 12, "width": 10, "layer": 2},
]
FULL = [
    {"family": "torus grid", "kind": "torus", "n": 300},
    {"family": "torus grid", "kind": "torus", "n": 600},
    {"family": "cubical 3D", "kind": "cubical", "n": 50},
    {"family": "cubical 3D", "kind": "cubical", "n": 70},
    {"family": "Rips dim 2, torus", "kind": "rips", "space": "torus", "points": 3000, "edge": 0.45, "dim": 2},
    {"family": "Rips dim 2, torus", "kind": "rips", "space": "torus", "points": 4500, "edge": 0.45, "dim": 2},
    {"family": "Rips dim 3, torus", "kind": "rips", "space": "torus", "points": 2000, "edge": 0.45, "dim": 3},
    {"family": "Rips dim 3, torus", "kind": "rips", "space": "torus", "points": 2500, "edge": 0.45, "dim": 3},
    {"family": "Rips dim 2, sphere", "kind": "rips", "space": "sphere", "points": 3000, "edge": 0.3, "dim": 2},
    {"family": "Rips dim 3, sphere", "kind": "rips", "space": "sphere", "points": 3000, "edge": 0.2, "dim": 3},
    {"family": "Linial-Meshulam", "kind": "lm", "n": 60, "c": 2.6},
    {"family": "Linial-Meshulam", "kind": "lm", "n": 100, "c": 2.6},
    {"family": "refined by a network", "kind": "refined", "n": 30, "width": 25, "layer": 3},
    {"family": "refined by a network", "kind": "refined", "n": 60, "width": 50, "layer": 3},
]


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _name(case):
    k = case["kind"]
    if k == "torus":
        return f"torus grid {case['n']}x{case['n']}"
    if k == "cubical":
        return f"solid torus in {case['n']}^3 voxels"
    if k == "rips":
        return f"Rips dim {case['dim']}, {case['space']}, {case['points']} pts, r={case['edge']}"
    if k == "refined":
        return (f"torus {case['n']}x{case['n']} refined by 3-{case['width']}x{case['layer']}, "
                f"layer {case['layer']}")
    return f"Linial-Meshulam n={case['n']}, p={case['c']}/n"


def _points(case, rng):
    import numpy as np
    n = case["points"]
    if case["space"] == "torus":  # flat torus in R^4
        a, b = rng.random((2, n)) * 2 * np.pi
        return np.c_[np.cos(a), np.sin(a), np.cos(b), np.sin(b)]
    x = rng.normal(size=(n, 3))
    return x / np.linalg.norm(x, axis=1)[:, None]


def linial_meshulam(n, c, rng):
    """Y(n, m) model of Y_2(n, c/n): K_n plus m ~ Binomial(C(n,3), c/n) distinct random triangles."""
    import numpy as np
    import topodestruct as td
    m = int(rng.binomial(n * (n - 1) * (n - 2) // 6, c / n))
    tri = np.zeros((0, 3), dtype=np.int64)
    while len(tri) < m:
        t = np.sort(rng.integers(0, n, (2 * m + 10, 3)), axis=1)
        t = t[(t[:, 0] < t[:, 1]) & (t[:, 1] < t[:, 2])]
        tri = np.unique(np.concatenate([tri, t]), axis=0)
    tri = tri[np.sort(rng.permutation(len(tri))[:m])]
    i, j = np.triu_indices(n, 1)
    return td.complexes.union(td.SimplicialComplex(np.c_[i, j]), td.SimplicialComplex(tri))


def _input(case):
    """Build the complex (timed as ``build``): (object, seconds)."""
    import numpy as np
    import topodestruct as td
    rng = np.random.default_rng(case.get("seed", 0))
    k = case["kind"]
    if k == "rips":
        import gudhi
        pts = _points(case, rng)
        t0 = time.perf_counter()
        st = gudhi.RipsComplex(points=pts, max_edge_length=case["edge"]) \
            .create_simplex_tree(max_dimension=case["dim"])
        return (st, pts), time.perf_counter() - t0
    if k == "cubical":
        n = case["n"]
        x, y, z = np.meshgrid(*[np.linspace(-1, 1, n)] * 3, indexing="ij")
        voxels = (np.sqrt(x ** 2 + y ** 2) - 0.55) ** 2 + z ** 2 < 0.4 ** 2
        t0 = time.perf_counter()
        return (voxels, td.CubicalComplex(voxels)), time.perf_counter() - t0
    if k == "torus":
        try:
            from topodestruct.topology.spaces import _grid_triangles
        except ImportError:  # layout before topology/spaces.py
            from topodestruct.complexes import _grid_triangles
        n = case["n"]
        tri = _grid_triangles(n, n, lambda i, j: (i % n) * n + (j % n))
        t0 = time.perf_counter()
        return td.SimplicialComplex(tri), time.perf_counter() - t0
    if k == "refined":  # what td.analyze labels: K cut along the network's bent hyperplanes
        from topodestruct.analysis.refine import refine
        net = td.networks.mlp([3] + [case["width"]] * case["layer"], random_state=0)
        t0 = time.perf_counter()
        K = refine(net, td.complexes.torus(case["n"], case["n"]), layer=case["layer"]).complex()
        return K, time.perf_counter() - t0
    t0 = time.perf_counter()
    K = linial_meshulam(case["n"], case["c"], rng)
    return K, time.perf_counter() - t0


def _z2_betti(H):
    """Betti numbers over Z/2 from integer homology (universal coefficients)."""
    even = [sum(1 for t in ts if t % 2 == 0) for ts in H.torsion]
    return [b + even[d] + (even[d - 1] if d else 0) for d, b in enumerate(H.betti)]


def _td_homology(td, kind, data):
    t0 = time.perf_counter()
    if kind == "rips":
        try:
            K = td.SimplicialComplex.from_simplex_tree(data[0], coordinates=data[1])
        except TypeError:  # versions without coordinates=
            K = td.SimplicialComplex.from_simplex_tree(data[0])
    elif kind == "cubical":
        K = data[1]
    else:
        K = data
    t1 = time.perf_counter()
    H = td.homology(K)
    return H, K, t0, t1, time.perf_counter()


def measure(tool, case):
    """One measurement (``tool`` in td / gudhi / ref); returns a dict."""
    import numpy as np
    import topodestruct as td
    import gudhi
    data, build_s = _input(case)
    t0 = time.perf_counter()
    _warm_up()  # one-time loading of compiled code: reported apart, not in the timings
    out = {"build_s": build_s, "load_s": time.perf_counter() - t0}
    base = _rss_mib()
    kind = case["kind"]
    if tool in ("td", "ref"):
        from topodestruct.algebra import linalg
        kernel = getattr(linalg, "_reduce_sparse", None)  # absent before the compiled kernel
        if tool == "ref" and kernel is not None:  # previous engine: the Python-integer elimination for every matrix
            linalg._reduce_sparse = lambda M, p: linalg._eliminate(linalg._sparse_rows(M, p), p)
        try:
            H, K, t0, t1, t2 = _td_homology(td, kind, data)
        finally:
            if kernel is not None:
                linalg._reduce_sparse = kernel
        if kind in ("torus", "lm") and tool == "td":

            st = K.to_simplex_tree()
            out["convert_s"] = time.perf_counter() - t2
            del st
        elif kind == "rips":
            out["convert_s"] = t1 - t0
        out.update(homology_s=t2 - t1, betti=H.betti, torsion=H.torsion, size=len(K),
                   z2=_z2_betti(H))
    else:
        if kind == "cubical":
            cc = gudhi.CubicalComplex(top_dimensional_cells=np.where(data[0], 0.0, 1.0))
            t0 = time.perf_counter()
            cc.compute_persistence(homology_coeff_field=2, min_persistence=-1)
            out["homology_s"] = time.perf_counter() - t0
            out["betti"] = [int(b) for b in cc.persistent_betti_numbers(0.0, 0.0)]
            out["size"] = cc.num_simplices()
        else:
            K = td.SimplicialComplex.from_simplex_tree(data[0]) if kind == "rips" else data
            tops = [np.ascontiguousarray(K.simplices(d).T) for d in range(K.dimension, -1, -1)]
            t0 = time.perf_counter()
            st = gudhi.SimplexTree()
            for s in tops:
                st.insert_batch(s, np.zeros(s.shape[1]))
            out["insert_s"] = time.perf_counter() - t0
            st = data[0] if kind == "rips" else st
            t0 = time.perf_counter()
            st.compute_persistence(homology_coeff_field=2, min_persistence=-1,
                                   persistence_dim_max=True)
            out["homology_s"] = time.perf_counter() - t0
            out["betti"] = [int(b) for b in st.betti_numbers()]
            out["size"] = st.num_simplices()
    out.update(peak_mib=_rss_mib(), delta_mib=_rss_mib() - base)
    return out


def _run(tool, case, timeout, quick):
    if quick:
        return measure(tool, case)
    cmd = [sys.executable, os.path.abspath(__file__), "--child", tool, json.dumps(case)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    except subprocess.TimeoutExpired:
        return None
    if res.returncode != 0:
        raise RuntimeError(f"{tool} {case} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _f(x, fmt="{:.2f}"):
    return "-" if x is None else fmt.format(x)


def _warm_up():
    """Load compiled code once (both tools' imports are outside the timings too)."""
    import topodestruct as td
    T = td.complexes.torus(4, 4)
    td.homology(T)
    td.SimplicialComplex.from_simplex_tree(T.to_simplex_tree())
    td.homology(td.complexes.projective_plane(1), coefficients=3)


def run(cases, quick, timeout, ref_timeout, out=sys.stdout):
    """Measure every case and print the table and the goal lines; returns the rows."""
    print("| complex | cells | build (s) | convert (s) | gudhi insert (s) | td H (s) "
          "| gudhi Z/2 (s) | ratio | peak MiB (td) | MiB per 1k cells | Z/2 ok | Z ok |", file=out)
    print("|" + "---|" * 12, file=out)
    rows = []
    for case in cases:
        t = _run("td", case, timeout, quick)
        g = _run("gudhi", case, timeout, quick)
        r = _run("ref", case, ref_timeout, quick) if ref_timeout > 0 else None
        ratio = t["homology_s"] / g["homology_s"] if g and g["homology_s"] > 0 else None
        z2 = g is not None and t["z2"] == (g["betti"] + [0] * len(t["z2"]))[:len(t["z2"])] \
            and sum(g["betti"][len(t["z2"]):]) == 0
        zok = None if r is None else (t["betti"], t["torsion"]) == (r["betti"], r["torsion"])
        per_k = None if quick else 1000 * t["delta_mib"] / t["size"]
        row = {"case": case, "name": _name(case), "td": t, "gudhi": g, "ref": r, "ratio": ratio,
               "z2_ok": z2, "z_ok": zok, "mib_per_k": per_k}
        rows.append(row)
        print(f"| {row['name']} | {t['size']:,} | {t['build_s']:.2f} | {_f(t.get('convert_s'))} "
              f"| {_f(g.get('insert_s') if g else None)} | {t['homology_s']:.2f} "
              f"| {_f(g['homology_s'] if g else None)} | {_f(ratio)} "
              f"| {'-' if quick else format(t['peak_mib'], '.0f')} | {_f(per_k, '{:.3f}')} "
              f"| {z2} | {'-' if zok is None else zok} |", file=out, flush=True)
    print(file=out)
    loads = [r["td"]["load_s"] for r in rows]
    print(f"one-time load of compiled code per process (not in the timings): "
          f"{min(loads):.2f} to {max(loads):.2f} s", file=out)
    if quick:
        print("(--quick sizes are dominated by fixed per-call costs: the goals are judged "
              "at full size)", file=out)
    families = list(dict.fromkeys(r["case"]["family"] for r in rows))
    for fam in families:
        fr = [r for r in rows if r["case"]["family"] == fam]
        worst = max((r["ratio"] for r in fr if r["ratio"] is not None), default=None)
        met = worst is not None and worst <= 1 and all(r["z2_ok"] for r in fr)
        print(f"goal ratio <= 1 (answers equal), {fam}: worst ratio {_f(worst)} at "
              f"{max(r['td']['size'] for r in fr):,} cells max -> {'met' if met else 'NOT MET'}",
              file=out)
    if not quick:
        for fam in families:
            fr = sorted((r for r in rows if r["case"]["family"] == fam), key=lambda r: r["td"]["size"])
            if len(fr) > 1:
                a, b = fr[0]["mib_per_k"], fr[-1]["mib_per_k"]
                ok = b <= 1.5 * max(a, 0.05)
                print(f"goal memory linear, {fam}: {a:.3f} -> {b:.3f} MiB per 1k cells "
                      f"-> {'met' if ok else 'NOT MET'}", file=out)
    conv = [r for r in rows if r["td"].get("convert_s") is not None and r["gudhi"]
            and r["gudhi"].get("insert_s")]
    big = [r for r in conv if r["td"]["size"] >= 100_000]  # below: fixed per-call costs
    if big:
        worst = max(r["td"]["convert_s"] / r["gudhi"]["insert_s"] for r in big)
        print(f"goal conversions no slower than gudhi's insertion (complexes >= 100k cells): "
              f"worst convert / insert {worst:.2f} -> {'met' if worst <= 1 else 'NOT MET'}",
              file=out)
    if conv:
        worst = max(r["td"]["convert_s"] / r["gudhi"]["insert_s"] for r in conv)
        print(f"conversions, all sizes: worst convert / insert {worst:.2f} "
              f"(small complexes: milliseconds either way)", file=out)
    z = [r["z_ok"] for r in rows if r["z_ok"] is not None]
    print(f"integer homology equal to the previous engine: {sum(z)} of {len(z)} compared "
          f"-> {'met' if all(z) else 'NOT MET'}", file=out)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, in-process (seconds)")
    parser.add_argument("--families", help="comma-separated substrings: only matching families")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds per measurement")
    parser.add_argument("--ref-timeout", type=float, default=120,
                        help="seconds for the previous engine per case (0: skip it)")
    parser.add_argument("--out", help="also write the results as JSON to this file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.child[0], json.loads(args.child[1]))))
        return 0
    cases = QUICK if args.quick else FULL
    if args.families:
        keys = [k.strip().lower() for k in args.families.split(",")]
        cases = [c for c in cases if any(k in c["family"].lower() for k in keys)]
    print("command: python benchmarks/bench_homology.py " + " ".join(argv or sys.argv[1:]))
    rows = run(cases, args.quick, args.timeout, args.ref_timeout)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
