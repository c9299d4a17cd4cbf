"""Segment/triangle meets settled in integers (barycentric coordinates, known points) against
Fractions and against the pair-by-pair exact intersection."""
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq
from hypothesis import given, settings, strategies as st

import topodestruct as td
from topodestruct.geometry import _image_pairs, image_complex
from topodestruct.geometry.exact_rows import barycentric, homogeneous, in_triangle, integer_rows


def _reference(p, a, b, c):
    """(in plane, barycentric coordinates) with Fractions, by a search for two coordinates
    where the triangle's edge vectors are independent."""
    u = [y - x for x, y in zip(a, b)]
    v = [y - x for x, y in zip(a, c)]
    w = [y - x for x, y in zip(a, p)]
    n = len(a)
    i, j = next((i, j) for i in range(n) for j in range(n) if u[i] * v[j] - u[j] * v[i])
    det = u[i] * v[j] - u[j] * v[i]
    s = (w[i] * v[j] - w[j] * v[i]) / det
    t = (u[i] * w[j] - u[j] * w[i]) / det
    return all(w[r] == s * u[r] + t * v[r] for r in range(n)), (1 - s - t, s, t)


def _fm(p):
    return tuple(fmpq(x.numerator, x.denominator) for x in p)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_barycentric_against_fractions(data):
    """Points of the triangle's plane (inside, on its edges and vertices, outside) and points
    nudged off it: the plane test and the signs and ratios of the barycentric coordinates."""
    n = data.draw(st.integers(2, 4))
    frac = st.fractions(min_value=-4, max_value=4, max_denominator=10 ** 6)
    a, b, c = (data.draw(st.lists(frac, min_size=n, max_size=n)) for _ in range(3))
    u = [y - x for x, y in zip(a, b)]
    v = [y - x for x, y in zip(a, c)]
    if all(u[i] * v[j] == u[j] * v[i] for i in range(n) for j in range(n)):
        return                                      # degenerate: not a triangle
    pts = []
    bary = st.fractions(min_value=-1, max_value=2, max_denominator=12)
    for s, t in data.draw(st.lists(st.tuples(bary, bary), min_size=1, max_size=8)):
        p = [x + s * y + t * z for x, y, z in zip(a, u, v)]
        if data.draw(st.booleans()) and n > 2:     # off the plane by a tiny step
            p[data.draw(st.integers(0, n - 1))] += Fraction(1, 10 ** 25)
        pts.append(p)
    rows = [_fm(p) for p in pts]
    num, den = homogeneous(rows)
    plane, L = barycentric(num, den, _fm(a), _fm(b), _fm(c))
    inside = in_triangle(num, den, _fm(a), _fm(b), _fm(c))
    for k, p in enumerate(pts):
        want_plane, lam = _reference(p, a, b, c)
        assert bool(plane[k]) == want_plane
        if want_plane:
            got = [Fraction(int(x)) for x in L[k]]
            scale = sum(got)                        # a positive multiple of (1 - s - t, s, t)
            assert scale > 0 and [x / scale for x in got] == list(lam)
        assert bool(inside[k]) == (want_plane and min(lam) >= 0)


def _plane_pieces(rng, grid=4, n_tri=8, n_seg=30, off_plane=0.3):
    """Triangles and free segments with vertices on a small grid of the plane
    ``z = (x + 2 y) / 3`` in R^3 (exact), some segments lifted off it: segments through
    triangles' vertices, along their edges, inside them and across them."""
    simplices, images = [], []

    def vertex(x, y, lift=0):
        images.append([Fraction(x), Fraction(y), Fraction(x + 2 * y, 3) + lift])
        return len(images) - 1

    pick = lambda: rng.integers(0, grid, size=2)   # noqa: E731
    for _ in range(n_tri):
        while True:
            P = np.array([pick() for _ in range(3)])
            d1, d2 = P[1] - P[0], P[2] - P[0]
            if d1[0] * d2[1] != d1[1] * d2[0]:
                break
        simplices.append(tuple(vertex(*p) for p in P.tolist()))
    for _ in range(n_seg):
        p, q = pick(), pick()
        if (p == q).all():
            continue
        lift = Fraction(int(rng.integers(1, 3)), 2) if rng.random() < off_plane else 0
        simplices.append((vertex(*p.tolist()), vertex(*q.tolist(), -lift)))
    K = td.SimplicialComplex(simplices)
    X = np.empty((len(images), 3), dtype=object)
    X[:] = [[fmpq(x.numerator, x.denominator) for x in row] for row in images]
    return K, X[K.vertices]


@pytest.mark.parametrize("seed", range(8))
def test_segment_triangle_meets_equal_the_pair_by_pair_intersection(seed, monkeypatch):
    """The image complex with segment/triangle meets settled by known points equals the one
    where every pair goes through the exact intersection (interactions, overlaps, the
    complex and its exact points), and some pairs are settled so."""
    K, X = _plane_pieces(np.random.default_rng(seed))
    settled = []
    real = _image_pairs._segment_triangle_meets

    def spy(pc, pairs, rows):
        out = real(pc, pairs, rows)
        settled.append(len(out))
        return out

    monkeypatch.setattr(image_complex, "_segment_triangle_meets", spy)
    fast = image_complex.refine_image(K, X)
    monkeypatch.setattr(image_complex, "_segment_triangle_meets", lambda pc, pairs, rows: {})
    slow = image_complex.refine_image(K, X)
    assert sum(settled) > 0
    as_sets = lambda R: [(a, b, sorted(map(tuple, I))) for a, b, I in R.interactions]  # noqa
    assert as_sets(fast) == as_sets(slow)
    assert [(a, b, sorted(map(tuple, I))) for a, b, I in fast.overlaps] == \
        [(a, b, sorted(map(tuple, I))) for a, b, I in slow.overlaps]
    for d in range(fast.complex.dimension + 1):
        assert np.array_equal(fast.complex.simplices(d), slow.complex.simplices(d))
    assert list(fast.exact) == list(slow.exact)
    assert td.homology(fast.complex) == td.homology(slow.complex)


def test_integer_rows_of_a_list_and_of_lazy_rows_agree():
    rows = [_fm([Fraction(1, 3), Fraction(-2, 5)]), _fm([Fraction(7), Fraction(1, 6)])]
    num, den = integer_rows(rows, [1, 0])
    assert [[Fraction(int(x), int(d)) for x in r] for r, d in zip(num, den)] == \
        [[Fraction(7), Fraction(1, 6)], [Fraction(1, 3), Fraction(-2, 5)]]
