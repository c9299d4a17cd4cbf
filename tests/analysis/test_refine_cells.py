"""The refinement cuts convex cells, not their triangulations (issue 23 item 3, issue 25).

A triangle cut by lines in general position, or a tetrahedron cut by planes, falls into
the cells of the arrangement inside it, and their number is known without the code: each
line adds 1 + (the crossings on it inside the triangle) cells, so a triangle crossed by L
lines with I crossings inside has 1 + L + I cells; a tetrahedron crossed by P planes with
E pairwise lines and T triple points inside has 1 + P + E + T.  The refinement's cells
(one per codeword, the layer being one affine layer) must be exactly those, and each is
triangulated with no extra vertex: a convex polygon with V corners into V - 2 triangles,
the vertex set being the triangle's corners, two points per crossing line and the
crossings.  (Cutting simplices instead cuts their diagonals too: more vertices and
pieces, which this test counts.)  Exact rational arithmetic (fractions) throughout.
"""
import itertools
from fractions import Fraction

import numpy as np
import pytest

import topodestruct as td
from topodestruct.analysis.refine import refine


def _frac(x):
    return Fraction(float(x))


def _solve(A, b):
    """Exact solution of a square system (fractions), or None if singular."""
    n = len(A)
    M = [[_frac(v) for v in row] + [_frac(-c)] for row, c in zip(A, b)]
    for c in range(n):
        p = next((r for r in range(c, n) if M[r][c] != 0), None)
        if p is None:
            return None
        M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c] / M[c][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[r][n] / M[r][r] for r in range(n)]


def _inside(x, corners):
    """Whether x lies strictly inside the simplex with these corners (barycentric, exact)."""
    d = len(corners) - 1
    A = [[corners[j][i] - corners[0][i] for j in range(1, d + 1)] for i in range(d)]
    lam = _solve(A, [-(x[i] - corners[0][i]) for i in range(d)])
    return min(lam) > 0 and sum(lam) < 1


def _crosses(W, b, corners):
    vals = [sum(_frac(w) * _frac(c) for w, c in zip(W, x)) + _frac(b) for x in corners]
    return min(vals) < 0 < max(vals)


def _arrangement_cells(W, b, corners):
    """1 + (flats of every dimension >= 0 cut out by the hyperplanes, meeting the open simplex):
    hyperplanes crossing it, pairwise intersections inside, triple points inside."""
    d = len(corners) - 1
    count = 1 + sum(_crosses(w, c, corners) for w, c in zip(W, b))
    for k in range(2, d + 1):
        for rows in itertools.combinations(range(len(W)), k):
            if k == d:                                   # a point: inside or not
                x = _solve([W[r] for r in rows], [b[r] for r in rows])
                count += x is not None and _inside(x, corners)
            else:                                        # d = 3, k = 2: a line
                count += _line_faces(W[rows[0]], b[rows[0]], W[rows[1]], b[rows[1]],
                                     corners) == 2
    return count


def _line_faces(w1, b1, w2, b2, corners):
    """How many faces of the tetrahedron the line {w1.x + b1 = 0 = w2.x + b2} crosses in
    their interiors (2 iff it meets the open tetrahedron, in general position), exactly."""
    hits = 0
    for face in itertools.combinations(range(4), 3):
        P = [corners[i] for i in face]
        # the line meets the plane of the face in a point: solve w1, w2 and the face's plane
        n = np.cross(np.array(P[1], float) - P[0], np.array(P[2], float) - P[0])
        if not n.any():
            continue
        nq = [(_frac(P[1][1]) - P[0][1]) * (_frac(P[2][2]) - P[0][2])
              - (_frac(P[1][2]) - P[0][2]) * (_frac(P[2][1]) - P[0][1]),
              (_frac(P[1][2]) - P[0][2]) * (_frac(P[2][0]) - P[0][0])
              - (_frac(P[1][0]) - P[0][0]) * (_frac(P[2][2]) - P[0][2]),
              (_frac(P[1][0]) - P[0][0]) * (_frac(P[2][1]) - P[0][1])
              - (_frac(P[1][1]) - P[0][1]) * (_frac(P[2][0]) - P[0][0])]
        x = _solve([list(map(_frac, w1)), list(map(_frac, w2)), nq],
                   [b1, b2, -sum(a * _frac(p) for a, p in zip(nq, P[0]))])
        if x is not None and _face_interior(x, P):
            hits += 1
    return hits


def _face_interior(x, P):
    """x in the plane of triangle P: strictly inside it (signs of sub-areas, exact)."""
    def area(a, b, c):       # a normal component large enough to decide: use all three
        u = [_frac(b[i]) - _frac(a[i]) for i in range(3)]
        v = [_frac(c[i]) - _frac(a[i]) for i in range(3)]
        return (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
    ref = area(*P)
    for i in range(3):
        Q = list(P)
        Q[i] = x
        if sum(a * r for a, r in zip(area(*Q), ref)) <= 0:
            return False
    return True


def _one_layer(W, b):
    return td.networks.from_weights([(np.asarray(W, float).tolist(), list(map(float, b)))])


@pytest.mark.parametrize("seed", range(6))
def test_a_triangle_falls_into_the_cells_of_its_line_arrangement(seed):
    rng = np.random.default_rng(seed)
    corners = [[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]]
    K = td.SimplicialComplex([(0, 1, 2)], coordinates=corners)
    W = rng.normal(size=(7, 2))
    b = -(W * rng.uniform(0.3, 2.5, size=(7, 2))).sum(1)   # lines through the triangle
    R = refine(_one_layer(W, b), K, 1)
    code = R.codewords[0]
    cells = {tuple(c) for c in code.tolist()}
    L = sum(_crosses(w, c, corners) for w, c in zip(W, b))
    expected = _arrangement_cells(W.tolist(), b.tolist(), corners)
    assert len(cells) == expected
    # no vertex beyond corners, two per crossing line and the crossings inside
    I = expected - 1 - L
    assert R.points.shape[0] == 3 + 2 * L + I
    # each cell a convex polygon with V corners, in V - 2 triangles
    for c in cells:
        rows = (code == c).all(1)
        V = len(np.unique(R.simplices[rows]))
        assert rows.sum() == V - 2
    assert td.homology(R.complex()).betti == [1, 0, 0]


@pytest.mark.parametrize("seed", range(4))
def test_a_tetrahedron_falls_into_the_cells_of_its_plane_arrangement(seed):
    rng = np.random.default_rng(10 + seed)
    corners = [[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0]]
    K = td.SimplicialComplex([(0, 1, 2, 3)], coordinates=corners)
    W = rng.normal(size=(5, 3))
    b = -(W * rng.uniform(0.2, 1.6, size=(5, 3))).sum(1)
    R = refine(_one_layer(W, b), K, 1)
    code = R.codewords[0]
    cells = {tuple(c) for c in code.tolist()}
    assert len(cells) == _arrangement_cells(W.tolist(), b.tolist(), corners)
    assert td.homology(R.complex()).betti == [1, 0, 0, 0]
    # no vertex beyond the cells' corners: K's, one per (plane, crossed edge), one per
    # (line of two planes, crossed face), one per triple point inside
    edges = list(itertools.combinations(corners, 2))
    n_edge = sum(_crosses(w, c, e) for w, c in zip(W, b) for e in edges)
    Wl, bl = W.tolist(), b.tolist()
    n_face = sum(_line_faces(Wl[i], bl[i], Wl[j], bl[j], corners)
                 for i, j in itertools.combinations(range(len(W)), 2))
    n_point = sum(x is not None and _inside(x, corners) for x in
                  (_solve([Wl[r] for r in rows], [bl[r] for r in rows])
                   for rows in itertools.combinations(range(len(W)), 3)))
    assert R.points.shape[0] == 4 + n_edge + n_face + n_point
    for c in cells:
        rows = (code == c).all(1)
        V = len(np.unique(R.simplices[rows]))
        tets = R.simplices[rows]
        tris = {tuple(sorted(t)) for s in tets for t in itertools.combinations(s, 3)}
        boundary = [t for t in tris if sum(set(t) <= set(s) for s in tets.tolist()) == 1]
        # the cell's boundary is a triangulated sphere on exactly its V corners
        assert len({v for t in boundary for v in t}) == V
        assert len(boundary) == 2 * V - 4


def test_floats_and_signs_of_integer_rows_are_exact():
    # values below the smallest float round to +-0.0, their signs come from the integers;
    # floats are the correct roundings of num / den (compared with flint's rationals)
    from flint import fmpq

    from topodestruct.analysis.refine import _float_ratios
    from topodestruct.geometry.exact_rows import signs

    num = np.array([[1, -1, 0], [3 * 2 ** 900, -5, -(2 ** 60 + 1)]], dtype=object)
    den = np.array([2 ** 1100, 7 * 2 ** 900], dtype=object)
    F = _float_ratios(num, den)
    assert signs(num).tolist() == [[1, -1, 0], [1, -1, -1]]
    assert F[0].tolist() == [0.0, -0.0, 0.0] and F[1, 0] == 3 / 7
    for i, j in np.ndindex(num.shape):
        assert F[i, j] == float(fmpq(num[i, j], den[i])), (i, j)
    big = _float_ratios(np.array([[2 ** 1100, -(2 ** 1100)]], dtype=object),
                        np.array([1], dtype=object))
    assert big.tolist() == [[np.inf, -np.inf]]
