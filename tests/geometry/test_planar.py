"""The exact vertical decomposition of overlapping plane triangles (geometry.planar).

Checked against exact facts that do not use the decomposition: areas (each
triangle is the union of its cells), point-in-triangle tests (carriers),
random rational points (cells do not overlap), and the cut segments and points
(they meet no cell's interior). Small integer grids force the degenerate cases:
shared edges, collinear overlaps, vertical edges, touching corners.
"""
import numpy as np
import pytest
from flint import fmpq

from plane_polygons import area, orient, q, strictly_inside
from plane_polygons import strictly_on as _strictly_on

from topodestruct.geometry.planar import decompose


def random_case(rng, n, grid, extras):
    tris = []
    while len(tris) < n:
        t = [q(*map(int, rng.integers(-grid, grid + 1, 2))) for _ in range(3)]
        if orient(*t) != 0:
            tris.append(t)
    segs, pts = [], []
    if extras:
        for _ in range(2):
            a, b = (q(*map(int, rng.integers(-grid, grid + 1, 2))) for _ in range(2))
            if a != b:
                segs.append((a, b))
        pts = [q(*map(int, rng.integers(-grid, grid + 1, 2))) for _ in range(2)]
    return tris, segs, pts


def check(tris, segs, pts, rng):
    cells = decompose(tris, segs, pts)
    for corners, carriers in cells:
        k = len(corners)
        assert k >= 3 and area(corners) > 0                     # counter-clockwise, not flat
        assert all(orient(corners[i], corners[(i + 1) % k], corners[(i + 2) % k]) > 0
                   for i in range(k))                            # strictly convex
        cx = sum(p[0] for p in corners) / k
        cy = sum(p[1] for p in corners) / k
        truth = tuple(t for t, tri in enumerate(tris) if strictly_inside((cx, cy), tri))
        assert carriers == truth
        for a, b in segs:  # a cut segment meets no cell's interior
            vals = [orient(a, b, p) for p in corners]
            if max(vals) > 0 > min(vals):
                # the line crosses the cell: the segment must stay out of the crossing chord
                chord = [p for p in _chord(corners, a, b)]
                assert not _overlap_open(chord, a, b)
        for p in pts:
            assert not strictly_inside(p, corners)
    for t, tri in enumerate(tris):
        assert sum(area(c) for c, car in cells if t in car) == abs(area(tri))
    for _ in range(40):  # no two cells overlap; covered exactly where a triangle is
        p = (fmpq(int(rng.integers(-700, 701)), 97), fmpq(int(rng.integers(-700, 701)), 89))
        n_cells = sum(strictly_inside(p, c) for c, _ in cells)
        assert n_cells <= 1
        if any(strictly_inside(p, tri) for tri in tris):
            on_edge = any(orient(c[i], c[(i + 1) % len(c)], p) == 0
                          for c, _ in cells for i in range(len(c)))
            assert n_cells == 1 or on_edge
        else:
            assert n_cells == 0
    return cells


def _chord(poly, a, b):
    """Points where the line ab meets the boundary of the convex polygon."""
    out = []
    k = len(poly)
    for i in range(k):
        p, r = poly[i], poly[(i + 1) % k]
        fp, fr = orient(a, b, p), orient(a, b, r)
        if fp == 0:
            out.append(p)
        elif (fp > 0 > fr) or (fp < 0 < fr):
            t = fp / (fp - fr)
            out.append((p[0] + t * (r[0] - p[0]), p[1] + t * (r[1] - p[1])))
    return out


def _overlap_open(chord, a, b):
    """Whether the open chord and the segment ab share more than a point."""
    k = 0 if a[0] != b[0] else 1
    c0, c1 = sorted(p[k] for p in chord)[0], sorted(p[k] for p in chord)[-1]
    s0, s1 = min(a[k], b[k]), max(a[k], b[k])
    return max(c0, s0) < min(c1, s1)


def test_two_overlapping_triangles_share_their_overlap():
    cells = decompose([[q(0, 0), q(2, 0), q(0, 2)], [q(0, 0), q(2, 0), q(2, 2)]])
    shared = [c for c, car in cells if car == (0, 1)]
    assert sum(area(c) for c in shared) == 1          # the triangle (0,0), (2,0), (1,1)
    assert sum(area(c) for c, car in cells if car == (0,)) == 1


def test_identical_triangles_are_one_cell():
    t = [q(0, 0), q(3, 1), q(1, 2)]
    one = decompose([t])
    assert len(one) == 1        # the wall at the middle vertex's x goes: the union is convex
    assert decompose([t, t[::-1]]) == [(c, (0, 1)) for c, _ in one]


def test_a_cut_segment_and_an_isolated_point_lie_on_cell_edges():
    tri = [[q(0, 0), q(4, 0), q(0, 4)]]
    cells = check(tri, [(q(1, 1), q(2, 1))], [q(1, 2)], np.random.default_rng(0))
    corners = {p for c, _ in cells for p in c}
    assert {q(1, 1), q(2, 1)} <= corners


@pytest.mark.parametrize("seed", range(30))
def test_random_triangles_on_a_small_grid(seed):
    rng = np.random.default_rng(seed)
    check(*random_case(rng, int(rng.integers(1, 9)), 4, extras=seed % 2 == 0), rng)


def test_a_triangulated_patch_folded_onto_another():
    # two triangulated squares (as a fold of one region onto another would give) shifted
    # by a non-grid offset: many crossings, shared edges within each patch
    rng = np.random.default_rng(3)
    tris = []
    for off in ((fmpq(0), fmpq(0)), (fmpq(1, 3), fmpq(2, 7))):
        for i in range(4):
            for j in range(4):
                a, b = q(i, j), q(i + 1, j)
                c, d = q(i + 1, j + 1), q(i, j + 1)
                sh = lambda p: (p[0] + off[0], p[1] + off[1])  # noqa: E731
                tris += [[sh(a), sh(b), sh(c)], [sh(a), sh(c), sh(d)]]
    cells = check(tris, [], [], rng)
    assert max(len(car) for _, car in cells) == 2


def _boundary_point(rng, tri, i):
    """A random rational point inside edge ``i`` of ``tri``."""
    t = fmpq(int(rng.integers(1, 997)), 997)
    a, b = tri[i], tri[(i + 1) % 3]
    return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))


def _crossing(s, t):
    """The point where chords ``s`` and ``t`` cross in their interiors, or None (exact)."""
    (a, b), (c, d) = s, t
    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if o1 * o2 >= 0 or o3 * o4 >= 0:
        return None
    u = o3 / (o3 - o4)
    return (a[0] + u * (b[0] - a[0]), a[1] + u * (b[1] - a[1]))


@pytest.mark.parametrize("seed", range(6))
def test_chords_of_a_triangle_give_the_faces_of_their_arrangement(seed):
    """n chords of a triangle in general position cut it into 1 + n + I convex faces (Euler:
    I interior crossings, counted here by exact orientations); every face is convex, so the
    walls of the trapezoidal map inside it all go and the cells are exactly the faces."""
    rng = np.random.default_rng(900 + seed)
    tri = [q(0, 0), q(10, 3), q(4, 10)]     # no vertical edge: one vertex per column
    n = int(rng.integers(3, 12))
    chords = []
    while len(chords) < n:
        i, j = rng.choice(3, 2, replace=False)    # ends on two different edges
        a, b = _boundary_point(rng, tri, i), _boundary_point(rng, tri, j)
        if a[0] != b[0]:
            chords.append((a, b))
    points = [p for s in chords for p in s]
    points += [x for i, s in enumerate(chords) for t in chords[:i]
               if (x := _crossing(s, t)) is not None]
    xs = [p[0] for p in points]
    assert len(set(points)) == len(points) and len(set(xs)) == len(xs)   # general position
    crossings = len(points) - 2 * n
    cells = check([tri], chords, [], rng)
    assert len(cells) == 1 + n + crossings


def test_cell_count_is_linear_in_a_mesh_not_quadratic():
    # one fine triangulated strip: cutting by whole lines would give ~n^2 cells
    tris = []
    n = 60
    for i in range(n):
        tris += [[q(i, 0), q(i + 1, 0), q(i + 1, 1)], [q(i, 0), q(i + 1, 1), q(i, 1)]]
    tris += [[q(0, 0), q(n, fmpq(1, 2)), q(0, 1)]]     # a long triangle over the strip
    cells = decompose(tris)
    assert len(cells) < 10 * len(tris)
    total = sum(area(c) for c, _ in cells)
    assert total == n                                    # the union is the strip


# ------------------------------------------------- exact intersection of coplanar triangles
def _in_closed(p, tri):
    o = [orient(tri[i], tri[(i + 1) % 3], p) for i in range(3)]
    return all(x >= 0 for x in o) or all(x <= 0 for x in o)


def _brute_intersection(A, B):
    """Corners of A ∩ B (plane triangles) from first principles: vertices inside the other
    triangle and edge crossings, reduced to their strict convex hull."""
    cand = [p for p in A if _in_closed(p, B)] + [p for p in B if _in_closed(p, A)]
    for i in range(3):
        a, b = A[i], A[(i + 1) % 3]
        for j in range(3):
            c, d = B[j], B[(j + 1) % 3]
            den = orient(a, b, c) - orient(a, b, d)
            if den != 0:
                t = orient(a, b, c) / den
                p = (c[0] + t * (d[0] - c[0]), c[1] + t * (d[1] - c[1]))
                if 0 <= t <= 1 and _in_closed(p, A):
                    cand.append(p)
    pts = sorted(set(cand))
    if len(pts) <= 2:
        return set(pts)
    hull = []
    for seq in (pts, pts[::-1]):
        part = []
        for p in seq:
            while len(part) >= 2 and orient(part[-2], part[-1], p) <= 0:
                part.pop()
            part.append(p)
        hull += part[:-1]
    return set(hull)


@pytest.mark.parametrize("seed", range(4))
def test_coplanar_triangle_intersection_matches_first_principles(seed):
    from topodestruct.geometry.exact import intersect
    rng = np.random.default_rng(seed)
    # a rational plane in R^3: (x, y) -> (x, y, x/3 - 2y/5 + 1/7)
    lift3 = lambda p: (p[0], p[1], p[0] / 3 - 2 * p[1] / 5 + fmpq(1, 7))  # noqa: E731
    for _ in range(60):
        tris, _, _ = random_case(rng, 2, 3, extras=False)
        A, B = tris
        got = intersect([lift3(p) for p in A], [lift3(p) for p in B])
        assert {(p[0], p[1]) for p in got} == _brute_intersection(A, B)
        assert len(got) == len({(p[0], p[1]) for p in got})
        if len(got) >= 3:  # cyclic: consecutive corners turn one way
            g = [(p[0], p[1]) for p in got]
            turns = {orient(g[i - 1], g[i], g[(i + 1) % len(g)]) > 0 for i in range(len(g))}
            assert len(turns) == 1


@pytest.mark.parametrize("seed", range(12))
def test_nearly_vertical_edges_and_near_ties(seed):
    # a tiny shear x -> x + y / 10^10 turns the grid's vertical edges nearly vertical (their
    # float heights are useless) next to edges whose float order is certain: the slab order
    # must mix both correctly (a float sort with local exact repairs got this wrong)
    rng = np.random.default_rng(100 + seed)
    tris, segs, pts = random_case(rng, int(rng.integers(3, 9)), 3, extras=seed % 2 == 0)
    eps = fmpq(1, 10 ** 10)
    sh = lambda p: (p[0] + eps * p[1], p[1])  # noqa: E731
    check([[sh(p) for p in t] for t in tris], [(sh(a), sh(b)) for a, b in segs],
          [sh(p) for p in pts], rng)


def test_an_edge_too_steep_for_floats_among_certain_ones():
    # the edge (1, 7)-(1 + 10^-30, 9) has float width 0 (no float height at all) and
    # shares its slab with three edges below it whose float order is certain
    tiny = fmpq(1, 10 ** 30)
    tris = [[q(0, 5), q(3, 5), q(0, 6)],
            [q(1, 7), (1 + tiny, fmpq(9)), q(2, 8)],
            [q(0, 4), q(3, 4), q(3, fmpq(9, 2))]]
    check(tris, [], [], np.random.default_rng(0))


# ---------------------------------------------------- collinear segments (folds onto a line)
def test_collinear_meet_agrees_with_the_general_intersection():
    from topodestruct.geometry.exact import collinear_meet, intersect, line_key
    rng = np.random.default_rng(5)
    base = (fmpq(1, 3), fmpq(-2), fmpq(5, 7))
    direction = (fmpq(0), fmpq(3, 2), fmpq(-1, 4))      # moves first along coordinate 1
    point = lambda t: tuple(b + fmpq(int(t)) * d for b, d in zip(base, direction))  # noqa
    for _ in range(200):
        t = rng.integers(-4, 5, size=4)
        if t[0] == t[1] or t[2] == t[3]:
            continue
        A, B = [point(t[0]), point(t[1])], [point(t[2]), point(t[3])]
        assert line_key(*A) == line_key(*B) == line_key(A[1], A[0])
        k = line_key(*A)[0]
        assert k == 1
        assert set(collinear_meet(A, B, k)) == set(intersect(A, B))
    off = tuple(x + fmpq(1, 10 ** 12) * (r == 0) for r, x in enumerate(point(1)))
    assert line_key(point(0), point(1)) != line_key(point(0), off)


def test_a_circle_folded_many_times_onto_a_line():
    import topodestruct as td
    from topodestruct.geometry.image_complex import refine_image
    C = td.complexes.circle(24)
    theta = np.arange(24) * 2 * np.pi / 24
    X = np.stack([np.round(np.cos(5 * theta), 6), np.zeros(24), np.zeros(24)], 1)  # onto an axis
    R = refine_image(C, X)
    assert R.stats["collinear_pairs"] > 100
    assert td.homology(R.complex).betti == [1, 0]                  # an interval
    assert R.complex.f_vector == (len(np.unique(X[:, 0])), len(np.unique(X[:, 0])) - 1)


def test_a_budget_check_interrupts_a_large_cluster():
    """decompose calls ``check`` while it works (a time budget can stop one big cluster), and
    a check that never raises changes nothing."""
    rng = np.random.default_rng(7)
    tris, segs, pts = random_case(rng, 30, 6, True)
    calls = []
    cells = decompose(tris, segs, pts, check=calls.append)
    assert len(calls) > 30 and cells == decompose(tris, segs, pts)

    class Spent(Exception):
        pass

    def budget(where):
        if len(calls) > 40:
            raise Spent(where)
        calls.append(where)
    calls.clear()
    with pytest.raises(Spent):
        decompose(tris, segs, pts, check=budget)


@pytest.mark.parametrize("seed", range(20))
def test_wall_feet_are_the_corners_inside_lower_and_upper_sides(seed):
    """``feet=True``: the points listed inside a cell's side are exactly the other cells'
    corners and the given points (triangles' corners, segments' ends, isolated points) that
    lie strictly inside it (brute force), in order along it, for every side that is not
    vertical; on vertical sides none are listed. The cells themselves are those without
    ``feet``."""
    rng = np.random.default_rng(500 + seed)
    tris, segs, pts = random_case(rng, int(rng.integers(2, 9)), 4, extras=seed % 2 == 0)
    cells = decompose(tris, segs, pts, feet=True)
    assert [(c, k) for c, k, _ in cells] == decompose(tris, segs, pts)
    corners = {p for c, _, _ in cells for p in c}
    corners |= {p for t in tris for p in t} | {p for s in segs for p in s} | set(pts)
    listed = 0
    for c, _, inner in cells:
        assert len(inner) == len(c)
        for i, side in enumerate(inner):
            a, b = c[i], c[(i + 1) % len(c)]
            if a[0] == b[0]:
                assert side == []
                continue
            truth = sorted((p for p in corners if _strictly_on(p, a, b)),
                           key=lambda p: p[0] if a[0] < b[0] else -p[0])
            assert side == truth
            listed += len(side)
    if seed == 0:
        assert listed > 0          # the case has wall feet at all


@pytest.mark.parametrize("seed", range(5))
def test_points_inside_segments_match_brute_force_with_many_collinear(seed):
    """Segments piled on a few lines (collinear pairs are split along their line, sorted, not
    pair by pair) and others across them: each segment's inner points (ends of others and
    crossings) equal a brute-force exact test of every point against every segment."""
    from topodestruct.geometry import planar

    rng = np.random.default_rng(seed)
    reg = planar._Registry()
    segs = set()
    lines = [((0, 0), (1, 1)), ((0, 2), (1, 0)), ((3, 0), (3, 1)), ((0, 1), (1, 1))]
    for _ in range(60):
        (x0, y0), (dx, dy) = lines[rng.integers(len(lines))]
        t = sorted(rng.choice(np.arange(-8, 9), size=2, replace=False) / 4)
        ends = [reg.add((fmpq(int(4 * (x0 + ti * dx)), 4), fmpq(int(4 * (y0 + ti * dy)), 4)))
                for ti in t]
        segs.add(tuple(sorted(ends)))
    for _ in range(15):
        a, b = (tuple(fmpq(int(v), 2) for v in rng.integers(-6, 7, size=2)) for _ in range(2))
        if a != b:
            segs.add(tuple(sorted((reg.add(a), reg.add(b)))))
    segs = sorted(segs)
    F = np.array([[float(v) for v in p] for p in reg.exact])
    inner = planar._split_points(segs, [], reg, F, lambda where, every=1: None)
    X = reg.exact

    def inside(p, a, b):
        if (b[0] - a[0]) * (p[1] - a[1]) != (b[1] - a[1]) * (p[0] - a[0]):
            return False
        return p not in (a, b) and min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and \
            min(a[1], b[1]) <= p[1] <= max(a[1], b[1])
    n_collinear = 0
    for s, (u, v) in enumerate(segs):
        expected = {w for w in range(len(X)) if inside(X[w], X[u], X[v])}
        assert set(inner[s]) == expected, (s, segs[s])
        n_collinear += any(inside(X[w], X[u], X[v]) for t in segs if t != (u, v) for w in t)
    assert n_collinear > 10          # the case under test occurs
