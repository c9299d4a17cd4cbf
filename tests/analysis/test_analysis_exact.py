"""td.analyze with the exact image (issue 17.1): image homology, overlaps, both-source quotient.

Expected answers are known by hand: a wedge of circles (rank source), and a
circle folded by (x, y) -> (|x|, y) on a mirror-symmetric triangulation (an
interval; the rank theory predicts no change).
"""
import json

import numpy as np
import pytest

import topodestruct as td


def fold_circle(n=6):
    """A 2-4-2 network computing (|x|, y + 2) and a circle symmetric under x -> -x, bit for bit."""
    t = np.pi * np.arange(1, n) / n
    right = np.stack([np.sin(t), np.cos(t)], 1)            # x > 0, from the top to the bottom
    left = right[::-1] * np.array([-1.0, 1.0])              # the exact mirror image
    pts = np.concatenate([[[0.0, 1.0]], right, [[0.0, -1.0]], left])
    m = len(pts)
    K = td.SimplicialComplex([(i, (i + 1) % m) for i in range(m)], coordinates=pts)
    W1, b1 = np.array([[1.0, 0], [-1, 0], [0, 1], [0, -1]]), np.zeros(4)
    W2, b2 = np.array([[1.0, 1, 0, 0], [0, 0, 1, -1]]), np.array([0.0, 2.0])
    return td.networks.from_weights([(W1, b1), (W2, b2)]), K


def test_circle_arcs_exact_image_is_a_wedge_of_circles():
    net, K = td.constructions.circle_arcs(3, resolution=48)
    rep = td.analyze(net, K, layer=1, estimate=None, exact=True)
    assert rep.predicted.betti == [1, 3]
    assert rep.image_homology.betti == [1, 3] and not any(rep.image_homology.torsion)
    assert rep.quotient.betti == [1, 3]
    assert rep.agrees is True and rep.diagnosis == []
    assert rep.exact_image.startswith("exact")
    assert all(o.layer == 1 for o in rep.overlaps)
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["image_homology"]["betti"] == [1, 3] and d["quotient"]["betti"] == [1, 3]
    assert d["n_overlaps"] == len(rep.overlaps)


def test_fold_rank_source_misses_it():
    net, K = fold_circle()
    rep = td.analyze(net, K, layer=2, exact=True)
    assert set(rep.ranks.tolist()) == {2}                   # full rank everywhere
    assert rep.predicted.betti == [1, 1] and rep.preserved  # the paper: no change
    assert rep.image_homology.betti == [1, 0]               # the image is an interval
    assert rep.quotient.betti == [1, 0]                     # both sources: an interval
    assert rep.agrees is False
    assert rep.estimate.betti == [1, 0]                        # persistent reading agrees
    assert any(d.startswith("folding: the rank source misses this change")
               for d in rep.diagnosis)
    # every overlap pairs a piece with its mirror image: centroids of the
    # pre-images are mirror images of each other (x -> -x) or lie on the mirror
    assert rep.overlaps
    for o in rep.overlaps:
        a, b = o.preimage_centroids
        assert np.allclose(a * [-1, 1], b) or np.allclose(a, b * [-1, 1])
        assert o.regions[0] != o.regions[1] or np.isclose(a[0], 0)
    text = str(rep)
    assert "image (exact)       H0 = Z, H1 = 0" in text and "quotient (both)" in text
    assert "folding: the rank source misses this change" in text
    d = rep.to_dict()
    assert d["agrees"] is False and d["diagnosis"] == rep.diagnosis


def test_exact_by_default_and_guarded():
    """Issue 22: exact by default within a time budget; exact=False is the vertex route;
    a guard that stops the route falls back and says so; exact=True never returns None."""
    net, K = fold_circle()
    rep = td.analyze(net, K, layer=2)                       # exact=None: within 60 s
    assert rep.image_homology.betti == [1, 0] and rep.labels == "simplices"
    assert "time budget 60 s" in str(rep)
    rep = td.analyze(net, K, layer=2, exact=False)
    assert rep.image_homology is None and rep.overlaps is None and rep.labels == "vertices"
    assert rep.estimate.betti == [1, 0]                    # the estimate is still there
    assert rep.skipped == ["exact image and exact quotient: exact=False"]
    assert "skipped: exact image and exact quotient: exact=False" in str(rep)
    rep = td.analyze(net, K, layer=2, estimate=None, max_pieces=3)
    assert rep.image_homology is None and "max_pieces=3" in rep.exact_image
    assert "max_pieces=3" in str(rep) and rep.skipped and "max_pieces=3" in rep.skipped[0]
    with pytest.raises(RuntimeError, match="max_pieces=3"):
        td.analyze(net, K, layer=2, estimate=None, exact=True, max_pieces=3)
    with pytest.raises(ValueError, match="exact refinement"):
        td.analyze(net, K, layer=2, refine=False, exact=True)
    rep = td.analyze(net, K.coordinates, layer=2, exact=True)   # points: the alpha 12-gon
    assert rep.built["f_vector"] == [12, 12] and rep.image_homology.betti == [1, 0]


def test_deprecated_names_warn_and_still_work():
    net, K = fold_circle()
    with pytest.warns(DeprecationWarning) as caught:
        rep = td.analyze(net, K, layer=2, exact_image=True, image=False)
    said = " ".join(str(w.message) for w in caught)
    assert "exact_image=" in said and "image=..." in said
    assert rep.image_homology.betti == [1, 0] and rep.estimate is None
    with pytest.warns(DeprecationWarning, match="k="):
        td.profile(net, K, k=4, exact=False)


def test_exact_route_shared_function_matches_analyze():
    from topodestruct.analysis.exact_route import exact_folding
    from topodestruct.analysis.labels import piece_ranks
    from topodestruct.analysis.refine import refine_next, start_refinement

    net, K = fold_circle()
    R = refine_next(refine_next(start_refinement(net, K)))
    F = exact_folding(net, R, 2, piece_ranks(net, R, 2))
    assert F.image_homology.betti == [1, 0] and F.quotient.betti == [1, 0]
    F1 = exact_folding(net, R, 1, piece_ranks(net, R, 1))   # layer 1 is injective
    assert F1.image_homology.betti == [1, 1] and not F1.overlaps
    with pytest.raises(ValueError, match="one entry per piece"):
        exact_folding(net, R, 2, np.zeros(3, dtype=int))


def test_torus_band_exact_image_is_sphere_wedge_circle():
    # Omega_0 is a band around a meridian: T^2 / S^1 ~ S^2 v S^1 (Betti 1, 1, 1); the rest
    # of the torus is embedded, so the image itself has that homology
    net, K = td.constructions.torus_band(resolution=10, n_units=16)
    rep = td.analyze(net, K, layer=1, estimate=None, exact=True)
    assert rep.predicted.betti == [1, 1, 1]
    assert rep.image_homology.betti == [1, 1, 1] and not any(rep.image_homology.torsion)
    assert rep.quotient.betti == [1, 1, 1]
    assert rep.agrees is True


def test_independence_certificate_refuses_near_coincident_points():
    # exact points a = (0, 1), b = (t, 1 + t), c = (1, 2) are collinear; rounded to float64,
    # b becomes (t, 1.0): the float differences would look independent
    from topodestruct.geometry import certificates as _cert

    t = 1.0 / (3 * 2.0 ** 55)
    g = np.array([[[0.0, 1.0], [t, 1.0], [1.0, 2.0]]])
    assert not _cert.independent(g)[0]
    assert _cert.independent(np.array([[[0.0, 1.0], [0.5, 1.0], [1.0, 2.0]]]))[0]


def test_cli_exact_image(capsys, tmp_path):
    import torch

    from topodestruct.cli import main

    net, _ = td.constructions.circle_arcs(2)
    torch.save(net, tmp_path / "net.pt")
    assert main(["analyze", "--model", str(tmp_path / "net.pt"), "--manifold", "circle",
                 "--layer", "1", "--no-image", "--exact-image", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["image_homology"]["betti"] == [1, 2] and d["quotient"]["betti"] == [1, 2]
    assert d["agrees"] is True and d["exact_image"].startswith("exact")


def _random_pair(rng, n, common, coplanar, gap):
    """Two triangles in R^n sharing ``common`` vertices, in one plane or not, the second
    pushed ``gap`` away (small gaps: near-touching pairs that defeat crude certificates)."""
    dims = 2 if coplanar else min(n, 4)
    basis = np.linalg.qr(rng.normal(size=(n, dims)))[0].T        # (dims, n)
    P = rng.normal(size=(6 - common, dims))
    A = P[:3]
    B = np.concatenate([A[:common], P[3:]]) if common else P[3:6]
    shift = np.zeros(dims)
    shift[0] = gap
    B = B + np.where(np.arange(len(B))[:, None] < common, 0.0, 1.0) * shift
    return A @ basis, B @ basis


@pytest.mark.parametrize("common", [0, 1, 2])
@pytest.mark.parametrize("coplanar", [True, False])
def test_separation_certificate_never_contradicts_exact_intersection(common, coplanar):
    # the float certificate may decline, but where it says "meet only in the common face"
    # the exact intersection must agree
    from topodestruct.geometry import certificates as _cert
    from topodestruct.geometry import exact as _exact

    rng = np.random.default_rng(7 + common + 3 * coplanar)
    pairs = [_random_pair(rng, 5, common, coplanar, gap)
             for gap in np.r_[np.zeros(30), 10.0 ** -rng.uniform(1, 8, 90)]]
    A = np.stack([a for a, _ in pairs])
    B = np.stack([b for _, b in pairs])
    cert = _cert.separated(A[:, :common], A[:, common:], B[:, common:])
    assert cert.sum() >= 20                      # it does certify the clear cases
    for (a, b), ok in zip(pairs, cert):
        if not ok:
            continue
        I = _exact.intersect(_exact.to_exact(a), _exact.to_exact(b))
        assert len(I) <= common
        shared = _exact.to_exact(a[:common])
        assert all(any(p == q for q in shared) for p in I)


def test_injective_promise_changes_cost_not_answer():
    # pieces of one full-rank region meet only in common faces: skipping their tests must
    # give the same image complex as testing them
    from topodestruct.analysis.exact_route import exact_images, injective_labels
    from topodestruct.geometry.image_complex import refine_image
    from topodestruct.analysis.labels import piece_ranks
    from topodestruct.analysis.refine import refine

    K = td.complexes.barycentric_subdivision(td.complexes.disk(10))
    net = td.networks.mlp([2, 6, 6, 3], random_state=3)
    R = refine(net, K, 2)
    labels = injective_labels(R, 2, piece_ranks(net, R, 2))
    assert (labels >= 0).sum() > len(labels) // 2
    Y, C = exact_images(R, 2), R.complex()
    plain, promised = refine_image(C, Y), refine_image(C, Y, injective=labels)
    assert promised.stats["promised_pairs"] > 0
    assert promised.complex.f_vector == plain.complex.f_vector
    assert td.homology(promised.complex) == td.homology(plain.complex)


def test_input_embedded_detects_crossing_triangles():
    from topodestruct.analysis.exact_route import input_embedded
    from topodestruct.analysis.refine import start_refinement

    net = td.networks.from_weights([(np.eye(2), np.zeros(2))])
    flat = td.SimplicialComplex([(0, 1, 2), (1, 2, 3)],
                                coordinates=[[0, 0], [1, 0], [0, 1], [1, 1.0]])
    folded = td.SimplicialComplex([(0, 1, 2), (1, 2, 3)],
                                  coordinates=[[0, 0], [1, 0], [0, 1], [0.2, 0.2]])
    assert input_embedded(start_refinement(net, flat)) is True
    assert input_embedded(start_refinement(net, folded)) is False
    with pytest.raises(ValueError, match="injective"):
        from topodestruct.geometry.image_complex import refine_image
        refine_image(flat, flat.coordinates, injective=[0])


def test_exact_values_are_the_network_at_the_exact_cut_points():
    """The refinement carries Phi^k by exact interpolation; it must equal the exact
    forward pass at the exact vertices (the affinity along every cut edge), and a
    coarser refinement's vertices keep their rows and values."""
    from topodestruct.analysis.exact_route import exact_images
    from topodestruct.relu.network import exact_forward
    from topodestruct.analysis.refine import refine, refine_next

    net = td.networks.mlp([2, 5, 5, 4], random_state=1)
    R1 = refine(net, td.complexes.barycentric_subdivision(td.complexes.disk(8)), 1)
    R3 = refine_next(refine_next(R1))
    assert len(R3.points) > len(R1.points)
    assert (R3.exact_points[:len(R1.points)] == R1.exact_points).all()
    assert (exact_images(R3, 1)[:len(R1.points)] == R1.exact_values).all()
    weights = [(W, b) for W, b, _ in R3.layers]
    assert (exact_images(R3, 3) == exact_forward(weights, R3.exact_points, layer=3)).all()
    # every piece lies in one closed region: no vertex strictly on the wrong side
    for k in range(3):
        Z = exact_forward(weights, R3.exact_points, layer=k + 1, final_activation=None)
        code = R3.codewords[k]
        for j in range(code.shape[1]):
            vals = Z[R3.simplices, j]
            assert all(v >= 0 for v in vals[code[:, j]].ravel())
            assert all(v <= 0 for v in vals[~code[:, j]].ravel())


@pytest.mark.parametrize("seed", range(4))
def test_every_layer_carries_the_network_and_its_signs_at_every_vertex(seed):
    """Layer by layer on a torus in R^3 (wider layers than inputs: many cuts per layer, cut
    points cut again by later units): the exact values are the exact forward pass at the
    exact vertices, the pre-activations' floats have the exact signs where those are >= 0
    and are <= 0 where they are < 0 (negative values of units already cut are not kept,
    refine._cut_points), and every piece lies in one closed region."""
    from topodestruct.analysis.refine import refine_next, start_refinement
    from topodestruct.relu.exact import exact_forward

    net = td.networks.mlp([3, 7, 6, 5], random_state=seed)
    R = start_refinement(net, td.complexes.torus(5, 7))
    for k in range(1, 4):
        R = refine_next(R)
        W, b, _ = R.layers[k - 1]                    # the pre-activations of layer k
        Z = exact_forward(list(R.layers[:k - 1]) + [(W, b, False)], R.exact_points)
        assert (R.exact_values == np.where(Z > 0, Z, 0)).all()
        pre = R.pre[k - 1]
        pos, zero, neg = (Z > 0).astype(bool), (Z == 0).astype(bool), (Z < 0).astype(bool)
        assert (pre[pos] > 0).all() and (pre[zero] == 0).all() and (pre[neg] <= 0).all()
        vals, code = Z[R.simplices], R.codewords[k - 1]
        for j in range(code.shape[1]):
            assert all(v >= 0 for v in vals[code[:, j], :, j].ravel())
            assert all(v <= 0 for v in vals[~code[:, j], :, j].ravel())
    assert len(R.points) > 3 * 35


def test_profile_exact_route_stops_at_the_pair_budget():
    K = td.complexes.barycentric_subdivision(td.complexes.disk(8))
    net = td.networks.mlp([2, 3, 2], random_state=0)
    full = td.profile(net, K, exact=True, n_neighbors=3)
    assert full.info["exact_stopped"] is None and full.info["exact_layers"] == [1, 2]
    cut = td.profile(net, K, n_neighbors=3, max_exact_pairs=0)      # exact=None: falls back
    assert "layer 1" in cut.info["exact_stopped"] and "max_exact_pairs=0" in cut.info["exact_stopped"]
    assert cut.info["exact_layers"] == [] and cut.rows[1]["image_homology"] is None
    assert cut.rows[1]["predicted"] is not None                     # the vertex route took over
    assert "max_exact_pairs=0" in cut.rows[1]["skipped"][0] and "skipped at layer 1" in str(cut)
    with pytest.raises(RuntimeError, match="max_exact_pairs=0"):   # exact=True: never a gap
        td.profile(net, K, exact=True, n_neighbors=3, max_exact_pairs=0)


def test_candidate_pair_budget_stops_before_the_narrow_phase():
    from topodestruct.geometry.image_complex import ImageTooLarge, refine_image
    C = td.complexes.circle(24)
    theta = np.arange(24) * 2 * np.pi / 24
    X = np.stack([np.round(np.cos(5 * theta), 6), np.zeros(24)], 1)   # every edge on one line
    n = refine_image(C, X).stats["candidate_pairs"]
    with pytest.raises(ImageTooLarge, match="candidate pairs"):
        refine_image(C, X, max_candidate_pairs=n - 1)
    assert refine_image(C, X, max_candidate_pairs=n).stats["candidate_pairs"] == n
