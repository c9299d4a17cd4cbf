"""``td.scale_study``: one point cloud's complexes at several scales, answers known by hand.

The cloud is 8 clusters of 3 points on the unit circle (angles ``2 pi j / 8 - 0.05``,
``2 pi j / 8``, ``2 pi j / 8 + 0.05``).  Every point lies on the circle, so an edge between
two points that are not neighbours on it has an arc point inside its diametral disk (it
enters the alpha complex only with a triangle, at radius 1, the circumradius of every
triangle); an edge between neighbours enters at half its length: 0.025 inside a cluster
(chord 2 sin 0.025 = 0.050), 0.336 between clusters (chord 2 sin 0.343 = 0.672).  So the
alpha complex at radius r is, for 0.336 < r < 1, the 24-gon (H0 = H1 = Z), and for
0.025 < r < 0.336 eight paths of 3 points (8 components, no loop).

The layer ``x -> ReLU(1.5 R x + (5, 5))`` (R a rotation) is positive on the unit disk
(5 - 1.5 > 0): on the data it is the similarity ``x -> 1.5 R x + (5, 5)``, injective, so
the exact image of every complex has the complex's homology and every length grows by 1.5:
the longest image of an edge ("mesh as mapped") is 1.5 * 0.672 = 1.008 for the 24-gon and
1.5 * 0.050 = 0.075 for the paths.  The image's loop dies when the thickening covers the
centre, at 1.5 cos 0.343 = 1.41 > 1.008: stable.  The eight arcs merge at half their gap,
1.5 * 0.672 / 2 = 0.504 > 0.075: stable.
"""
import numpy as np
import pytest

import topodestruct as td
from topodestruct.topology.point_clouds import point_complex

ROTATION = np.array([[np.cos(0.6), -np.sin(0.6)], [np.sin(0.6), np.cos(0.6)]])


def _cloud():
    t = (2 * np.pi * np.arange(8)[:, None] / 8 + np.array([-0.05, 0.0, 0.05])).ravel()
    return np.c_[np.cos(t), np.sin(t)]


X = _cloud()
NET = td.networks.from_weights([(1.5 * ROTATION, [5.0, 5.0])])


@pytest.fixture(scope="module")
def circles():
    """Two radii at which the alpha complex is the 24-gon."""
    return td.scale_study(NET, X, [0.4, 0.8])


@pytest.fixture(scope="module")
def too_small():
    """Radius 0.1 (eight paths) beside 0.4 (the 24-gon)."""
    return td.scale_study(NET, X, [0.1, 0.4])


def test_the_complexes_are_what_the_geometry_says():
    """The expected input rows, checked by the homology engine itself (no network)."""
    for r, f_vector, betti in ((0.1, (24, 16), [8, 0]), (0.4, (24, 24), [1, 1]),
                               (0.8, (24, 24), [1, 1])):
        K = point_complex(X, "alpha", scale=r)
        assert tuple(K.f_vector) == f_vector
        assert td.homology(K).betti == betti


def test_a_circle_at_every_radius_maps_to_a_circle(circles):
    assert circles.labels == ["alpha r=0.4", "alpha r=0.8"]
    assert circles.across == "scales"
    assert [(r["complex"], r["scale"], r["layer"]) for r in circles.rows] == \
        [("alpha", 0.4, 1), ("alpha", 0.8, 1)]
    for row in circles.rows:
        assert row["input_homology"] == [1, 1]
        assert row["n_simplices"] == 24                        # edges of the 24-gon
        assert row["image_homology"] == [1, 1]                 # injective on the data
        assert row["image_stable"] == [1, 1]                   # loop 1.41 > mesh 1.008
        assert row["resolution"] == pytest.approx(1.5 * 2 * np.sin(np.pi / 8 - 0.05),
                                                  rel=1e-6)
    assert circles.exact_agrees() == {1: True}
    assert circles.stable_agrees() == {1: True}


def test_a_radius_too_small_disconnects_and_disagrees(too_small):
    small, circle = too_small.rows
    assert small["scale"] == 0.1 and small["input_homology"] == [8, 0]
    assert small["image_homology"] == [8, 0] and small["image_stable"] == [8, 0]
    assert small["resolution"] == pytest.approx(1.5 * 2 * np.sin(0.025), rel=1e-6)
    assert circle["image_homology"] == [1, 1]
    assert too_small.exact_agrees() == {1: False}
    assert too_small.stable_agrees() == {1: False}


def test_table_json_and_plot_say_scales(circles, too_small):
    text = str(too_small).splitlines()
    assert text[0].split()[:2] == ["complex", "input"]
    assert text[1].split()[:5] == ["alpha", "r=0.1", "(8,", "0)", "1"]
    assert text[-1] == "agrees across scales: layer 1: exact no, stable no"
    data = circles.to_dict()
    assert data["across"] == "scales" and [r["scale"] for r in data["rows"]] == [0.4, 0.8]
    fig = circles.plot()
    assert fig.axes[0].get_xlabel() == "scale of the complex"
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == circles.labels


def test_labels_layers_and_other_complexes_pass_through():
    """24 evenly spaced points: neighbours 2 sin(pi/24) = 0.261 apart, next neighbours
    2 sin(pi/12) = 0.518: the Rips complex at edge 0.3 is the 24-gon with no triangle."""
    t = 2 * np.pi * np.arange(24) / 24
    study = td.scale_study(NET, np.c_[np.cos(t), np.sin(t)], [0.3], complex="rips",
                           layers=[1], labels=["edge 0.3"])
    (row,) = study.rows
    assert study.labels == ["edge 0.3"] and row["complex"] == "rips"
    assert row["n_simplices"] == 24 and row["input_homology"] == [1, 1]
    assert row["image_homology"] == [1, 1]


BAD = {
    "no scales": ([], "scales is empty"),
    "negative scale": ([0.4, -1.0], "every scale must be a positive finite number, got -1.0"),
    "zero scale": ([0], "got 0"),
    "nan scale": ([float("nan")], "got nan"),
    "one number": (0.4, "scales must be a list of positive numbers"),
    "listed twice": ([0.4, 0.4], "a scale is listed twice"),
    "no edge": ([0.01, 0.4], "alpha r=0.01: the complex on the 24 points has no edge"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_scales_are_one_clear_line(case):
    scales, phrase = BAD[case]
    with pytest.raises(ValueError) as err:
        td.scale_study(NET, X, scales)
    assert phrase in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("points, phrase", [
    (X.ravel(), "points must be a non-empty (N, d) array, got shape (48,)"),
    (np.zeros((0, 2)), "got shape (0, 2)"),
    (np.c_[X, X[:, :1]], "the points have dimension 3 but the network expects 2 inputs"),
    (np.r_[X, [[0.0, 0.0]]], "alpha r=0.4: the pure part of the complex"),
])
def test_bad_points_are_one_clear_line(points, phrase):
    with pytest.raises(ValueError) as err:
        td.scale_study(NET, points, [0.4])
    assert phrase in str(err.value) and "\n" not in str(err.value)


def test_a_3_complex_is_refused():
    """Five points in general position in R^3 span tetrahedra at a large radius."""
    P = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]], float)
    net = td.networks.from_weights([(np.eye(3), [1.0, 1.0, 1.0])])
    with pytest.raises(ValueError, match="has dimension 3; the exact route of a study needs"):
        td.scale_study(net, P, [5.0])
    with pytest.raises(ValueError, match="complex must be one of"):
        td.scale_study(net, P, [5.0], complex="cech")


def test_a_dangling_edge_runs_on_the_pure_part_of_the_same_homology():
    """A small triangle ABC (circumradius 0.115) and a point D at distance 0.5 from A: at
    radius 0.28 the edge AD is in (half its length 0.25; its diametral disk holds no other
    point) but no triangle on D is (ACD has circumradius 0.36, ABD and BCD more): the
    complex is the filled triangle with a dangling edge, not pure; its pure part, the filled
    triangle, has the same homology (Z, 0), so it stands in, and says so."""
    Y = np.array([[0.0, 0.0], [0.2, 0.0], [0.1, 0.17], [-0.5, 0.0]])
    K = point_complex(Y, "alpha", scale=0.28)
    assert tuple(K.f_vector) == (4, 4, 1)
    study = td.scale_study(NET, Y, [0.28])
    assert study.labels == ["alpha r=0.28 (pure part)"]
    row = study.rows[0]
    assert row["pure_part"] is True and list(row["image_homology"])[:2] == [1, 0]
