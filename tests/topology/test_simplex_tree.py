"""gudhi SimplexTree conversions: array paths vs gudhi's own iterator, coordinates, docs."""
import itertools

import gudhi
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import topodestruct as td
from topodestruct import complexes as cx
from topodestruct.topology import _simplex_tree


def gudhi_simplices(tree):
    """Simplices by gudhi's own iterator (independent of the serialized layout)."""
    return sorted(tuple(s) for s, _ in tree.get_simplices())


def our_simplices(K):
    return sorted(tuple(s) for d in range(K.dimension + 1) for s in K.simplices(d).tolist())


@st.composite
def trees(draw):
    tree = gudhi.SimplexTree()
    for _ in range(draw(st.integers(1, 12))):
        size = draw(st.integers(1, 5))
        tree.insert(draw(st.lists(st.integers(0, 40), min_size=size, max_size=size, unique=True)))
    return tree


@settings(max_examples=60, deadline=None)
@given(trees())
def test_from_simplex_tree_matches_gudhi_iterator(tree):
    K = cx.from_simplex_tree(tree)
    assert our_simplices(K) == gudhi_simplices(tree)


@settings(max_examples=60, deadline=None)
@given(trees())
def test_to_simplex_tree_matches_gudhi_insertion(tree):
    K = cx.from_simplex_tree(tree)
    ours = K.to_simplex_tree()
    assert gudhi_simplices(ours) == gudhi_simplices(tree)
    assert ours == tree  # same simplices and filtration values (all 0 in both)
    assert list(ours.num_simplices_by_dimension()) == list(K.f_vector)
    ours.compute_persistence(persistence_dim_max=True)  # a working gudhi object


def test_fallback_paths_agree(monkeypatch):
    T = cx.projective_plane(1)
    tree = T.to_simplex_tree()
    monkeypatch.setattr(_simplex_tree, "_HEADER", b"\x00" * 6)  # layout "unknown"
    monkeypatch.setattr(_simplex_tree, "_LAYOUT_OK", False)
    assert cx.from_simplex_tree(tree) == T
    assert gudhi_simplices(T.to_simplex_tree()) == gudhi_simplices(tree)


def test_rips_with_coordinates():
    rng = np.random.default_rng(0)
    pts = rng.random((40, 3))
    tree = gudhi.RipsComplex(points=pts, max_edge_length=0.4).create_simplex_tree(max_dimension=2)
    K = td.SimplicialComplex.from_simplex_tree(tree, coordinates=pts)
    assert np.array_equal(K.coordinates, pts[K.vertices])
    assert our_simplices(K) == gudhi_simplices(tree)
    # a point cloud indexed by vertex id also fits a tree that misses some ids
    sub = gudhi.SimplexTree()
    sub.insert([3, 7, 9])
    L = cx.from_simplex_tree(sub, coordinates=pts)
    assert np.array_equal(L.coordinates, pts[[3, 7, 9]])


@pytest.mark.parametrize("coords, exc, match", [
    (np.zeros((2, 2)), ValueError, "coordinates must have shape"),
    (np.zeros(3), ValueError, "coordinates must have shape"),
    (np.array([[0.0, 1.0], [np.nan, 0.0], [1.0, 1.0]]), ValueError, "finite"),
    (np.array([[0.0, 1.0], [np.inf, 0.0], [1.0, 1.0]]), ValueError, "finite"),
    (np.array([["a", "b"]] * 3), TypeError, "numeric"),
])
def test_bad_coordinates(coords, exc, match):
    tree = gudhi.SimplexTree()
    tree.insert([0, 1, 2])
    with pytest.raises(exc, match=match):
        cx.from_simplex_tree(tree, coordinates=coords)


def test_not_a_simplex_tree():
    with pytest.raises(TypeError, match="gudhi.SimplexTree"):
        cx.from_simplex_tree([(0, 1)])


def test_truncated_rips_top_homology_is_large_and_documented():
    # 2-skeleton of a flag complex: H_2 counts every unfilled 2-cycle (correct), unlike
    # gudhi's persistent Betti numbers; the docstrings say so and give the persistent one-liner
    rng = np.random.default_rng(1)
    pts = rng.normal(size=(60, 3))
    tree = gudhi.RipsComplex(points=pts, max_edge_length=1.6).create_simplex_tree(max_dimension=2)
    K = cx.from_simplex_tree(tree, coordinates=pts)
    H = td.homology(K)
    n = K.f_vector
    assert H.betti[2] >= n[2] - n[1] + n[0] - H.betti[0] > 1000  # Euler: b2 >= chi - b0
    tree.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    assert tree.betti_numbers()[2] == H.betti[2]  # gudhi on the same complex agrees
    for doc in (cx.from_simplex_tree.__doc__, td.homology.__doc__,
                td.SimplicialComplex.from_simplex_tree.__doc__):
        assert "persistent" in doc
    for doc in (cx.from_simplex_tree.__doc__, td.homology.__doc__):
        assert "persistent_betti_numbers" in doc and "max_dimension" in doc
    assert "rank workflow" in td.SimplicialComplex.__doc__
