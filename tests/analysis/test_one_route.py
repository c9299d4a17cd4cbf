"""Issue 22: one route through the layers.

``td.analyze(net, K, layer)`` is ``td.profile(net, K)`` at one layer plus the where-details:
on every example below, each layer's ``predicted``, ``quotient`` and ``image_homology``
(Homology objects, torsion included) and the route are the same in both.  The verdicts
(``.verdict`` of both) are worked out by hand in the comments; ``geometric_layers`` (an
estimate's reading, not derivable by hand) is checked against its definition instead.
"""
import json

import numpy as np
import pytest

import topodestruct as td
from topodestruct.analysis.verdict import geometric_layers, sentence, verdict
from topodestruct.topology.groups import Homology

CIRCLE, WEDGE3 = Homology([1, 1]), Homology([1, 3])
TORUS = Homology([1, 2, 1])
POINT1, POINT2 = Homology([1, 0]), Homology([1, 0, 0])


def fold_circle(n=40):
    """README: (x, y) -> (x+, x-, y+, y-) -> (|x|, y+, y-) on a mirror-symmetric 40-gon."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    X = np.round(np.c_[np.cos(t), np.sin(t)], 6)
    circle = td.SimplicialComplex([(i, (i + 1) % n) for i in range(n)], coordinates=X)
    fold = [(np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.zeros(4)),
            (np.array([[1.0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), np.zeros(3))]
    return td.as_network(fold), circle


def fold_square():
    """README: the square (0, 1), (1, 0), (0, -1), (-1, 0) under (|x|, y + 2)."""
    square = td.SimplicialComplex([(0, 1), (1, 2), (2, 3), (0, 3)],
                                  coordinates=[[0.0, 1], [1, 0], [0, -1], [-1, 0]])
    fold = td.networks.from_weights([([[1.0, 0], [-1, 0], [0, 1], [0, -1]], [0.0] * 4),
                                     ([[1.0, 1, 0, 0], [0, 0, 1, -1]], [0.0, 2])])
    return td.as_network(fold), square


def kaiming_wide_then_one(seed=0):
    """A Kaiming 2-16-1 network on a 32-gon circle."""
    return (td.as_network(td.networks.mlp([2, 16, 1], init="kaiming", random_state=seed)),
            td.complexes.circle(32))


def kaiming_one_unit(seed=0):
    """A Kaiming 3-1 network (one unit) on a 6 x 6 torus."""
    return (td.as_network(td.networks.mlp([3, 1], init="kaiming", random_state=seed)),
            td.complexes.torus(6, 6))


def _v(changes, first, source, before, after):
    return {"changes": changes, "first_layer": first, "source": source, "before": before,
            "after": after}


# name -> (builder, verdict by hand, why)
CASES = {
    # Omega_0 at layer 1 is three disjoint arcs, all mapped to the one point 0 (a dead
    # layer); the rank-1 rims touch them and collapse with them; the rest is embedded.
    # Collapsing three arcs of a circle to one point gives a wedge of three circles: the
    # rank source alone gives the image.
    "circle_arcs": (lambda: tuple(map(_net_first, td.constructions.circle_arcs(
        3, resolution=48))), _v(True, 1, "rank", CIRCLE, WEDGE3)),
    # Omega_0 is a band around a meridian (a cylinder, one essential loop): T^2 / S^1 is
    # S^2 v S^1, H = (Z, Z, Z); the rest of the torus is embedded: the rank source again.
    "torus_band": (lambda: tuple(map(_net_first, td.constructions.torus_band(
        resolution=10, n_units=16))), _v(True, 1, "rank", TORUS, Homology([1, 1, 1]))),
    # Layer 1 passes x through (x + 4 > 0 on the torus: full rank, injective): no change.
    # Layer 2's Omega_0 is two disjoint meridian bands sent to one point: cutting along them
    # leaves two cylinders with both ends on the point, (S^2 v S^1) v (S^2 v S^1):
    # H = (Z, Z^2, Z^2), by rank.
    "torus_meridians": (lambda: tuple(map(_net_first, td.constructions.torus_meridians(
        2, resolution=8))), _v(True, 2, "rank", TORUS, Homology([1, 2, 2]))),
    # Omega_0 is a contractible cap of the disk (x >= 0.4): collapsing it leaves a disk, and
    # the cap's image is a point on an otherwise embedded disk: no change at all.
    "disk_cap": (lambda: tuple(map(_net_first, td.constructions.disk_cap(resolution=8))),
                 _v(False, None, None, POINT2, POINT2)),
    # Layer 1 (x+, x-, y+, y-) is injective: no change.  Layer 2 (|x|, y+, y-) has rank 2
    # on every piece (the rank source predicts the circle), yet folds the circle onto the
    # arc x >= 0 (mirror-symmetric vertices): H = (Z, 0), by folding alone.
    "readme_fold_profile": (fold_circle, _v(True, 2, "overlap", CIRCLE, POINT1)),
    # The same fold on a square, (|x|, y + 2): the square folds onto the path
    # (0, 3)-(1, 2)-(0, 1); rank 2 on every piece: by folding.
    "readme_fold_analyze": (fold_square, _v(True, 2, "overlap", CIRCLE, POINT1)),
    # Kaiming 2-16-1 on a circle.  Layer 1: where every piece has rank 2 (asserted below),
    # x -> relu(W x + b) is injective on the circle (equal images have the same positive
    # coordinates P, and W_P of rank 2 gives W_P x = W_P y => x = y), so the image is a
    # circle: no change.  Layer 2 has width 1: the image is a connected subset of R, an
    # interval or a point, H = (Z, 0); its rank is <= 1 everywhere, so the closed regions
    # Omega_0 and Omega_1 cover the circle and collapse, touching, to one point: the rank
    # source predicts (Z, 0) too.
    "kaiming_2_16_1": (kaiming_wide_then_one, _v(True, 2, "rank", CIRCLE, POINT1)),
    # Kaiming 3-1 on a torus: one unit, so rank <= 1 everywhere, the inactive part (rank 0)
    # and the active part (rank 1) cover the torus and collapse, touching, to one point;
    # the image is an interval or a point: H = (Z, 0, 0) at layer 1, by rank.
    "kaiming_3_1": (kaiming_one_unit, _v(True, 1, "rank", TORUS, POINT2)),
}


def _net_first(x):
    return td.as_network(x) if not isinstance(x, td.SimplicialComplex) else x


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    build, expected = CASES[request.param]
    net, K = build()
    estimate = "knn" if K.dimension == 1 else None      # the estimate where it is cheap
    prof = td.profile(net, K, estimate=estimate)
    return request.param, net, K, prof, expected, estimate


def test_profile_rows_are_exact_and_json_ready(case):
    name, net, K, prof, expected, estimate = case
    assert [r["route"] for r in prof.rows] == ["input"] + ["exact"] * (len(prof.rows) - 1)
    for r in prof.rows:
        for key in ("predicted", "quotient", "image_homology"):
            assert isinstance(r[key], Homology), (name, key)
    d = json.loads(json.dumps(prof.to_dict()))
    n = prof.info["max_dim"] + 1
    assert d["rows"][0]["predicted"] == prof.rows[0]["predicted"].betti[:n]
    assert set(d["rows"][0]["torsion"]) == {"predicted", "quotient", "image_homology"}
    assert d["verdict"]["before"]["betti"] == prof.rows[0]["predicted"].betti


def test_analyze_at_each_layer_is_the_profile_row(case):
    name, net, K, prof, expected, estimate = case
    for row in prof.rows[1:]:
        rep = td.analyze(net, K, layer=row["layer"], estimate=estimate)
        assert rep.rows[1]["route"] == row["route"] == "exact"
        for key in ("predicted", "quotient", "image_homology"):
            mine, theirs = getattr(rep, key), row[key]
            assert mine == theirs and mine.torsion == theirs.torsion, (name, row["layer"], key)
            assert rep.rows[1][key] is mine
        if estimate is not None:                     # the same estimate when asked for
            assert rep.estimate == row["estimate"]
        assert rep.skipped == row["skipped"]


def test_verdicts_are_the_hand_computed_ones(case):
    name, net, K, prof, expected, estimate = case
    v = prof.verdict
    assert {k: v[k] for k in expected} == expected, name
    assert v["geometric_layers"] == geometric_layers(prof.rows, prof.info["max_dim"] + 1)
    if name == "kaiming_2_16_1":                  # the premise of the hand argument
        assert set(td.analyze(net, K, layer=1, estimate=None).ranks.tolist()) == {2}
    last = td.analyze(net, K, estimate=None)        # analyze at the last hidden layer
    w = last.verdict
    if expected["changes"] and expected["first_layer"] == last.layer:
        assert {k: w[k] for k in expected} == expected
    elif expected["changes"]:                       # changed earlier: still changed here
        assert w["changes"] and w["before"] == expected["before"]
    else:
        assert w == dict(expected, geometric_layers=[])
    text = str(prof).splitlines()
    assert text[-2].startswith("verdict: ") and text[-1].startswith("{'changes': ")
    n = prof.info["max_dim"] + 1
    assert text[-2] == "verdict: " + sentence(v, True, [r["layer"] for r in prof.rows], n) \
        or "estimate does not read" in text[-2]
    assert str(last).splitlines()[-1].startswith("{'changes': ")


def test_geometric_layers_by_definition():
    """Only where the estimate differs from the input and the image does not."""
    from topodestruct.analysis.estimate import Estimate

    def est(b):
        return Estimate(b, "knn", 2.5, 9)

    rows = [{"layer": 0, "predicted": CIRCLE, "quotient": CIRCLE, "image_homology": CIRCLE,
             "estimate": est([1, 1])},
            {"layer": 1, "predicted": CIRCLE, "quotient": CIRCLE, "image_homology": CIRCLE,
             "estimate": est([2, 0])},                     # geometric: the image is a circle
            {"layer": 2, "predicted": CIRCLE, "quotient": POINT1, "image_homology": None,
             "estimate": est([1, 0])},                     # topological (quotient changed)
            {"layer": 3, "predicted": CIRCLE, "quotient": CIRCLE, "image_homology": CIRCLE,
             "estimate": est(None)}]                       # no reading
    v = verdict(rows, 1)
    assert v["geometric_layers"] == [1]
    assert v["first_layer"] == 2 and v["source"] == "overlap" and v["after"] == POINT1
    assert "geometric" in sentence(v)
    rows[0]["estimate"] = est([2, 1])          # the estimate misreads the input: no call
    assert verdict(rows, 1)["geometric_layers"] == []
    rows[2]["predicted"] = Homology([1, 2])    # the rank source changes, into something else
    assert verdict(rows, 1)["source"] == "rank+overlap"


def test_torsion_is_kept_in_rows_and_json():
    """A Klein bottle (H1 = Z + Z/2) through a full-rank shift: the rows keep the torsion."""
    K = td.complexes.klein_bottle(6, 6)                 # immersed in R^3: dimension 2
    net = td.networks.from_weights([(np.eye(3), np.full(3, 10.0))])
    prof = td.profile(net, K, exact=False, estimate=None)
    for r in prof.rows:
        assert r["predicted"].torsion[1] == [2] and r["quotient"].torsion[1] == [2]
    d = prof.to_dict()
    assert d["rows"][1]["torsion"]["predicted"] == [[], [2], []]
    assert "1+Z/2" in str(prof)
    assert prof.verdict["changes"] is False and prof.verdict["before"].torsion[1] == [2]


def test_exact_by_default_with_a_budget_and_what_was_skipped():
    net, K = fold_circle()
    prof = td.profile(net, K, estimate=None, budget_s=0)    # no time for the exact route
    assert [r["route"] for r in prof.rows] == ["input", "vertex", "vertex"]
    assert all("time budget of 0 s" in r["skipped"][0] for r in prof.rows[1:])
    text = str(prof)
    assert "skipped at layer 1: exact image" in text and "time budget of 0 s" in text
    rep = td.analyze(net, K, layer=2, estimate=None, budget_s=0)
    assert rep.labels == "vertices" and rep.image_homology is None
    assert rep.predicted == prof.rows[2]["predicted"] and rep.quotient == prof.rows[2]["quotient"]
    assert rep.skipped == prof.rows[2]["skipped"] and "skipped: exact image" in str(rep)
    full = td.profile(net, K, estimate=None)                # the default budget suffices
    assert full.info["budget_s"] == 60 and "time budget of 60 s" in str(full)


def test_exact_true_never_returns_none():
    net, K = fold_circle()
    with pytest.raises(RuntimeError, match="exact=True"):
        td.profile(net, K, exact=True, budget_s=0)
    with pytest.raises(RuntimeError, match="exact=True"):
        td.analyze(net, K, layer=2, exact=True, budget_s=0)
    # the exact route takes complexes of dimension 1 to 3 (3: clean or refuse, issue 25)
    simplex4 = td.SimplicialComplex([(0, 1, 2, 3, 4)], coordinates=np.r_[
        np.zeros((1, 2)), np.eye(2), [[1, 1], [2, 1]]])
    with pytest.raises(ValueError, match="exact=True: the complex has dimension 4"):
        td.profile(net, simplex4, exact=True)
    prof = td.profile(net, simplex4, estimate=None)          # exact=None: says why not
    assert "dimension 4" in prof.rows[1]["skipped"][0]


def test_estimate_is_calibrated_on_the_input_or_says_no_scale_reads_it():
    net, K = fold_circle()
    prof = td.profile(net, K, exact=False)
    est = prof.info["estimate"]
    assert est["method"] == "knn" and est["calibrated"] and "calibrated" in est["rule"]
    assert prof.rows[0]["estimate"].betti == [1, 1]          # layer 0 reads the input
    assert "image" not in prof.rows[0] and "estimate (kNN)" in str(prof).splitlines()[0]
    net, square = fold_square()                               # 4 points: no k reads it
    prof = td.profile(net, square, exact=False)
    assert prof.rows[0]["estimate"].betti is None
    assert all("no scale reads it" in r["skipped"][-1] for r in prof.rows)


def test_cli_prints_the_verdict_last(capsys, tmp_path):
    from topodestruct.cli import main

    assert main(["analyze", "--manifold", "circle", "--widths", "2,1", "--resolution", "12",
                 "--layer", "1", "--no-estimate", "--out", str(tmp_path / "rep")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("files written to ")        # before the report
    assert out[-2].startswith("verdict: The topology first changes at layer 1, by the rank")
    assert out[-1].startswith("{'changes': True, 'first_layer': 1, 'source': 'rank'")
    assert main(["analyze", "--manifold", "circle", "--widths", "2,1", "--resolution", "12",
                 "--layer", "1", "--no-estimate", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert list(d)[-1] == "verdict" and d["verdict"]["source"] == "rank"
    assert d["verdict"]["after"] == {"betti": [1, 0], "torsion": [[], []]}
