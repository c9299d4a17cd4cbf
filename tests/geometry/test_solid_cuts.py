"""Carving a pile of solids of one 3-flat (geometry/_solid_cuts.py), checked exactly.

The cells that carving returns for a cluster of overlapping solids must be an overlay:
the cells listed for a solid lie in it and fill it (their volumes add up to its volume,
in exact rationals), and two different cells never share an interior point.  Together
these say that every cell lies in each solid or misses its interior, which is what the
image complex and the images of collapsed pieces rely on.  Volumes and containment are
computed here from the coordinates alone, with Fractions; nothing is taken from the
carving's own bookkeeping.
"""
from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from flint import fmpq

from topodestruct.geometry._solid_cuts import carve_solids
from topodestruct.geometry.exact_lp import feasible


def _fr(x):
    return Fraction(int(x.p), int(x.q)) if isinstance(x, fmpq) else Fraction(x)


def _det3(a, b, c):
    return (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
            + a[2] * (b[0] * c[1] - b[1] * c[0]))


def _volume(tet, chart):
    p = [[_fr(x) for x in chart(q)] for q in tet]
    return abs(_det3(*[[p[i][k] - p[0][k] for k in range(3)] for i in (1, 2, 3)])) / 6


def _inside(q, tet, chart):
    """Whether the point ``q`` lies in the closed tetrahedron ``tet`` (all in the flat)."""
    p = [[_fr(x) for x in chart(v)] for v in tet]
    y = [_fr(x) for x in chart(q)]
    full = _det3(*[[p[i][k] - p[0][k] for k in range(3)] for i in (1, 2, 3)])
    for i in range(4):                      # each barycentric coordinate, times full
        pts = [y if j == i else p[j] for j in range(4)]
        d = _det3(*[[pts[j][k] - pts[0][k] for k in range(3)] for j in (1, 2, 3)])
        if d * full < 0:
            return False
    return True


def _interiors_meet(A, B, chart):
    """Exact: some point is a strict convex combination of ``A``'s corners and of ``B``'s
    (for full-dimensional tetrahedra: their interiors meet).  Scaled: weights >= 1,
    sums equal, the two points equal."""
    a = [[_fr(x) for x in chart(q)] for q in A]
    b = [[_fr(x) for x in chart(q)] for q in B]
    # unknowns: l_0..l_3, m_0..m_3, s_0..s_7 (slacks: l_i - s_i = 1, m_j - s_j = 1)
    rows, rhs = [], []
    for i in range(8):
        row = [0] * 16
        row[i], row[8 + i] = 1, -1
        rows.append(row)
        rhs.append(1)
    rows.append([1] * 4 + [-1] * 4 + [0] * 8)
    rhs.append(0)
    for k in range(3):
        rows.append([a[i][k] for i in range(4)] + [-b[j][k] for j in range(4)] + [0] * 8)
        rhs.append(0)
    return feasible(rows, rhs)


def _pile(seed, n, dim):
    """``n`` random tetrahedra with small integer corners in R^3, overlapping, sent into
    one 3-flat of R^dim by an injective affine map with rational coefficients."""
    rng = np.random.default_rng(seed)
    G = [[fmpq(int(rng.integers(-3, 4)), int(rng.integers(1, 4))) for _ in range(3)]
         for _ in range(dim)]
    for k in range(3):                       # injective: the identity on three coordinates
        G[k] = [fmpq(int(k == j)) for j in range(3)]
    base = [fmpq(int(rng.integers(-5, 6)), 7) for _ in range(dim)]
    solids, point = [], {}
    while len(solids) < n:
        c = rng.integers(0, 7, size=3)
        P = [c + rng.integers(-3, 4, size=3) for _ in range(4)]
        if _det3(*[[int(P[i][k] - P[0][k]) for k in range(3)] for i in (1, 2, 3)]) == 0:
            continue
        ids = []
        for p in P:
            x = tuple(base[r] + sum((G[r][j] * int(p[j]) for j in range(3)), fmpq(0))
                      for r in range(dim))
            ids.append(next((u for u, y in point.items() if y == x), len(point)))
            point.setdefault(ids[-1], x)
        solids.append(tuple(ids))
    return solids, point


@pytest.mark.parametrize("seed,dim", [(0, 3), (1, 3), (2, 4), (3, 5), (4, 4)])
def test_carved_pile_is_an_overlay(seed, dim):
    solids, point = _pile(seed, 7, dim)
    chart = lambda q: q[:3]                  # noqa: E731  (the identity on 3 coordinates)
    S = len(solids)
    pts = lambda s: [point[u] for u in s]    # noqa: E731
    hits = [(t, q) for t, q in combinations(range(S), 2)
            if _interiors_meet(pts(solids[t]), pts(solids[q]), chart)]
    hits += [(q, t) for t, q in hits]
    assert hits, "the pile should overlap somewhere"
    out = carve_solids(solids, point, hits, list(solids))
    assert set(out) == {t for t, _ in hits}
    cells = sorted({tuple(sorted(c)) for rows in out.values() for _, _, c in rows})
    for t, rows in out.items():
        T = pts(solids[t])
        assert all(_inside(q, T, chart) for _, _, c in rows for q in c)
        assert sum(_volume(c, chart) for _, _, c in rows) == _volume(T, chart)
    for A, B in combinations(cells, 2):
        assert not _interiors_meet(list(A), list(B), chart)


def test_cells_split_reports_each_side_and_respects_among():
    # a square cut by x = 1 (vertices: 0 (0,0), 1 (2,0), 2 (2,2), 3 (0,2); cut points 4, 5);
    # a second square far away is left alone when it is not among the cells to cut
    from topodestruct.geometry._cells import Cells

    C = Cells(2, [(0, 1, 2, 3), (6, 7, 8, 9)], [0, 1])
    sg = np.array([-1, 1, 1, -1, 0, 0, -1, 1, 1, -1])
    hit, E = C.crossing_edges(sg, among=np.array([True, False]))
    assert hit.tolist() == [True, False] and E.tolist() == [[0, 1], [2, 3]]
    side = C.split(hit, sg, {(0, 1): 4, (2, 3): 5})
    assert C.shapes[0] == (6, 7, 8, 9) and side[0] == 0
    by_side = {int(s): set(shape) for s, shape in zip(side[1:], C.shapes[1:])}
    assert by_side == {1: {1, 2, 4, 5}, -1: {0, 3, 4, 5}}
