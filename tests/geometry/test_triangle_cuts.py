"""Convex cells of one triangle cut by segments and points (geometry._triangle_cuts).

Checked against exact facts that do not use the cutting: areas (the cells tile the
triangle), random rational points (cells do not overlap), the segments and points (they
meet no cell's interior), strict convexity, and a brute-force test of every corner against
every side (the points listed inside sides). Points with small denominators on the
triangle's edges, at its corners and on each other's lines force the degenerate cases.
"""
import numpy as np
import pytest
from flint import fmpq

from plane_polygons import area, orient, q, strictly_inside, strictly_on

from topodestruct.geometry._triangle_cuts import cut_triangle


def crosses_interior(a, b, poly):
    """Whether the open segment ab meets the polygon's interior (exact, by clipping)."""
    lo, hi = fmpq(0), fmpq(1)
    k = len(poly)
    for i in range(k):
        p, r = poly[i], poly[(i + 1) % k]
        fa, fb = orient(p, r, a), orient(p, r, b)   # > 0 inside (counter-clockwise)
        if fa <= 0 and fb <= 0:
            return False
        if fa < 0 or fb < 0:
            t = fa / (fa - fb)
            lo, hi = (max(lo, t), hi) if fa < 0 else (lo, min(hi, t))
    return lo < hi


def point_in(rng, tri):
    """A rational point of the closed triangle: often on an edge or at a corner."""
    w = rng.integers(0, 4, 3)
    if rng.random() < 0.3:
        w[rng.integers(3)] = 0
    if w.sum() == 0:
        w[0] = 1
    s = int(w.sum())
    return tuple(sum(fmpq(int(w[k]), s) * tri[k][c] for k in range(3)) for c in range(2))


def random_case(seed):
    rng = np.random.default_rng(seed)
    while True:
        tri = [q(*map(int, rng.integers(-4, 5, 2))) for _ in range(3)]
        if orient(*tri) != 0:
            break
    segs = []
    for _ in range(int(rng.integers(0, 10))):
        a, b = point_in(rng, tri), point_in(rng, tri)
        if a != b:
            segs.append((a, b))
    if segs and rng.random() < 0.5:      # a chain of two collinear pieces
        a, b = segs[0]
        m = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        segs[0:1] = [(a, m), (m, b)]
    if rng.random() < 0.3:               # a segment of length 0 first: a point
        p = point_in(rng, tri)
        segs.insert(0, (p, p))
    pts = [point_in(rng, tri) for _ in range(int(rng.integers(0, 3)))]
    return tri, segs, pts, rng


@pytest.mark.parametrize("seed", range(60))
def test_cells_tile_the_triangle_along_the_segments_and_points(seed):
    tri, segs, pts, rng = random_case(seed)
    cells = cut_triangle(tri, segs, pts)
    for corners, carriers, _ in cells:
        k = len(corners)
        assert carriers == (0,)
        assert all(orient(corners[i], corners[(i + 1) % k], corners[(i + 2) % k]) > 0
                   for i in range(k))                          # counter-clockwise, strictly convex
        assert not any(crosses_interior(a, b, corners) for a, b in segs)
        assert not any(strictly_inside(p, corners) for p in pts)
    assert sum(area(c) for c, _, _ in cells) == abs(area(tri))
    for _ in range(40):                  # no two cells overlap
        p = (fmpq(int(rng.integers(-500, 501)), 97), fmpq(int(rng.integers(-500, 501)), 89))
        assert sum(strictly_inside(p, c) for c, _, _ in cells) <= 1


@pytest.mark.parametrize("seed", range(60))
def test_points_listed_inside_sides_are_exactly_the_corners_there(seed):
    """Every point listed inside a side lies strictly inside it, in order along it; every
    corner of another cell strictly inside a side is listed (brute force)."""
    tri, segs, pts, _ = random_case(1000 + seed)
    cells = cut_triangle(tri, segs, pts)
    corners = {p for c, _, _ in cells for p in c}
    for c, _, inner in cells:
        assert len(inner) == len(c)
        for i, side in enumerate(inner):
            a, b = c[i], c[(i + 1) % len(c)]
            assert all(strictly_on(p, a, b) for p in side)
            k = 0 if a[0] != b[0] else 1
            t = [(p[k] - a[k]) / (b[k] - a[k]) for p in side]
            assert t == sorted(t) and len(set(t)) == len(t)
            assert {p for p in corners if strictly_on(p, a, b)} <= set(side)


def test_a_chain_of_collinear_segments_is_one_cut():
    """Three pieces of one line across the triangle (three triangles of one sheet crossing
    it): two cells, the chain's inner points listed inside their common side."""
    tri = [q(0, 0), q(6, 0), q(0, 6)]
    chain = [q(0, 1), q(1, 2), q(2, 3), (fmpq(5, 2), fmpq(7, 2))]   # y = x + 1, to x + y = 6
    segs = list(zip(chain[:-1], chain[1:]))
    cells = cut_triangle(tri, segs)
    assert len(cells) == 2
    for c, _, inner in cells:
        k = c.index(q(0, 1))
        j = c.index(chain[-1])
        side = inner[k] if (k + 1) % len(c) == j else inner[j]
        assert set(side) == {q(1, 2), q(2, 3)}


def test_a_segment_ending_inside_cuts_only_the_polygons_it_crosses():
    """A dangling segment cuts the triangle through to its sides (one chord), and a second
    one, beside it, cuts only the part it crosses: a T-junction, listed in the side it ends
    on."""
    tri = [q(0, 0), q(4, 0), q(0, 4)]
    cells = cut_triangle(tri, [(q(1, 0), q(1, 1)), (q(1, 2), q(2, 2))])
    assert sorted(len(c) for c, _, _ in cells) == [3, 4, 4]
    assert sum(area(c) for c, _, _ in cells) == 8
    feet = [p for _, _, inner in cells for side in inner for p in side]
    assert q(1, 2) in feet           # the second chord ends on the first one's line
