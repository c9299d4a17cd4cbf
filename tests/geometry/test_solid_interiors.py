"""The interior tests of the exact 3-D image: faces of 3-pieces tested last (only where a
3-piece meets another's interior) give the same overlaps as every piece in one pass."""
import numpy as np
import pytest

import topodestruct as td
from topodestruct.geometry import _solid_interiors, image_complex_3d
from topodestruct.geometry.image_complex_3d import refine_image_3d

from solid_builders import ring


def _both_ways(monkeypatch):
    """Make refine_image_3d run the interior tests both ways and record both answers."""
    seen = []

    def both(*args, **kw):
        first = _solid_interiors.interior_overlaps(*args, **dict(kw, faces_last=True))
        stats = dict(args[5])
        again = _solid_interiors.interior_overlaps(*args, **dict(kw, faces_last=False))
        seen.append((first, again, stats, dict(args[5])))
        return first
    monkeypatch.setattr(image_complex_3d, "interior_overlaps", both)
    return seen


def _same(seen):
    assert seen
    for (h1, b1, s1, _), (h2, b2, s2, _), st1, st2 in seen:
        assert sorted(h1) == sorted(h2) and (b1, s1) == (b2, s2)
        assert st1["interior_overlaps"] == st2["interior_overlaps"] == b1


def test_a_fold_with_interior_overlaps_finds_the_same_pairs(monkeypatch):
    seen = _both_ways(monkeypatch)
    K = ring(4, lo=-2)                                 # Kuhn on both sides: carved
    Y = K.coordinates.copy()
    Y[:, 0] = np.abs(Y[:, 0])
    R = refine_image_3d(K, Y, verify_carving=True)
    _same(seen)
    assert seen[0][0][1] > 0                           # the first pass met interiors
    assert seen[0][2].get("faces_tested") is True
    # faces of a 3-piece meet interiors too (a fold through facets): the second pass counts
    assert len(seen[0][0][0]) > seen[0][0][2]
    assert td.homology(R.complex).betti == [1, 0, 0, 0]


def test_an_edge_through_an_interior_is_found_in_the_first_pass(monkeypatch):
    seen = _both_ways(monkeypatch)
    X = np.array([[0, 0, 0], [4, 0, 0], [0, 4, 0], [0, 0, 4], [4, 4, 4], [0, 0, 0.5]])
    K = td.SimplicialComplex([(0, 1, 2, 3), (4, 5)], coordinates=X)
    R = refine_image_3d(K, X)
    _same(seen)
    assert seen[0][0][1] == 1 and seen[0][0][2] == 0
    assert td.homology(R.complex).betti == [1, 0, 0, 0]


def _ring_through_a_layer(seed):
    """A solid ring of 12 cubes refined along ``mlp([3, 5, 5])``'s first layer, with the
    exact images of its vertices there (a hundred or more solid pieces)."""
    from topodestruct.analysis.exact_route import exact_images
    from topodestruct.analysis.refine import refine_next, start_refinement

    net = td.networks.mlp([3, 5, 5], init="kaiming", random_state=seed)
    R = refine_next(start_refinement(net, ring(4)))
    return R.complex(), np.asarray(exact_images(R, 1))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_networks_on_a_ring_find_the_same_pairs(monkeypatch, seed):
    seen = _both_ways(monkeypatch)
    refine_image_3d(*_ring_through_a_layer(seed))
    _same(seen)
    assert seen[0][2]["solids"] >= 90
    # without the faces the first pass tests fewer pairs, never more
    assert 0 < seen[0][2]["candidate_pairs"] < seen[0][3]["candidate_pairs"]


def _surface_both_ways(monkeypatch):
    """Make refine_image_3d build its surface with and without what step 3 settled."""
    seen = []
    plain = image_complex_3d.refine_image

    def both(*args, **kw):
        with_solids = plain(*args, **kw)
        without = plain(*args, **dict(kw, solids=None))
        seen.append((with_solids, without, kw.get("solids")))
        return with_solids
    monkeypatch.setattr(image_complex_3d, "refine_image", both)
    return seen


def _same_surface(a, b):
    assert a.complex.f_vector == b.complex.f_vector
    assert np.array_equal(a.complex.simplices(2), b.complex.simplices(2))
    assert sorted(map(repr, a.overlaps)) == sorted(map(repr, b.overlaps))
    assert len(a.interactions) == len(b.interactions)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_surface_is_the_same_with_the_solids_settled_pairs(monkeypatch, seed):
    seen = _surface_both_ways(monkeypatch)
    refine_image_3d(*_ring_through_a_layer(seed))
    (a, b, solids), = seen
    assert solids is not None and len(solids[1])
    _same_surface(a, b)
    assert 0 < a.stats["settled_by_solids"] <= a.stats["certified_pairs"]
    assert a.stats["candidate_pairs"] == b.stats["candidate_pairs"]


def test_the_surface_of_a_symmetric_fold_is_the_same(monkeypatch):
    seen = _surface_both_ways(monkeypatch)
    K = ring(4, lo=-2, mirrored=True)                  # folds onto itself: overlaps
    Y = K.coordinates.copy()
    Y[:, 0] = np.abs(Y[:, 0])
    R = refine_image_3d(K, Y)
    (a, b, solids), = seen
    _same_surface(a, b)
    assert len(a.overlaps) > 0
    assert td.homology(R.complex).betti == [1, 0, 0, 0]


def test_solid_pieces_are_decided_exactly_where_floats_cannot_tell():
    from flint import fmpq

    from topodestruct.geometry.image_complex_3d import _solid_pieces

    tiny = fmpq(1, 2 ** 80)                            # below float64's resolution at 1
    point = {0: (0, 0, 0, 1), 1: (1, 0, 0, 1), 2: (0, 1, 0, 1), 3: (0, 0, 1, 1),
             4: (1, 1, 0, 1), 5: (1, 1, tiny, 1), 6: (2, 2, 0, 1)}
    point = {u: tuple(fmpq(x) for x in p) for u, p in point.items()}
    floats = np.array([[float(x) for x in point[u]] for u in range(7)])
    tets = np.array([[3, 2, 1, 0],                     # a solid, certified in floats
                     [0, 1, 2, 4],                     # flat: four points of z = 0
                     [0, 1, 2, 5],                     # a solid 2^-80 thick: exact
                     [0, 4, 6, 3],                     # three collinear: flat
                     [0, 1, 2, 3],                     # the first again: one 3-piece
                     [0, 0, 1, 2]])                    # a repeated vertex image: flat
    solids, members, n_flat = _solid_pieces(tets, point, floats)
    assert solids == [(0, 1, 2, 3), (0, 1, 2, 5)]
    assert members == [[0, 4], [2]] and n_flat == 3


def test_a_solid_inside_earlier_members_of_its_pile_is_carved():
    # Three tetrahedra of R^3 (three components of K, the identity map): A and B overlap,
    # C lies inside A and reaches into B.  Carving the pile adds C after A and B; once A is
    # taken from C nothing is left to take B from (session 22: that raised an IndexError on
    # D-II ring 7's layer 6).  The union of three convex sets that meet pairwise and all
    # three at once is contractible (nerve theorem): H = (Z).
    A = [[0, 0, 0], [8, 0, 0], [0, 8, 0], [0, 0, 8]]
    B = [[2, 1, 1], [10, 1, 1], [2, 9, 1], [2, 1, 9]]
    C = [[1, 1, 1], [3, 1, 1], [1, 3, 1], [1, 1, 3]]
    X = np.array(A + B + C, dtype=float)
    K = td.SimplicialComplex([(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11)], coordinates=X)
    R = refine_image_3d(K, X, verify_carving=True)
    assert td.homology(R.complex).betti == [1, 0, 0, 0]
    assert R.stats["carved_solids"] == 3


@pytest.mark.parametrize("n, betti", [(4, [1, 1, 0, 0]), (3, [1, 0, 0, 0])])
def test_the_surface_of_a_carved_layer_is_the_same_with_the_uncarved_settled_pairs(
        monkeypatch, n, betti):
    """After carving, the surface takes the first pass's settled pairs of 3-pieces left
    uncarved (and pairs of pieces of one 3-piece) as settled: the same surface as without
    them.  A ring's first column folded over ``x = 0`` (``x -> |x|``) onto the next, into
    the hole: by hand, the hole (``[0, n - 2]^2``) keeps a strip ``x > 1`` for n = 4 and is
    filled for n = 3."""
    seen = _surface_both_ways(monkeypatch)
    K = ring(n, lo=-1)
    Y = K.coordinates.copy()
    Y[:, 0] = np.abs(Y[:, 0])
    R = refine_image_3d(K, Y)
    assert R.stats["carved_solids"] > 0
    (a, b, solids), = seen                             # the carved pass's surface only
    assert solids is not None and len(solids[1]) > 0   # uncarved pairs reused
    _same_surface(a, b)
    assert 0 < a.stats["settled_by_solids"] <= a.stats["certified_pairs"]
    assert td.homology(R.complex).betti == betti
