"""Tests of topodestruct.classifying: the paper's appendix 7.2 against exact homology.

Expected values come from hand derivations (homotopy types of the quotients, written
out below per family), never from the code's output.
"""
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import topodestruct as td
from topodestruct import classifying as cl
from topodestruct.plotting import plot_configuration

from conftest import ROOT, SHARED

PAPER = SHARED / "paper" / "beshkov_einevoll_rank_decomposition.txt"

# Homotopy types derived by hand (one point / separate points), as (b0, b1, b2) and H_1 torsion.
#   T^2 / n points          ≃ T^2 ∨ (n−1)S^1                       -> (1, n+1, 1)
#   T^2 / n null loops      ≃ T^2 ∨ nS^2 ∨ (n−1)S^1                -> (1, n+1, n+1)
#   T^2 / n meridians       ≃ necklace of n spheres ∨ (n−1)S^1     -> (1, n, n)
#   T^2 / (n mer. ∪ m lon.) ≃ ∨ nm S^2 (complement = nm open disks) -> (1, 0, nm)
#   S^2 / n points ≃ S^2 ∨ (n−1)S^1; S^2 / n loops ≃ (n+1)S^2 ∨ (n−1)S^1
#   Klein bottle Kb = Mb ∪ Mb: Kb/core ≃ RP^2, Kb/(both cores) ≃ S^2 ∨ S^1,
#   Kb/∂Mb ≃ RP^2 ∨ RP^2, Kb/(n fibres) ≃ necklace of n spheres ∨ (n−1)S^1.
# With separate points the (k−1) extra circles from identifying k points are absent.
ANALYTIC = {
    ("circle", "arcs"): lambda n, m: ((1, n, 0), (), n),
    ("torus", "disks"): lambda n, m: ((1, n + 1, 1), (), n),
    ("torus", "null_loops"): lambda n, m: ((1, n + 1, n + 1), (), n),
    ("torus", "meridians"): lambda n, m: ((1, n, n), (), n),
    ("torus", "longitudes"): lambda n, m: ((1, n, n), (), n),
    ("torus", "disks+null_loops"): lambda n, m: ((1, n + m + 1, m + 1), (), n + m),
    ("torus", "null_loops+meridians"): lambda n, m: ((1, n + m, n + m), (), n + m),
    ("torus", "meridians+longitudes"): lambda n, m: ((1, 0, n * m), (), 1),
    ("sphere", "disks"): lambda n, m: ((1, n - 1, 1), (), n),
    ("sphere", "null_loops"): lambda n, m: ((1, n - 1, n + 1), (), n),
    ("klein_bottle", "disks"): lambda n, m: ((1, n, 0), (2,), n),
    ("klein_bottle", "null_loops"): lambda n, m: ((1, n, n), (2,), n),
    ("klein_bottle", "fibres"): lambda n, m: ((1, n, n), (), n),
    ("klein_bottle", "one_sided_loops"): lambda n, m: [None, ((1, 0, 0), (2,), 1),
                                                       ((1, 1, 1), (), 2)][n],
    ("klein_bottle", "mobius_boundaries"): lambda n, m: ((1, n - 1, n - 1), (2, 2), n),
}


def analytic(space, family, n, m=0, separate=False):
    (b0, b1, b2), tors, k = ANALYTIC[(space, family)](n, m)
    if separate:
        b1 -= k - 1
    return [b0, b1, b2], list(tors)


def computed(cfg):
    H = cfg.quotient_homology()
    betti = list(H.betti) + [0] * (3 - len(H.betti))
    torsion = [list(t) for t in H.torsion] + [[]] * (3 - len(H.torsion))
    assert all(b == 0 for b in betti[3:]) and all(not t for t in torsion[3:])
    assert not torsion[0] and not torsion[2]
    return betti[:3], torsion[1]


FAMILY_CASES = [k for k in ANALYTIC] + [("circle", "whole")]


def _n_range(family):
    return (1, 2) if family == "one_sided_loops" else (1, 6)


# ---------------------------------------------------------------------------------------
# Closed forms vs computation (n, m up to 6)
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("space,family", list(ANALYTIC))
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_computed_matches_analytic_and_les_prediction(space, family, data):
    lo, hi = _n_range(family)
    n = data.draw(st.integers(lo, hi), label="n")
    m = data.draw(st.integers(1, 6), label="m") if cl.FAMILIES[family][1] else 0
    separate = data.draw(st.booleans(), label="separate")
    cfg = cl.build(space, family, n, m, separate=separate)
    want = analytic(space, family, n, m, separate)
    assert computed(cfg) == want
    p = cl.predict(space, family, n, m, separate)
    assert [p.rank(0), p.rank(1), p.rank(2)] == want[0]
    assert list(p.torsion_in(1)) == want[1]


def test_whole_circle_collapses_to_a_point():
    for sep in (False, True):
        cfg = cl.build("circle", "whole", 0, separate=sep)
        assert computed(cfg) == ([1, 0, 0], [])
        assert cl.predict("circle", "whole", 0, separate=sep) == td.Homology.free([1])


def test_grid_at_n_m_6_corner():
    """The largest grid of the property range, explicitly: 36 spheres."""
    v = cl.verify(cl.build("torus", "meridians+longitudes", 6, 6))
    assert v.computed == td.Homology.free([1, 0, 36])
    assert v.prediction_ok and v.euler["expected"] == 37


# ---------------------------------------------------------------------------------------
# Robustness: mesh resolution, placement, size of the pieces
# ---------------------------------------------------------------------------------------

ROBUST_CASES = [("torus", "disks+null_loops", 2, 2), ("torus", "null_loops+meridians", 2, 2),
                ("torus", "meridians+longitudes", 2, 3), ("torus", "longitudes", 3, 0),
                ("sphere", "null_loops", 3, 0), ("klein_bottle", "mobius_boundaries", 2, 0),
                ("klein_bottle", "fibres", 2, 0), ("klein_bottle", "null_loops", 2, 0),
                ("circle", "arcs", 3, 0)]


@pytest.mark.parametrize("space,family,n,m", ROBUST_CASES)
def test_independent_of_resolution_and_placement(space, family, n, m):
    want = analytic(space, family, n, m)
    base = cl.build(space, family, n, m)
    size = base.meta["resolution"]
    variants = [base, cl.build(space, family, n, m, resolution=size + 6)]
    variants += [cl.build(space, family, n, m, resolution=size + 6, placement="random",
                          random_state=seed) for seed in (0, 1)]
    if "disks" in family or "null_loops" in family:  # bigger disks and loops too
        variants.append(cl.build(space, family, n, m, resolution=size + 10, radius=2,
                                 placement="random", random_state=2))
    placements = {tuple(np.sort(np.concatenate([p.vertices for p in v.pieces])))
                  for v in variants}
    assert len(placements) == len(variants)  # the variants really differ
    for cfg in variants:
        assert computed(cfg) == want, cfg


def test_random_placement_is_reproducible():
    a = cl.build("torus", "null_loops+meridians", 2, 2, placement="random", random_state=7)
    b = cl.build("torus", "null_loops+meridians", 2, 2, placement="random",
                 random_state=np.random.default_rng(7))
    assert [p.vertices.tolist() for p in a.pieces] == [p.vertices.tolist() for p in b.pieces]


# ---------------------------------------------------------------------------------------
# Faithful geometry and the Euler characteristic
# ---------------------------------------------------------------------------------------

def test_pieces_have_the_intended_homology():
    """Every piece is a contractible set or a loop, checked with the homology engine."""
    for cfg in cl.configurations(2, separate=(False,)):
        for p in cfg.pieces:
            H = td.homology(cfg.complex.full_subcomplex(p.vertices))
            loop = p.kind in ("null_loop", "meridian", "longitude", "fibre", "one_sided_loop",
                              "mobius_boundary", "whole")
            assert list(H.betti[:2]) + [0] * (2 - len(H.betti[:2])) == [1, int(loop)], (cfg, p)


def test_meridian_and_longitude_classes():
    """Meridians (grid vertices (i, j0), i = 0..N-1) bound disks of the solid torus in the 3D embedding: their
    points all lie at the same angle around the core; longitudes wind around it."""
    cfg = cl.build("torus", "meridians+longitudes", 1, 1)
    xyz = cfg.complex.coordinates
    mer, lon = cfg.pieces
    angles = np.arctan2(xyz[mer.vertices, 1], xyz[mer.vertices, 0])
    assert np.ptp(angles) < 1e-9
    lon_angles = np.arctan2(xyz[lon.vertices, 1], xyz[lon.vertices, 0])
    assert len(np.unique(np.round(lon_angles, 9))) == len(lon.vertices)  # once around


def test_grid_loops_intersect():
    """Loops of the two classes meet in n*m points (they cannot be disjoint on T^2)."""
    cfg = cl.build("torus", "meridians+longitudes", 3, 2)
    mer = [p for p in cfg.pieces if p.kind == "meridian"]
    lon = [p for p in cfg.pieces if p.kind == "longitude"]
    crossings = sum(len(np.intersect1d(a.vertices, b.vertices)) for a in mer for b in lon)
    assert crossings == 6 and len(cfg.components) == 1


@pytest.mark.parametrize("separate", [False, True])
def test_euler_characteristic_consistency(separate):
    for cfg in cl.configurations(2, separate=(separate,)):
        v = cl.verify(cfg)
        e = v.euler
        k = len(cfg.components)
        assert e["expected"] == cfg.complex.euler_characteristic - \
            cfg.subcomplex.euler_characteristic + (k if separate else 1)
        assert e["computed"] == e["expected"], cfg


def test_one_point_vs_separate_points_differ_by_circles():
    for space, family, n, m in [("torus", "disks+null_loops", 2, 3), ("sphere", "disks", 3, 0),
                                ("klein_bottle", "fibres", 3, 0)]:
        one = computed(cl.build(space, family, n, m))
        sep_cfg = cl.build(space, family, n, m, separate=True)
        sep = computed(sep_cfg)
        k = len(sep_cfg.components)
        assert one[0][1] == sep[0][1] + k - 1 and one[0][2] == sep[0][2] and one[1] == sep[1]


# ---------------------------------------------------------------------------------------
# The paper's claims: transcription and verdicts
# ---------------------------------------------------------------------------------------

def _latex_to_plain(s):
    s = s.replace("\\mathbb{Z}", "Z").replace("\\dots", "...").replace("$", "")
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.skipif(not PAPER.exists(), reason="paper text not available")
def test_transcription_matches_paper_text():
    text = PAPER.read_text("utf-8")
    plain = _latex_to_plain(text)
    data = json.loads((ROOT / "topodestruct" / "data" / "paper_appendix_7_2.json").read_text())
    claims = {c["id"]: c for c in data["claims"]}
    assert "(Z, nZ, 0, ...) | n \\geq 0" in plain.replace(" ", " ")
    for cid in ("eq15.disks", "eq15.null_loops", "eq15.inner_loops"):
        assert claims[cid]["value"] in plain, cid
    # The three tables: every '(...)' cell of the table block, row by row.
    block = text[text.index("$I_n \\oplus S_m^1$"):text.index("Performing such")]
    cells = [_latex_to_plain(c) for c in re.findall(r"\$\((.*?)\)\$", block)]
    cells = [f"({c})" for c in cells]
    t1, t2, t3 = (claims[k]["values"] for k in ("table1", "table2", "table3"))
    rows12 = []
    for n in (1, 2, 3):  # tables 1 and 2 are printed side by side
        rows12 += [t1[f"n={n}"][f"m={m}"] for m in (1, 2, 3)]
        rows12 += [t2[f"n={n}"][f"m={m}"] for m in (1, 2, 3)]
    rows3 = [t3[f"n={n}"][f"m={m}"] for n in (1, 2, 3) for m in (1, 2, 3)]
    assert [c.replace(" ", "") for c in cells] == [c.replace(" ", "") for c in rows12 + rows3]


def test_claims_parse():
    claims = cl.paper_claims()
    assert len(claims) == 4 + 4 * 3 + 3 * 9
    by_key = {c.key: c for c in claims}
    assert by_key["table1[n=3,m=1]"].ranks == (5, 1)
    assert by_key["eq15.null_loops[n=2]"].ranks == (1, 3, 3, 0)
    assert by_key["eq14[n=0]"].family == "whole"
    assert cl.parse_paper_tuple("(Z, (n+1)Z, Z, 0, ...)", n=4) == ([1, 5, 1, 0], True)
    with pytest.raises(ValueError):
        cl.parse_paper_tuple("(Z, __import__('os')Z)")


def test_claim_comparison_respects_listed_degrees():
    c = {c.key: c for c in cl.paper_claims()}["table2[n=1,m=1]"]  # (2Z, 2Z): H_1, H_2 only
    assert c.agrees_with(td.Homology.free([1, 2, 2]))
    assert not c.agrees_with(td.Homology([1, 2, 2], [[], [2], []]))   # torsion matters
    closed = {c.key: c for c in cl.paper_claims()}["eq14[n=2]"]       # '...': higher vanish
    assert closed.agrees_with(td.Homology.free([1, 2]))
    assert not closed.agrees_with(td.Homology.free([1, 2, 0, 1]))


def test_paper_verdicts():
    """Hand derivation: table I_n ⊕ S^1_m at (3, 1) should read (5Z, 2Z) (χ = −2, the
    printed (5Z, Z) has χ = −3); table S^{1,1}_n ⊕ S^{1,2}_m is (0, Z^{nm}), so only
    n = m = 1 agrees. Everything else in eq. 14, eq. 15 and the tables is right."""
    verdicts = cl.appendix_tables()
    assert len(verdicts) == 43
    wrong = {v.claim.key for v in verdicts if not v.agree}
    expected = {"table1[n=3,m=1]"} | {f"table3[n={n},m={m}]" for n in (1, 2, 3)
                                      for m in (1, 2, 3) if (n, m) != (1, 1)}
    assert wrong == expected
    assert all(v.prediction_ok for v in verdicts)
    for v in verdicts:
        if not v.agree:
            assert v.euler["paper"] != v.euler["expected"]  # χ alone refutes each claim


def test_paper_verdicts_with_random_placement():
    verdicts = cl.appendix_tables(placement="random", random_state=3)
    assert sum(not v.agree for v in verdicts) == 9


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_tables_report(fmt):
    out = cl.tables_report(fmt=fmt, extended=(fmt == "json"))
    for c in cl.paper_claims():
        assert c.key in out
    if fmt == "json":
        data = json.loads(out)
        assert len(data["paper"]) == 43 and len(data["disagreements"]) == 9
        assert data["beyond_paper"] and all(r["prediction_ok"] for r in data["beyond_paper"])
    else:
        assert "34 agree, 9 disagree" in out


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args,kwargs,exc", [
    (("cube", "disks", 1), {}, ValueError),
    (("torus", "blobs", 1), {}, ValueError),
    (("sphere", "meridians", 1), {}, ValueError),
    (("torus", "disks", 0), {}, ValueError),
    (("torus", "disks", 1.5), {}, TypeError),
    (("torus", "disks+null_loops", 1), {}, ValueError),       # m missing
    (("klein_bottle", "one_sided_loops", 3), {}, ValueError),
    (("torus", "meridians", 5), {"resolution": 6}, ValueError),
    (("torus", "disks", 1), {"placement": "sideways"}, ValueError),
    (("torus", "disks", 1), {"placement": "random", "random_state": "seed"}, TypeError),
    (("torus", "disks", 1), {"radius": 0}, ValueError),
])
def test_bad_input(args, kwargs, exc):
    with pytest.raises(exc):
        cl.build(*args, **kwargs)


def test_bad_input_reports():
    with pytest.raises(ValueError):
        cl.tables_report(fmt="html")
    with pytest.raises(TypeError):
        cl.verify("torus")


# ---------------------------------------------------------------------------------------
# Figures and notebook
# ---------------------------------------------------------------------------------------

def test_docstring_examples():
    import doctest
    from topodestruct.paper import claims, configurations, predictions, tables
    attempted = 0
    for module in (cl, claims, configurations, predictions, tables):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 10


def test_plot_configuration_writes_png(tmp_path):
    for cfg in [cl.build("torus", "meridians+longitudes", 2, 1), cl.build("circle", "arcs", 3),
                cl.build("sphere", "null_loops", 2), cl.build("klein_bottle", "fibres", 2)]:
        path = tmp_path / f"{cfg.space}.png"
        plot_configuration(cfg, path=path)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
