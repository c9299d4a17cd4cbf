"""Issue 22: ``td.analyze`` on a point cloud is ``td.profile`` on it at one layer.

Both turn the points into the same complex (``complex="alpha"`` by default, its radius
by ``choose_alpha_scale``) and run the one pipeline on it, so for every layer ``k`` the
``predicted``, ``quotient`` and ``image_homology`` of ``analyze(net, X, layer=k)`` are
those of the ``profile(net, X)`` row ``k``, and so is the verdict at that layer.  The
homology the alpha complex reads on the input, and the README fold's verdict, are worked
out by hand in the comments.
"""
import numpy as np
import pytest

import topodestruct as td
from topodestruct.topology.groups import Homology

CIRCLE, POINT = Homology([1, 1]), Homology([1, 0])
ANNULUS = Homology([1, 1, 0])


def circle(n=60):
    """``n`` points evenly on the unit circle.

    Neighbours lie ``2 sin(pi / n)`` apart (alpha radius ``sin(pi / n)``, 0.052 for 60),
    and every triangle on them has circumradius 1: at any radius in between, the alpha
    complex is the ``n``-gon, ``n`` vertices and ``n`` edges, H = (Z, Z).
    """
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[np.cos(t), np.sin(t)]


def noisy_annulus(n=120, seed=0):
    """``n`` points drawn uniformly in angle and radius on the annulus 1 <= r <= 1.5."""
    rng = np.random.default_rng(seed)
    theta, r = rng.uniform(0, 2 * np.pi, n), rng.uniform(1.0, 1.5, n)
    return np.c_[r * np.cos(theta), r * np.sin(theta)]


def readme_fold():
    """The README's fold, (x, y) -> (x+, x-, y+, y-) -> (|x|, y+, y-), on its 40 points."""
    X = np.round(circle(40), 6)
    fold = [(np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.zeros(4)),
            (np.array([[1.0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]), np.zeros(3))]
    return td.as_network(fold), X


MLP = td.networks.mlp([2, 5, 5], random_state=0)
# name -> (network, points, homology of the input read by hand)
CLOUDS = {"circle": (MLP, circle(), CIRCLE),
          "annulus": (MLP, noisy_annulus(), ANNULUS),    # dimension-2 complex: b_0..b_2
          "readme_fold": (*readme_fold(), CIRCLE)}
LAYERS = [(name, k) for name in CLOUDS for k in (1, 2)]


@pytest.fixture(scope="module")
def profiles():
    return {name: td.profile(net, X, estimate=None) for name, (net, X, _) in CLOUDS.items()}


def test_the_input_row_reads_the_hand_known_homology(profiles):
    for name, (_, _, expected) in CLOUDS.items():
        row = profiles[name].rows[0]
        assert row["predicted"] == expected, name
        assert profiles[name].info["complex"] == "alpha"
    assert profiles["circle"].info["f_vector"] == [60, 60]          # the 60-gon (circle())
    assert profiles["readme_fold"].info["f_vector"] == [40, 40]


@pytest.mark.parametrize("name,k", LAYERS)
def test_analyze_at_layer_k_is_the_profile_row(profiles, name, k):
    net, X, expected = CLOUDS[name]
    prof = profiles[name]
    row = prof.rows[k]
    rep = td.analyze(net, X, layer=k, estimate=None)
    assert rep.input == expected and rep.rows[0]["predicted"] == expected
    assert rep.rows[1]["route"] == row["route"]
    assert rep.labels == ("simplices" if row["route"] == "exact" else "vertices")
    for key in ("predicted", "quotient", "image_homology"):
        mine, theirs = getattr(rep, key), row[key]
        assert mine == theirs, (name, k, key)
        assert mine is None or mine.torsion == theirs.torsion
    assert rep.skipped == row["skipped"]
    # the verdict at layer k: input against the image (exact where computed, else quotient)
    v, after = rep.verdict, row["image_homology"] or row["quotient"]
    assert v["before"] == expected and v["after"] == after
    assert v["changes"] == (after != expected)
    if prof.verdict["first_layer"] == k:
        assert v["source"] == prof.verdict["source"] and v["changes"]
    # the report states the complex built, as profile's info does
    assert rep.built == {key: prof.info[key] for key in
                         ("complex", "scale", "scale_rule", "f_vector")}
    assert f"alpha complex on the point cloud, scale {prof.info['scale']:.4g}, f-vector " \
           f"{prof.info['f_vector']}" in str(rep)
    assert rep.to_dict()["built"]["complex"] == "alpha"


def test_the_readme_fold_by_hand(profiles):
    """Layer 1 is injective (x = x+ - x-, y = y+ - y-): no change.  Layer 2 has rank 2 on
    every piece (the rank source keeps the circle) but folds the mirror-symmetric circle
    onto the arc x >= 0: the image and the quotient are H = (Z, 0), by folding alone."""
    net, X = readme_fold()
    rep = td.analyze(net, X, layer=2, estimate=None)
    assert (rep.predicted, rep.quotient, rep.image_homology) == (CIRCLE, POINT, POINT)
    assert {k: rep.verdict[k] for k in ("changes", "first_layer", "source")} == \
        {"changes": True, "first_layer": 2, "source": "overlap"}
    v = profiles["readme_fold"].verdict
    assert (v["first_layer"], v["source"], v["after"]) == (2, "overlap", POINT)
    rep = td.analyze(net, X, layer=1, estimate=None)
    assert rep.image_homology == CIRCLE and not rep.verdict["changes"]


def test_exact_true_and_a_given_scale_on_points():
    net, X = readme_fold()
    rep = td.analyze(net, X, layer=2, exact=True, scale=0.5, estimate=None)  # in [0.079, 1)
    assert rep.built["scale"] == 0.5 and rep.built["scale_rule"] == "given"
    assert rep.built["f_vector"] == [40, 40] and rep.image_homology == POINT


def test_knn_complex_and_the_estimate_are_the_profiles():
    """profile's doctest: two neighbours at one hop make the 40-gon (H = (Z, Z)).  Layer 1
    shifts the circle by (0, 5) into the positive quadrant (identity, injective); layer 2
    has width 1, rank <= 1 everywhere, the image an interval: (Z, 0), by rank."""
    X = circle(40)
    W = [(np.eye(2), np.array([0.0, 5.0])), (np.ones((1, 2)), None)]
    kw = dict(complex="knn", scale=1, n_neighbors=2, estimate="knn", estimate_scale=1)
    prof = td.profile(W, X, **kw)
    assert prof.info["max_dim"] == 1 and prof.info["f_vector"] == [40, 40]
    for row, after in zip(prof.rows[1:], (CIRCLE, POINT)):
        rep = td.analyze(W, X, layer=row["layer"], **kw)
        assert rep.built["complex"] == "knn" and rep.built["f_vector"] == [40, 40]
        assert rep.input == CIRCLE and rep.image_homology == after
        for key in ("predicted", "quotient", "image_homology"):
            assert getattr(rep, key) == row[key]
        assert rep.estimate == row["estimate"]
        assert rep.verdict["after"] == after and rep.verdict["changes"] == (after != CIRCLE)
    assert rep.verdict["source"] == prof.verdict["source"] == "rank"


@pytest.mark.parametrize("data,kw,message", [
    (np.zeros(5), {}, "must be an (N, d) array, got shape (5,)"),
    (np.full((10, 2), np.nan), {}, "contains NaN or inf"),
    (circle(), {"scale": 0}, "scale must be a positive finite number, got 0"),
    (circle(), {"scale": -1.0}, "scale must be a positive finite number, got -1.0"),
    (circle(), {"complex": "cech"}, "complex must be one of ('alpha', 'knn', 'rips')"),
])
def test_bad_points_give_one_clear_line(data, kw, message):
    with pytest.raises(ValueError) as caught:
        td.analyze(MLP, data, layer=1, **kw)
    said = str(caught.value)
    assert message in said and "\n" not in said
    with pytest.raises(ValueError) as theirs:                  # the same check as profile's
        td.profile(MLP, data, **kw)
    assert str(theirs.value) == said
