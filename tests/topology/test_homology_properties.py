"""Property tests on random small complexes against independent oracles.

Oracles: a dense boundary-matrix builder written here (dict of simplices,
sign (-1)^i) + sympy's Smith normal form; gudhi's Z/p persistence; the
universal coefficient theorem; explicit simplicial cones for quotients.
"""
import itertools

import gudhi
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import Matrix, ZZ
from sympy.matrices.normalforms import smith_normal_form

import topodestruct as td
from topodestruct import complexes as cx

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
RP2 = [(0, 1, 2), (0, 2, 3), (0, 3, 4), (0, 4, 5), (0, 5, 1),
       (1, 2, 4), (2, 3, 5), (3, 4, 1), (4, 5, 2), (5, 1, 3)]


def moore_space(k):
    """M(Z/k, 1): a disk whose boundary 3k-cycle wraps k times around a 3-cycle.

    Core 3-cycle 0, 1, 2; ring vertices 3..3k+2 (ring vertex i lies over core i mod 3);
    the ring is coned off to the last vertex. H = (Z, Z/k, 0).
    """
    ring = [3 + i for i in range(3 * k)]
    centre = 3 + 3 * k
    tops = []
    for i in range(3 * k):
        j = (i + 1) % (3 * k)
        tops += [(i % 3, j % 3, ring[j]), (i % 3, ring[i], ring[j]), (ring[i], ring[j], centre)]
    return sorted(tuple(sorted(t)) for t in tops)


# ----------------------------------------------------------------------------- oracle
def all_faces(tops):
    faces = set()
    for s in tops:
        s = tuple(sorted(s))
        for k in range(1, len(s) + 1):
            faces.update(itertools.combinations(s, k))
    return faces


def oracle_homology(tops, sub=()):
    """H_*(K, A) by dense sympy SNF; K, A given by top simplices (A may be empty)."""
    K, A = all_faces(tops), all_faces(sub)
    cells = sorted(K - A)
    top = max(len(s) for s in K) - 1
    by_dim = [[s for s in cells if len(s) == d + 1] for d in range(top + 1)]
    index = [{s: i for i, s in enumerate(ss)} for ss in by_dim]
    ranks, tors = [0] * (top + 2), [[] for _ in range(top + 2)]
    for d in range(1, top + 1):
        rows, cols = len(by_dim[d - 1]), len(by_dim[d])
        if rows == 0 or cols == 0:
            continue
        M = [[0] * cols for _ in range(rows)]
        for j, s in enumerate(by_dim[d]):
            for i in range(d + 1):
                face = s[:i] + s[i + 1:]
                if face in index[d - 1]:  # faces in A vanish in C(K)/C(A)
                    M[index[d - 1][face]][j] = (-1) ** i
        S = smith_normal_form(Matrix(M), domain=ZZ)
        diag = [abs(int(S[i, i])) for i in range(min(rows, cols)) if S[i, i] != 0]
        ranks[d], tors[d] = len(diag), sorted(x for x in diag if x > 1)
    betti = [len(by_dim[d]) - ranks[d] - ranks[d + 1] for d in range(top + 1)]
    return betti, [tors[d + 1] for d in range(top + 1)]


def gudhi_betti(tops, p, dim):
    st_ = gudhi.SimplexTree()
    for s in tops:
        st_.insert(list(s))
    st_.compute_persistence(homology_coeff_field=p, min_persistence=-1, persistence_dim_max=True)
    b = st_.betti_numbers()
    return (b + [0] * (dim + 1))[:dim + 1]


def uct_betti(H, p):
    """b_d(Z/p) = b_d + #(p | t, t in T_d) + #(p | t, t in T_{d-1})."""
    div = [sum(1 for t in ts if t % p == 0) for ts in H.torsion]
    return [b + div[d] + (div[d - 1] if d else 0) for d, b in enumerate(H.betti)]


# ----------------------------------------------------------------------------- strategies
@st.composite
def complexes(draw, max_vertices=7):
    """Random complexes; most start from RP^2 or a Moore space so that torsion shows up."""
    tops = []
    base = draw(st.sampled_from(["none", "rp2", "moore3", "moore4"]))
    if base != "none":
        space = {"rp2": RP2, "moore3": moore_space(3), "moore4": moore_space(4)}[base]
        drop = draw(st.one_of(st.just(set()), st.sets(st.integers(0, len(space) - 1), max_size=2)))
        tops += [s for i, s in enumerate(space) if i not in drop]
    n = draw(st.integers(4, max_vertices))
    k = draw(st.integers(0 if tops else 1, 6))
    for _ in range(k):
        size = draw(st.integers(2, 4))
        tops.append(tuple(sorted(draw(st.lists(st.integers(0, n - 1), min_size=size,
                                               max_size=size, unique=True)))))
    return sorted(set(tops))


@st.composite
def pairs(draw):
    tops = draw(complexes())
    faces = sorted(all_faces(tops))
    chosen = draw(st.lists(st.sampled_from(faces), min_size=1, max_size=6))
    return tops, sorted(set(chosen))


# ----------------------------------------------------------------------------- properties
@SETTINGS
@given(complexes())
def test_integer_homology_matches_dense_snf(tops):
    H = td.homology(td.SimplicialComplex(tops))
    assert (H.betti, H.torsion) == oracle_homology(tops)


@SETTINGS
@given(pairs())
def test_relative_homology_matches_dense_snf(pair):
    tops, sub = pair
    K = td.SimplicialComplex(tops)
    A = td.SimplicialComplex(sub)
    H = td.relative_homology(K, A)
    assert (H.betti, H.torsion) == oracle_homology(tops, sub)


@SETTINGS
@given(pairs())
def test_euler_characteristic_additivity(pair):
    tops, sub = pair
    K, A = td.SimplicialComplex(tops), td.SimplicialComplex(sub)
    chi_K = td.homology(K).euler_characteristic
    chi_A = td.homology(A).euler_characteristic
    chi_KA = td.relative_homology(K, A).euler_characteristic
    assert chi_K == chi_A + chi_KA
    assert chi_K == K.euler_characteristic  # homological = combinatorial (f-vector)
    assert chi_A == A.euler_characteristic


@SETTINGS
@given(pairs())
def test_relative_equals_reduced_quotient(pair):
    tops, sub = pair
    K, A = td.SimplicialComplex(tops), td.SimplicialComplex(sub)
    rel = td.relative_homology(K, A)
    quo = td.quotient_homology(K, [A])
    assert quo.betti[0] - 1 == rel.betti[0]
    assert quo.betti[1:] == rel.betti[1:] and quo.torsion == rel.torsion
    # independent route: an explicit simplicial cone on A glued to K
    apex = max(max(s) for s in tops) + 1
    coned = td.SimplicialComplex(list(tops) + [s + (apex,) for s in A.maximal_simplices()])
    H = td.homology(coned, reduced=True)
    assert H.betti[:K.dimension + 1] == rel.betti
    assert H.torsion[:K.dimension + 1] == rel.torsion


@settings(max_examples=15, deadline=None)
@given(complexes(max_vertices=6))
def test_barycentric_subdivision_invariance(tops):
    K = td.SimplicialComplex(tops)
    assert td.homology(cx.barycentric_subdivision(K)) == td.homology(K)


@SETTINGS
@given(complexes(), st.sampled_from([2, 3, 5]))
def test_mod_p_betti_vs_gudhi_and_uct(tops, p):
    K = td.SimplicialComplex(tops)
    Hp = td.homology(K, coefficients=p)
    assert Hp.betti == gudhi_betti(tops, p, K.dimension)
    assert Hp.betti == uct_betti(td.homology(K), p)
    assert td.homology(K, coefficients=0).betti == td.homology(K).betti


@pytest.mark.parametrize("builder,args", [(cx.klein_bottle, (4, 5)), (cx.projective_plane, ()),
                                          (cx.torus, (5, 3)), (cx.mobius_band, (4,))])
@pytest.mark.parametrize("p", [2, 3])
def test_standard_spaces_mod_p_vs_gudhi(builder, args, p):
    K = builder(*args)
    tops = K.maximal_simplices()
    assert td.homology(K, coefficients=p).betti == gudhi_betti(tops, p, K.dimension)


@settings(max_examples=20, deadline=None)
@given(pairs(), st.sampled_from([2, 3]))
def test_relative_mod_p_vs_uct(pair, p):
    tops, sub = pair
    K, A = td.SimplicialComplex(tops), td.SimplicialComplex(sub)
    assert td.relative_homology(K, A, coefficients=p).betti == \
        uct_betti(td.relative_homology(K, A), p)


@pytest.mark.parametrize("k", [2, 3, 5])
def test_moore_spaces(k):
    H = td.homology(td.SimplicialComplex(moore_space(k)))
    assert (H.betti, H.torsion) == ([1, 0, 0], [[], [k], []])
    assert (H.betti, H.torsion) == oracle_homology(moore_space(k))


def test_random_subsets_of_larger_complex_vs_oracle():
    # a larger complex than hypothesis draws: torus(4, 4) minus a random third of its triangles
    rng = np.random.default_rng(0)
    T = cx.torus(4, 4)
    tri = T.simplices(2)
    for _ in range(3):
        keep = tri[rng.random(len(tri)) > 0.3]
        tops = [tuple(s) for s in keep.tolist()]
        H = td.homology(td.SimplicialComplex(keep))
        assert (H.betti, H.torsion) == oracle_homology(tops)
