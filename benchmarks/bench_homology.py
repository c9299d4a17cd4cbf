"""Benchmark: exact integer homology (topodestruct) vs gudhi's Z/2 Betti numbers.

Prints one table: torus grids n = 100, 300, 600 (60 k to 2.16 M simplices) and a
3D cubical solid torus in a 100^3 voxel grid; for each, topodestruct's time
(complex construction from the top cells + integer homology), gudhi's time
(SimplexTree insert + compute_persistence over Z/2, or CubicalComplex), the
ratio, and peak memory (ru_maxrss of a fresh subprocess per measurement, minus
its baseline after imports and input generation). Then the dense sympy SNF
route on small tori, up to the largest size that finishes within the time limit.

Usage::

    python benchmarks/bench_homology.py            # full run (a few minutes)
    python benchmarks/bench_homology.py --quick    # small sizes, seconds
    python benchmarks/bench_homology.py --out results.json

Runs single-threaded (OMP/MKL threads = 1); timings are wall-clock and noisy
when other jobs share the machine.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
           PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH", "")) if p))


def _rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _input(case):
    import numpy as np
    if case["kind"] == "torus":
        from topodestruct import complexes as cx
        n = case["n"]
        return cx._grid_triangles(n, n, lambda i, j: (i % n) * n + (j % n))
    n, R, r = case["n"], case["R"], case["r"]
    x, y, z = np.meshgrid(*[np.linspace(-1, 1, n)] * 3, indexing="ij")
    return (np.sqrt(x ** 2 + y ** 2) - R) ** 2 + z ** 2 < r ** 2


def _child(tool, case):
    """Run one measurement in this (fresh) process; print a JSON line."""
    import numpy as np
    import topodestruct as td
    import gudhi  # noqa: F401  (import cost outside the timing, for both tools)
    data = _input(case)
    base = _rss_mib()
    t0 = time.perf_counter()
    if tool == "topodestruct":
        K = td.SimplicialComplex(data) if case["kind"] == "torus" else td.CubicalComplex(data)
        t1 = time.perf_counter()
        H = td.homology(K)
        t2 = time.perf_counter()
        out = {"build_s": t1 - t0, "homology_s": t2 - t1, "betti": H.betti,
               "torsion": H.torsion, "size": len(K)}
    else:
        if case["kind"] == "torus":
            st = gudhi.SimplexTree()
            st.insert_batch(np.ascontiguousarray(data.T), np.zeros(len(data)))
            t1 = time.perf_counter()
            st.compute_persistence(homology_coeff_field=2, min_persistence=-1,
                                   persistence_dim_max=True)
            betti = st.betti_numbers()
            size = st.num_simplices()
        else:
            cc = gudhi.CubicalComplex(top_dimensional_cells=np.where(data, 0.0, 1.0))
            t1 = time.perf_counter()
            cc.compute_persistence(homology_coeff_field=2, min_persistence=-1)
            betti = list(cc.persistent_betti_numbers(0.0, 0.0))
            size = cc.num_simplices()
        t2 = time.perf_counter()
        out = {"build_s": t1 - t0, "homology_s": t2 - t1, "betti": betti, "size": size}
    out.update(total_s=out["build_s"] + out["homology_s"], peak_mib=_rss_mib(),
               delta_mib=_rss_mib() - base)
    print(json.dumps(out))


def _sympy_child(n):
    """Dense route: sympy Smith normal form of the boundary matrices of torus(n, n)."""
    from sympy import Matrix, ZZ
    from sympy.matrices.normalforms import smith_normal_form
    from topodestruct import complexes as cx
    T = cx.torus(n, n)
    t0 = time.perf_counter()
    ranks, tors = [0, 0, 0, 0], [[], [], [], []]
    for d in (1, 2):
        B = Matrix(T.boundary_matrix(d).toarray().tolist())
        S = smith_normal_form(B, domain=ZZ)
        diag = [abs(int(S[i, i])) for i in range(min(S.shape)) if S[i, i] != 0]
        ranks[d], tors[d] = len(diag), [x for x in diag if x > 1]
    f = T.f_vector
    betti = [f[d] - ranks[d] - ranks[d + 1] for d in range(3)]
    print(json.dumps({"n": n, "size": len(T), "seconds": time.perf_counter() - t0,
                      "betti": betti, "torsion": [tors[d + 1] for d in range(3)]}))


def _run(args, timeout):
    cmd = [sys.executable, os.path.abspath(__file__)] + args
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)
    except subprocess.TimeoutExpired:
        return None
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    parser.add_argument("--out", help="also write the results as JSON to this file")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--sympy-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child[0], json.loads(args.child[1]))
    if args.sympy_child:
        return _sympy_child(args.sympy_child)

    if args.quick:
        cases = [{"kind": "torus", "n": n} for n in (30, 60)]
        cases.append({"kind": "cubical", "n": 30, "R": 0.55, "r": 0.4})
        sympy_sizes, sympy_limit = [3, 4, 5, 6], 10
    else:
        cases = [{"kind": "torus", "n": n} for n in (100, 300, 600)]
        cases.append({"kind": "cubical", "n": 100, "R": 0.55, "r": 0.4})
        sympy_sizes, sympy_limit = [3, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40], 60

    results = {"cases": [], "sympy": []}
    header = ("| input | cells | topodestruct build + H (s) | gudhi insert + Z/2 (s) | ratio "
              "| H-only ratio | peak MiB td / gudhi | MiB per 1k cells (td) | betti agree |")
    print(header)
    print("|" + "---|" * 9)
    for case in cases:
        td_res = _run(["--child", "topodestruct", json.dumps(case)], timeout=1200)
        gd_res = _run(["--child", "gudhi", json.dumps(case)], timeout=1200)
        name = (f"torus {case['n']}x{case['n']}" if case["kind"] == "torus"
                else f"cubical solid torus {case['n']}^3")
        agree = td_res["betti"] == gd_res["betti"][:len(td_res["betti"])]
        row = (f"| {name} | {td_res['size']:,} "
               f"| {td_res['build_s']:.2f} + {td_res['homology_s']:.2f}"
               f" = {td_res['total_s']:.2f} | {gd_res['build_s']:.2f} + {gd_res['homology_s']:.2f}"
               f" = {gd_res['total_s']:.2f} | {td_res['total_s'] / gd_res['total_s']:.2f} "
               f"| {td_res['homology_s'] / gd_res['homology_s']:.2f} "
               f"| {td_res['peak_mib']:.0f} / {gd_res['peak_mib']:.0f} "
               f"| {1000 * td_res['delta_mib'] / td_res['size']:.3f} | {agree} |")
        print(row, flush=True)
        results["cases"].append({"case": case, "topodestruct": td_res, "gudhi": gd_res})
    print(f"\nsympy dense SNF route (torus n x n, limit {sympy_limit} s per size):")
    for n in sympy_sizes:
        t = time.perf_counter()
        res = _run(["--sympy-child", str(n)], timeout=sympy_limit)
        if res is None:
            print(f"  n={n}: did not finish within {sympy_limit} s "
                  f"(stopped after {time.perf_counter() - t:.0f} s)")
            break
        print(f"  n={n}: {res['size']} cells, {res['seconds']:.2f} s, betti {res['betti']}",
              flush=True)
        results["sympy"].append(res)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
