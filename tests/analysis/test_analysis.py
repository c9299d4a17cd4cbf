"""td.analyze: refinement, labels, quotient and image, against answers computed by hand.

Expected groups come from topology, not from the code:
* circle with n disjoint arcs collapsed to one point = wedge of n circles: H = (Z, Z^n);
* torus with a band (a cylinder ~ one essential loop) collapsed = T/S^1 ~ S^2 v S^1:
  H = (Z, Z, Z), for a meridian (the appendix's S^{1,1}_1) and a longitude (S^{1,2}_1);
* torus with n disjoint meridian bands collapsed to one point (S^{1,1}_n): cutting along
  the bands leaves n cylinders, each with both ends on the point, S^2 v S^1; so
  (S^2 v S^1)^{v n}: H = (Z, Z^n, Z^n);
* disk with a contractible cap collapsed: still a disk, H = (Z, 0, 0);
* everything collapsed: a point, H = (Z, 0, 0).
"""
import collections

import numpy as np
import pytest

import topodestruct as td
from topodestruct.analysis._network import forward, network_layers
from topodestruct.analysis.refine import refine


@pytest.mark.parametrize("n", [1, 2, 4])
def test_circle_arcs_give_wedge_of_n_circles(n):
    net, K = td.constructions.circle_arcs(n)
    rep = td.analyze(net, K, layer=1, estimate=None)
    assert rep.input.betti == [1, 1]
    assert rep.predicted.betti == [1, n] and rep.predicted.torsion == [[], []]
    zero = [c for c in rep.components if c.rank == 0]
    assert len(zero) == n and all(c.contractible for c in zero)
    assert len({c.point for c in zero}) == 1          # a dead layer: one image point
    assert rep.preserved == (n == 1)
    assert rep.changed == ([] if n == 1 else [1])


def test_circle_arcs_image_agrees():
    net, K = td.constructions.circle_arcs(2)
    rep = td.analyze(net, K, layer=1)
    assert rep.estimate.betti == [1, 2] and rep.agrees is True
    d = rep.to_dict()
    assert d["predicted"]["betti"] == [1, 2] and d["agrees"] is True
    assert "predicted" in str(rep)


@pytest.mark.parametrize("loop", ["meridian", "longitude"])
def test_torus_band_gives_sphere_wedge_circle(loop):
    net, K = td.constructions.torus_band(loop, resolution=12, n_units=32)
    rep = td.analyze(net, K, layer=1, estimate=None, overlaps=False)   # the refinement only
    assert rep.input.betti == [1, 2, 1]
    assert rep.predicted.betti == [1, 1, 1] and not any(rep.predicted.torsion)
    zero = [c for c in rep.components if c.rank == 0]
    assert len(zero) == 1 and zero[0].homology.betti[:2] == [1, 1]   # a band: one loop


@pytest.mark.parametrize("n", [2, 3, 4])
def test_torus_meridians_give_wedge_of_n_spheres_and_circles(n):
    net, K = td.constructions.torus_meridians(n, resolution=8)
    rep = td.analyze(net, K, layer=2, estimate=None, overlaps=False)   # the refinement only
    assert rep.input.betti == [1, 2, 1] and rep.image_homology is None
    assert rep.predicted.betti == [1, n, n] and not any(rep.predicted.torsion)
    zero = [c for c in rep.components if c.rank == 0]
    assert len(zero) == n and all(c.homology.betti[:2] == [1, 1] for c in zero)  # n bands
    assert td.analyze(net, K, layer=1, estimate=None, overlaps=False).preserved   # full rank
    cl = td.classifying
    assert cl.verify(cl.build("torus", "meridians", n)).computed.betti == [1, n, n]


def test_torus_meridians_exact_image_agrees():
    net, K = td.constructions.torus_meridians(2, resolution=8)
    rep = td.analyze(net, K, layer=2, estimate=None, exact=True)
    assert rep.image_homology.betti == [1, 2, 2] and rep.quotient.betti == [1, 2, 2]


def test_torus_meridians_rejects_overlapping_bands():
    with pytest.raises(ValueError, match="width"):
        td.constructions.torus_meridians(4, width=1.0)


def test_disk_cap_changes_nothing():
    net, K = td.constructions.disk_cap(resolution=8)
    rep = td.analyze(net, K, layer=1, estimate=None)
    assert rep.predicted.betti == [1, 0, 0] and rep.preserved
    assert any(c.rank == 0 for c in rep.components)
    assert all(c.contractible for c in rep.components if c.rank == 0)


def test_negative_first_layer_on_positive_data_collapses_everything():
    T = td.complexes.torus(8, 8)
    K = td.SimplicialComplex(T.simplices(2), coordinates=T.coordinates + 4.0)
    net = td.networks.mlp([3, 6, 6], init="uniform_negative", random_state=0)
    rep = td.analyze(net, K, layer=2, estimate=None, overlaps=False)
    assert (rep.ranks == 0).all()
    assert rep.predicted.betti == [1, 0, 0] and rep.changed == [1, 2]


def test_refinement_is_a_subdivision_in_single_regions():
    K = td.complexes.torus(8, 8)
    net = td.networks.mlp([3, 5, 5], random_state=3)
    R = refine(net, K, layer=2)
    assert R.n_added_vertices > 0
    C = R.complex()
    assert td.homology(C) == td.homology(K)
    edges = collections.Counter()
    for s in R.simplices:                     # a closed surface: every edge in two triangles
        for e in [(s[0], s[1]), (s[0], s[2]), (s[1], s[2])]:
            edges[e] += 1
    assert set(edges.values()) == {2}
    layers = network_layers(net)
    for k in range(2):
        W, b, _ = layers[k]
        h_b = forward(layers, R.barycentres(), k)[-1] if k else R.barycentres()
        assert ((h_b @ W.T + b > 0) == R.codewords[k]).all()
        h_v = forward(layers, R.points, k)[-1] if k else R.points
        zv = (h_v @ W.T + b)[R.simplices]                  # (T, 3, n_k)
        code = R.codewords[k][:, None, :]
        small = np.abs(zv) <= 1e-7 * (1 + np.abs(zv).max())
        assert ((zv > 0) == code)[~small].all()            # vertices on a cut: either sign


def test_refinement_of_circle_matches_hand_count():
    net = td.networks.from_weights([([[1.0, 0.0]], [0.0])])   # cut at x = 0
    R = refine(net, td.complexes.circle(5))
    assert R.n_added_vertices == 2 and len(R.simplices) == 7
    assert np.allclose(R.points[5:, 0], 0.0)


def test_wide_kaiming_networks_preserve_the_torus_at_most_seeds():
    K = td.complexes.torus(6, 6)
    kept = [td.analyze(td.networks.mlp([3, 20, 20], random_state=s), K, estimate=None,
                       overlaps=False).preserved for s in range(5)]
    assert sum(kept) >= 4


def test_vertex_labels_converge_to_the_exact_answer():
    exact = td.analyze(*td.constructions.circle_arcs(3), layer=1, estimate=None).predicted
    net, _ = td.constructions.circle_arcs(3)
    fine = td.analyze(net, td.complexes.circle(400), layer=1, refine=False, estimate=None)
    assert fine.labels == "vertices" and fine.predicted == exact
    # ranks at the vertices agree with the exact labels of the pieces containing them
    rep = td.analyze(net, td.complexes.circle(400), layer=1, estimate=None, overlaps=False)
    assert rep.n_added_simplices > 0


def test_intrinsic_rank_sees_a_flat_collapse():
    # torus in R^3, network projecting onto z only: ambient rank 1 where active,
    # intrinsic rank 1 as well; with a projection that kills the tangent plane nothing is
    # full rank, so the intrinsic rank never exceeds 1 and is at most 2 everywhere
    K = td.complexes.torus(8, 8)
    net = td.networks.from_weights([(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]),
                                     np.array([5.0, 5.0]))])
    amb = td.analyze(net, K, layer=1, estimate=None, overlaps=False)
    intr = td.analyze(net, K, layer=1, estimate=None, rank="intrinsic", overlaps=False)
    assert (amb.ranks == 1).all() and (intr.ranks <= 1).all()
    assert amb.predicted.betti == [1, 0, 0]      # the whole torus is one rank-1 component


def test_point_cloud_route():
    """A point cloud becomes an alpha complex (the 600-gon), analysed like a complex."""
    net, _ = td.constructions.circle_arcs(3)
    t = np.linspace(0, 2 * np.pi, 600, endpoint=False)
    X = np.stack([np.cos(t), np.sin(t)], 1)
    rep = td.analyze(net, X, layer=1, estimate=None)
    assert rep.labels == "simplices" and rep.built["complex"] == "alpha"
    assert rep.built["f_vector"] == [600, 600]
    assert rep.input.betti == [1, 1] and rep.predicted.betti == [1, 3]
    assert rep.image_homology.betti == [1, 3]


def test_bad_inputs():
    net = td.networks.mlp([3, 4, 4], random_state=0)
    T = td.complexes.torus(4, 4)
    with pytest.raises(ValueError, match="coordinates"):
        td.analyze(net, td.SimplicialComplex(T.simplices(2)))
    with pytest.raises(ValueError, match="dimension 2 but the network expects 3"):
        td.analyze(net, td.complexes.circle(6))
    with pytest.raises(ValueError, match="layer"):
        td.analyze(net, T, layer=3)
    with pytest.raises(TypeError, match="layer"):
        td.analyze(net, T, layer=1.5)
    bad = np.array(T.coordinates)
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        td.analyze(net, td.SimplicialComplex(T.simplices(2), coordinates=bad))
    with pytest.raises(ValueError, match="NaN"):
        td.analyze(net, np.full((10, 3), np.inf))
    with pytest.raises(ValueError, match="rank"):
        td.analyze(net, T, rank="tangent")
    with pytest.raises(TypeError):
        td.analyze(3.5, T)
    with pytest.raises(FileNotFoundError, match="does not exist"):   # a str is a saved model's path
        td.analyze("not a network", T)
    with pytest.raises(TypeError, match="SimplicialComplex"):
        td.analyze(net, object())
