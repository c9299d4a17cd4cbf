"""benchmarks/bench_homology.py runs in --quick mode and its answers agree (gudhi, previous engine)."""
import importlib.util
import io
import os

import pytest

pytest.importorskip("gudhi")
PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                    "benchmarks", "bench_homology.py")


def test_quick_benchmark_table_and_goal_lines():
    spec = importlib.util.spec_from_file_location("bench_homology", PATH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = io.StringIO()
    rows = bench.run(bench.QUICK, quick=True, timeout=60, ref_timeout=60, out=out)
    text = out.getvalue()
    families = {c["family"] for c in bench.QUICK}
    assert {"torus grid", "cubical 3D", "Rips dim 2, torus", "Rips dim 3, sphere",
            "Linial-Meshulam"} <= families
    assert len(rows) == len(bench.QUICK)
    assert all(r["z2_ok"] for r in rows), text          # Betti numbers mod 2 vs gudhi
    assert all(r["z_ok"] for r in rows), text           # integer homology vs previous engine
    for fam in families:
        line = next(l for l in text.splitlines() if l.startswith("goal ratio") and fam in l)
        assert line.endswith(("-> met", "-> NOT MET"))
    assert "conversions, all sizes: worst convert / insert" in text
