"""The shared building blocks: the cell-complex protocol, the one group type, components and unique rows."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import topodestruct as td
from topodestruct.algebra.rows import locate_rows, unique_rows
from topodestruct.topology.cells import CellComplex, component_labels

cx = td.complexes


def test_both_complex_types_share_the_public_protocol():
    cube = td.CubicalComplex(np.ones((2, 2), dtype=bool))
    for K, A in [(cx.torus(4, 4), cx.torus(4, 4).full_subcomplex(range(4))),
                 (cube, cube.subcomplex(np.array([[True, False], [False, False]])))]:
        assert isinstance(K, CellComplex)
        assert [K.n_cells(d) for d in range(K.dimension + 2)] == list(K.f_vector) + [0]
        idx = K.subcomplex_indices(A)
        assert [len(i) for i in idx] == list(A.f_vector)
        assert A.is_subcomplex_of(K) and not K.is_subcomplex_of(A)


def test_one_group_type_for_homology_and_the_tables():
    assert not hasattr(td.classifying, "Groups")
    v = td.classifying.verify(td.classifying.build("torus", "meridians+longitudes", 2, 3))
    assert type(v.computed) is td.Homology and type(v.predicted) is td.Homology
    # the appendix's claim in the paper's notation, against analytic answers
    H = td.Homology([1, 0, 6])
    assert H.format() == "(Z, 0, Z^6)" and H.format(1, 2) == "(0, Z^6)"
    assert td.Homology([1, 0], [[], [2, 2]]).group(1) == "Z/2 ⊕ Z/2"
    assert td.Homology([1, 2], [[], [3]]).group(1) == "Z^2 ⊕ Z/3"
    # groups beyond the stored range are 0: trailing zero groups do not matter
    assert td.Homology([1, 1]) == td.Homology([1, 1, 0]) != td.Homology([1, 1, 1])
    assert td.Homology([1, 1, 0]).trimmed().betti == [1, 1]
    assert td.Homology([1], coefficients=2) != td.Homology([1])
    with pytest.raises(ValueError, match="torsion coefficients >= 2"):
        td.Homology([1], [[1]])
    with pytest.raises(ValueError, match="Betti numbers must be >= 0"):
        td.Homology([-1])


def _components_by_search(n, pairs):
    """Independent answer: depth-first search, labels in order of the smallest node."""
    adj = [[] for _ in range(n)]
    for a, b in pairs:
        adj[a].append(b)
        adj[b].append(a)
    labels, k = [-1] * n, 0
    for s in range(n):
        if labels[s] < 0:
            stack = [s]
            labels[s] = k
            while stack:
                for w in adj[stack.pop()]:
                    if labels[w] < 0:
                        labels[w] = k
                        stack.append(w)
            k += 1
    return k, labels


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=15))))
def test_component_labels_against_search(case):
    n, pairs = case
    k, labels = component_labels(n, np.array(pairs, dtype=np.int64).reshape(-1, 2))
    assert (k, labels.tolist()) == _components_by_search(n, pairs)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 300), min_size=3, max_size=3), min_size=0, max_size=30),
       st.booleans())
def test_unique_rows_against_numpy(rows, huge):
    a = np.array(rows, dtype=np.int64).reshape(-1, 3)
    if huge and len(a):  # ids too large for an int64 mixed-radix key: the byte-key path
        a = a * (2 ** 40)
    want, first, inverse = np.unique(a, axis=0, return_index=True, return_inverse=True) \
        if len(a) else (a, np.zeros(0, int), np.zeros(0, int))
    assert np.array_equal(unique_rows(a), want)
    got, got_first, got_inverse = unique_rows(a, return_index=True, return_inverse=True)
    assert np.array_equal(got, want)
    assert np.array_equal(got_first, first) and np.array_equal(got_inverse, inverse.ravel())
    if len(a):
        idx, found = locate_rows(want, a)
        assert found.all() and np.array_equal(want[idx], a)
