"""The exact linear solve behind every segment/triangle intersection, against an independent
Gauss-Jordan in :class:`fractions.Fraction` on random small systems (rank-deficient and
inconsistent ones included)."""
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from topodestruct.geometry.exact import _solve, as_exact, intersect, to_exact


def _reference(A, rhs, m):
    """Reduced row echelon form of ``[A | rhs]`` by hand: ``(z0, basis)`` or None."""
    rows = [[Fraction(x) for x in r] + [Fraction(b)] for r, b in zip(A, rhs)]
    pivots, r = [], 0
    for c in range(m + 1):
        piv = next((i for i in range(r, len(rows)) if rows[i][c]), None)
        if piv is None:
            continue
        rows[r], rows[piv] = rows[piv], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c]:
                f = rows[i][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r])]
        pivots.append(c)
        r += 1
    if m in pivots:
        return None
    z0 = [Fraction(0)] * m
    for i, c in enumerate(pivots):
        z0[c] = rows[i][m]
    basis = []
    for f in (c for c in range(m) if c not in pivots):
        v = [Fraction(0)] * m
        v[f] = Fraction(1)
        for i, c in enumerate(pivots):
            v[c] = -rows[i][f]
        basis.append(v)
    return z0, basis


small = st.fractions(min_value=-4, max_value=4, max_denominator=5)


@st.composite
def systems(draw):
    m = draw(st.integers(1, 4))
    n = draw(st.integers(1, 6))
    rank = draw(st.integers(0, min(m, n)))
    # rows from `rank` generators (so rank deficiency is common), rhs consistent or not
    gens = [[draw(small) for _ in range(m)] for _ in range(rank)]
    coef = [[draw(small) for _ in range(rank)] for _ in range(n)]
    A = [[sum((c * g[j] for c, g in zip(cr, gens)), Fraction(0)) for j in range(m)]
         for cr in coef]
    z = [draw(small) for _ in range(m)]
    rhs = [sum((a * b for a, b in zip(r, z)), Fraction(0)) for r in A]
    if draw(st.booleans()):
        rhs[draw(st.integers(0, n - 1))] += draw(small)       # often inconsistent
    return A, rhs, m


@settings(max_examples=300, deadline=None)
@given(systems())
def test_solve_matches_reference_gauss_jordan(system):
    A, rhs, m = system
    got = _solve([[as_exact(x) for x in r] for r in A], [as_exact(b) for b in rhs], m)
    want = _reference(A, rhs, m)
    if want is None:
        assert got is None
        return
    z0, basis = got
    assert [Fraction(int(x.p), int(x.q)) for x in z0] == want[0]
    assert [[Fraction(int(x.p), int(x.q)) for x in v] for v in basis] == want[1]


def test_intersect_of_crossing_and_disjoint_segments_in_r3():
    # worked by hand: the diagonals of the unit square's lift cross at its centre
    P, Q = to_exact([[0, 0, 1], [2, 2, 1]]), to_exact([[0, 2, 1], [2, 0, 1]])
    assert [tuple(map(float, p)) for p in intersect(P, Q)] == [(1.0, 1.0, 1.0)]
    R = to_exact([[0, 2, 2], [2, 0, 2]])                       # one unit above: no point
    assert intersect(P, R) == []


def _reference_meet(P, Q):
    """conv(P) ∩ conv(Q) by hand in Fractions (the parameters z of p0 + sum z_i (p_i - p0) =
    q0 + sum z_j (q_j - q0) from :func:`_reference`, then z >= 0 and each side's sum <= 1):
    the corners, or None where the solutions form a plane (coplanar triangles)."""
    k, l, n = len(P) - 1, len(Q) - 1, len(P[0])
    A = [[P[i][r] - P[0][r] for i in range(1, k + 1)] + [Q[0][r] - Q[j][r] for j in
         range(1, l + 1)] for r in range(n)]
    sol = _reference(A, [Q[0][r] - P[0][r] for r in range(n)], k + l)
    if sol is None:
        return []
    z0, basis = sol
    if len(basis) >= 2:
        return None

    def ok(z):
        return all(x >= 0 for x in z) and sum(z[:k]) <= 1 and sum(z[k:]) <= 1

    def point(z):
        return tuple(P[0][r] + sum(z[i] * A[r][i] for i in range(k)) for r in range(n))
    if not basis:
        return [point(z0)] if ok(z0) else []
    # one free parameter w: the feasible ones form an interval; its ends are the corners
    v, ws = basis[0], []
    sides = [lambda z: 1 - sum(z[:k]), lambda z: 1 - sum(z[k:])]
    for c in [lambda z, i=i: z[i] for i in range(k + l)] + sides:
        a, b = c([x + y for x, y in zip(z0, v)]) - c(z0), c(z0)     # c(w) = a w + b
        if a:
            ws.append(-b / a)
    ends = sorted({w for w in ws if ok([x + w * y for x, y in zip(z0, v)])})
    return [point([x + w * y for x, y in zip(z0, v)]) for w in ends[:1] + ends[1:][-1:]]


@st.composite
def hull_pairs(draw):
    """Two affinely independent point lists (1-3 points each) in R^2..R^4 with small
    coordinates, often sharing vertices, lying in one another's affine hull, or crossing."""
    n = draw(st.integers(2, 4))
    coord = st.fractions(min_value=-3, max_value=3, max_denominator=3)
    pts = lambda c: [tuple(draw(coord) for _ in range(n)) for _ in range(c)]  # noqa: E731
    P = pts(draw(st.integers(1, 3)))
    Q = pts(draw(st.integers(1, 3)))
    how = draw(st.sampled_from(["free", "shared", "in hull", "through"]))
    if how == "through" and len(Q) > 1:  # Q's first edge through P's centre: they cross
        c, d = [sum(p[r] for p in P) / len(P) for r in range(n)], pts(1)[0]
        Q[0], Q[1] = tuple(a + b for a, b in zip(c, d)), tuple(a - b for a, b in zip(c, d))
    elif how == "shared":
        Q[0] = P[draw(st.integers(0, len(P) - 1))]
    elif how == "in hull" and len(P) > 1:
        for j in range(len(Q)):   # affine combinations of P's points: same line or plane
            w = [draw(coord) for _ in P[1:]]
            Q[j] = tuple(P[0][r] + sum(a * (p[r] - P[0][r]) for a, p in zip(w, P[1:]))
                         for r in range(n))
    return P, Q


def _independent(P):
    rows = [[a - b for a, b in zip(p, P[0])] for p in P[1:]]
    return not rows or len(_reference(rows, [0] * len(rows), len(P[0]))[1]) == \
        len(P[0]) - len(rows)


@settings(max_examples=400, deadline=None)
@given(hull_pairs(), st.integers(1, 6))
def test_intersect_and_integer_meet_match_a_reference_in_fractions(pair, scale):
    """The meet from the integer system (:func:`meet_rows`, flint's fraction-free rref, the
    image complex's route) and :func:`intersect` against the Fraction reference, on
    touching, crossing, collinear and coplanar cases; integer rows not in lowest terms
    (scaled by ``scale``) give the same points."""
    from flint import fmpq

    from topodestruct.geometry.exact import homogeneous, meet_rows
    P, Q = pair
    if not (_independent(P) and _independent(Q)):
        return
    fP, fQ = ([tuple(fmpq(x.numerator, x.denominator) for x in p) for p in S] for S in (P, Q))
    rows = [[(list(h[:-1]) and [scale * x for x in h[:-1]], scale * h[-1])
             for h in map(homogeneous, S)] for S in (fP, fQ)]
    as_fractions = lambda pts: [tuple(Fraction(int(x.p), int(x.q)) for x in p) for p in pts]  # noqa: E731,E501
    want = _reference_meet(P, Q)
    for got in (intersect(fP, fQ), meet_rows(*rows, lambda: (fP, fQ))):
        got = as_fractions(got)
        if want is None:          # a polygon in a plane: its corners lie in both hulls
            assert _reference_meet([got[0]], P) != [] if got else True
            assert all(_reference_meet([g], P) == [g] == _reference_meet([g], Q) for g in got)
        else:
            assert got == want


def _brute_pairs(lo, hi, also=None):
    import numpy as np

    F = len(lo)
    a, b = np.triu_indices(F, 1)
    ok = np.all((lo[a] <= hi[b]) & (lo[b] <= hi[a]), axis=1)
    if also is not None:
        ok &= np.all((also[0][a] <= also[1][b]) & (also[0][b] <= also[1][a]), axis=1)
    return {(int(x), int(y)) for x, y in zip(a[ok], b[ok])}


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.integers(1, 5), st.integers(0, 2 ** 32 - 1),
       st.sampled_from([0.0, 0.05, 0.3, 3.0]))
def test_box_pairs_is_every_overlapping_pair_once(F, d, seed, big):
    # boxes of mixed sizes (some spanning most of the space), points, and boxes touching at
    # a corner (closed boxes: touching counts), against all pairs by brute force
    import numpy as np

    from topodestruct.geometry.certificates import box_pairs

    rng = np.random.default_rng(seed)
    lo = np.round(rng.uniform(0, 10, (F, d)), 1)
    ext = rng.exponential(0.5, (F, d)) * np.where(rng.uniform(size=(F, 1)) < big, 20, 1)
    hi = np.round(lo + ext, 1)
    hi[: F // 5] = lo[: F // 5]                      # points
    if F > 3:
        lo[1], hi[1] = hi[0], hi[0] + 1              # a box touching another at a corner
    also = None
    if d <= 3 and seed % 2:
        Lo = np.round(rng.uniform(0, 10, (F, 2)), 1)
        also = (Lo, Lo + 2)
    got = np.sort(box_pairs(lo, hi, also=also), axis=1)
    assert len(got) == len({tuple(p) for p in got.tolist()})          # each pair once
    assert {tuple(p) for p in got.tolist()} == _brute_pairs(lo, hi, also)
    # only the pairs with one of the first boxes (the solid route's 3-pieces), without
    # building the others' pairs: the same pairs, each once
    first = int(rng.integers(0, F + 1))
    got = np.sort(box_pairs(lo, hi, also=also, first=first), axis=1)
    assert len(got) == len({tuple(p) for p in got.tolist()})
    assert {tuple(p) for p in got.tolist()} == {p for p in _brute_pairs(lo, hi, also)
                                                if p[0] < first}


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 400), st.integers(2, 4), st.integers(0, 2 ** 32 - 1),
       st.sampled_from([0.0, 0.05, 3.0]))
def test_box_pairs_in_a_grid_is_every_overlapping_pair_once(F, d, seed, big):
    # the grid forced on small inputs (cells of any size, kept even where it sweeps more
    # pairs): boxes meeting several cells, touching on cell borders (coordinates on a grid
    # of 0.5), points; each pair once, against brute force, with and without ``first``
    import numpy as np

    from topodestruct.geometry import certificates as cert

    rng = np.random.default_rng(seed)
    lo = np.round(rng.uniform(0, 10, (F, d)) * 2) / 2
    hi = lo + np.round(rng.exponential(0.7, (F, d)) * 2) / 2 * np.where(
        rng.uniform(size=(F, 1)) < big, 10, 1)
    hi[: F // 7] = lo[: F // 7]
    saved = cert._GRID_MIN_BOXES, cert._GRID_MAX_SPAN, cert._GRID_PAIR_COST
    cert._GRID_MIN_BOXES, cert._GRID_MAX_SPAN, cert._GRID_PAIR_COST = 2, 50.0, 0.0
    try:
        assert cert._grid(lo[:, :2], hi[:, :2])[2] is not None or F < 16
        first = int(rng.integers(0, F + 1))
        whole, part = (np.sort(cert.box_pairs(lo, hi, first=f), axis=1) for f in (None, first))
    finally:
        cert._GRID_MIN_BOXES, cert._GRID_MAX_SPAN, cert._GRID_PAIR_COST = saved
    truth = _brute_pairs(lo, hi)
    for got, want in ((whole, truth), (part, {p for p in truth if p[0] < first})):
        assert len(got) == len({tuple(p) for p in got.tolist()})
        assert {tuple(p) for p in got.tolist()} == want


def test_box_pairs_of_a_large_surface_use_the_grid_and_miss_nothing():
    # a crumpled surface in R^6 of 9 800 triangles: the grid is chosen by default, and the
    # pairs are those of brute force
    import numpy as np

    from topodestruct.geometry import certificates as cert

    n = 70
    u, v = np.meshgrid(np.linspace(0, 2 * np.pi, n), np.linspace(0, 2 * np.pi, n))
    X = np.stack([np.cos(u), np.sin(u), np.cos(v), np.sin(v), np.sin(u + 2 * v),
                  np.cos(3 * u - v)], -1).reshape(-1, 6)
    i = np.arange(n - 1)[:, None] * n + np.arange(n - 1)[None, :]
    pad = np.concatenate([np.stack([i, i + 1, i + n], -1).reshape(-1, 3),
                          np.stack([i + 1, i + n + 1, i + n], -1).reshape(-1, 3)])
    lo, hi = X[pad].min(1), X[pad].max(1)
    F = len(pad)
    axes = np.argsort(hi.max(0) - lo.min(0))[::-1]
    assert cert._grid(lo[:, axes[1:3]], hi[:, axes[1:3]])[2] is not None
    got = np.sort(cert.box_pairs(lo, hi), axis=1)
    assert len(got) == len({tuple(p) for p in got.tolist()})
    truth = set()
    for s in range(0, F, 2000):            # brute force in blocks (memory)
        a = np.arange(s, min(F, s + 2000))[:, None]
        x, y = np.nonzero(np.all((lo[a] <= hi[None]) & (lo[None] <= hi[a]), axis=2))
        truth |= {(int(p), int(q)) for p, q in zip(x + s, y) if p < q}
    assert {tuple(p) for p in got.tolist()} == truth


def test_separated_certifies_interlocked_triangles_sharing_a_vertex():
    # Two triangles with the common vertex 0 in R^3, the plane y = 0 between them (A has
    # y > 0.02, B has y < -0.02 away from 0), yet each one's plane cuts the other and their
    # centroids' directions do not separate them: the first two tries fail and 48
    # Frank-Wolfe steps stopped short of the separating direction (this case came out of a
    # search where the old certificate failed).  Exactly, they meet only at 0.
    import numpy as np

    from topodestruct.geometry.certificates import separated

    A = np.array([[[0.199, 0.05, -1.392], [-0.226, 0.023, 1.001]]])
    B = np.array([[[0.135, -0.043, -0.783], [0.668, -0.059, -0.31]]])
    C = np.zeros((1, 1, 3))
    assert separated(C, A, B)[0]
    P, Q = to_exact(np.vstack([C[0], A[0]])), to_exact(np.vstack([C[0], B[0]]))
    assert intersect(P, Q) == [P[0]]
    # one corner of B moved onto A's edge from 0 (a1 / 2, exact in floats): they share a
    # segment, and no certificate may say otherwise
    B2 = B.copy()
    B2[0, 0] = 0.5 * A[0, 0]
    assert not separated(C, A, B2)[0]
    assert len(intersect(P, to_exact(np.vstack([C[0], B2[0]])))) > 1


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.integers(4, 9), st.sampled_from([1e-3, 1e-6, 0.0]))
def test_piece_pairs_keeps_every_pair_that_meets_on_thin_images(seed, n, thin):
    # Deep layers map the data onto thin sheets along a few directions, where the broad phase
    # works in the principal frame of the vertices.  Every pair of pieces that meets must
    # survive it: pieces sharing a vertex, and segments built to cross at a dyadic point
    # (p - u, p + u) and (p - v, p + v) meet exactly at p.  More than 1000 pieces, above
    # R^3: the frame path.  Also the chunked and unchunked answers are the same pairs.
    import numpy as np

    from topodestruct.geometry import certificates as cert

    rng = np.random.default_rng(seed)
    axis = rng.normal(size=n)
    def on_sheet(m, spread):
        t = rng.uniform(-8, 8, (m, 1))
        X = t * axis + spread * rng.normal(size=(m, n)) * np.geomspace(1, 1e-3, n)
        return np.round(X * 2 ** 20) / 2 ** 20       # dyadic: p +- u below are exact
    V = on_sheet(1500, 0.5 + thin)
    tri = rng.integers(0, len(V), (900, 3))
    tri = tri[(tri[:, 0] != tri[:, 1]) & (tri[:, 1] != tri[:, 2]) & (tri[:, 0] != tri[:, 2])]
    p, u, v = on_sheet(200, 0.2), on_sheet(200, 0.01 + thin), on_sheet(200, 0.01 + thin)
    X = np.concatenate([V, p - u, p + u, p - v, p + v])
    m, base = len(p), len(V)
    segs = np.stack([np.concatenate([base + np.arange(m), base + 2 * m + np.arange(m)]),
                     np.concatenate([base + m + np.arange(m), base + 3 * m + np.arange(m)])], 1)
    pad = np.full((len(tri) + len(segs), 3), -1, dtype=np.int64)
    pad[:len(tri)], pad[len(tri):, :2] = tri, segs
    rng.shuffle(pad)
    got = {tuple(sorted(q)) for q in cert.piece_pairs(X, pad, widen=True).tolist()}
    chunks = list(cert.piece_pair_chunks(X, pad, widen=True))
    assert sum(map(len, chunks)) == len(got)
    where = {tuple(r): i for i, r in enumerate(pad.tolist())}
    for k in range(m):               # the crossing segments
        a = where[(base + k, base + m + k, -1)]
        b = where[(base + 2 * m + k, base + 3 * m + k, -1)]
        assert tuple(sorted((a, b))) in got
    share = {}                       # pieces with a common vertex
    for i, r in enumerate(pad.tolist()):
        for x in r:
            if x >= 0:
                share.setdefault(x, []).append(i)
    need = {(a, b) for ids in share.values() for a in ids for b in ids if a < b}
    assert need <= got


def test_separated_certifies_close_solids_that_frank_wolfe_misses_and_never_touching_ones():
    # Random tetrahedra in R^6, B moved towards A along the minimum-norm point g of
    # conv(A - B) (found by scipy's NNLS, independently) until they are 0.01 apart: every
    # point of the segment [0, g] has g as its nearest point of the hull, so the distance is
    # then 0.01, a small gap for pieces of size ~2 (slivers of a refinement).  Frank-Wolfe's
    # 48 steps leave a direction about 1/48 off and miss most such gaps; the accelerated
    # search certifies most.  A pair that touches (a vertex of B on an edge of A) is never
    # certified, however the direction is found.
    import numpy as np
    from scipy.optimize import nnls

    from topodestruct.geometry import certificates as cert

    rng = np.random.default_rng(7)
    n, m, eps = 6, 100, 0.01
    A, B = rng.normal(size=(m, 4, n)), rng.normal(size=(m, 4, n))
    for r in range(m):
        V = (A[r][:, None] - B[r][None]).reshape(-1, n)
        M = 1e3
        lam = nnls(np.vstack([V.T, M * np.ones(16)]), np.r_[np.zeros(n), M])[0]
        g = lam @ V
        B[r] += g * (1 - eps / np.linalg.norm(g))
    none = np.zeros((m, 0, n))
    V = (A[:, :, None, :] - B[:, None, :, :]).reshape(m, -1, n)
    frank_wolfe = cert._gap_certified(A, B, cert._min_norm_point(V)[:, None, :], 1e-9)
    assert frank_wolfe.mean() < 0.2                  # the old third try misses most
    assert cert.separated(none, A, B).mean() > 0.7
    B2 = B.copy()
    B2[:, 0] = (A[:, 1] + A[:, 2]) / 2                # on an edge of A: they touch
    assert not cert.separated(none, A, B2).any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=3, max_size=3),
       st.lists(st.integers(-3, 3), min_size=3, max_size=3),
       st.lists(st.integers(-3, 3), min_size=3, max_size=3),
       st.sampled_from([-1, 0, 1, 2, 3, 4, 5]), st.booleans())
def test_on_segment_against_fractions(a, b, off, num, on_line):
    # p = a + num/4 (b - a) (on the line; inside the open segment iff 0 < num < 4), or that
    # point moved by ``off`` (off the line unless ``off`` is parallel to b - a); reference:
    # every 2x2 minor of [p - a, b - a] vanishes and the parameter lies in (0, 1)
    from fractions import Fraction

    from flint import fmpq

    from topodestruct.geometry.exact import on_segment

    if a == b:
        return
    p = [Fraction(x) + Fraction(num, 4) * (y - x) for x, y in zip(a, b)]
    if not on_line:
        p = [x + d for x, d in zip(p, off)]
    u = [x - y for x, y in zip(p, a)]
    v = [y - x for x, y in zip(a, b)]
    collinear = all(u[i] * v[j] == u[j] * v[i] for i in range(3) for j in range(3))
    k = next(i for i in range(3) if v[i])
    t = u[k] / v[k]
    want = t if collinear and 0 < t < 1 else None
    q = lambda xs: tuple(fmpq(x.numerator, x.denominator) for x in map(Fraction, xs))  # noqa
    got = on_segment(q(p), q(a), q(b))
    assert (got is None) == (want is None)
    if want is not None:
        assert got == fmpq(want.numerator, want.denominator)


_coef = st.fractions(min_value=-1, max_value=2, max_denominator=4)


@settings(max_examples=300, deadline=None)
@given(tri=st.lists(st.lists(st.integers(-3, 3), min_size=4, max_size=4), min_size=3,
                    max_size=3),
       ends=st.lists(st.tuples(_coef, _coef, st.lists(st.integers(-3, 3), min_size=4,
                                                      max_size=4)), min_size=2, max_size=2),
       mode=st.sampled_from(["plane", "free", "mixed", "across", "beside"]))
def test_segment_triangle_meet_by_the_plane_equals_the_general_solve(tri, ends, mode):
    """:func:`intersect_segment_triangle` against :func:`intersect` (the linear solve checked
    above) on triangles of R^4 and segments in their plane (ends affine combinations of the
    corners: through corners, along edges, outside), off it, half in it, crossing it (ends
    ``x + w`` and ``y - 2w``, ``x, y`` in the plane) or with the crossing beyond an end
    (``x + w``, ``y + 2w``)."""
    from topodestruct.geometry.exact import intersect_segment_triangle, plane_key
    T = to_exact(tri)
    try:
        plane = plane_key(*T)
    except ValueError:
        return                                   # a degenerate triangle: not a piece
    S, w = [], [as_exact(x) for x in ends[0][2]]
    for i, (s, t, free) in enumerate(ends):
        s, t = as_exact(s), as_exact(t)
        x = tuple(a + s * (b - a) + t * (c - a) for a, b, c in zip(*T))
        if mode in ("across", "beside"):
            f = 1 if i == 0 else -2 if mode == "across" else 2
            x = tuple(y + f * z for y, z in zip(x, w))
        elif mode == "free" or (mode == "mixed" and i == 1):
            x = tuple(as_exact(y) for y in free)
        S.append(x)
    if S[0] == S[1]:
        return
    for seg in (S, S[::-1]):
        for T_ in (T, T[::-1], T[1:] + T[:1]):
            got = intersect_segment_triangle(seg, T_, plane_key(*T_))
            want = intersect(T_, seg)
            assert sorted(got) == sorted(want) and len(got) == len(set(got))


_rational = st.fractions(min_value=-5, max_value=5, max_denominator=12)
_point = st.tuples(_rational, _rational)


@settings(max_examples=300, deadline=None)
@given(_point, _point, _point, _point, st.booleans())
def test_homogeneous_orientation_and_meet_against_fractions(a, b, c, d, collinear):
    """Homogeneous integers (:func:`homogeneous`) give the sign of the orientation and the
    crossing of two lines that :class:`fractions.Fraction` arithmetic gives (``collinear``:
    c moved onto the line ab, the degenerate case)."""
    from flint import fmpq

    from topodestruct.geometry.exact import homogeneous, meet_point, orient2_exact_sign

    def orient(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    if collinear:
        c = tuple(x + Fraction(2, 3) * (y - x) for x, y in zip(a, b))
    fq = lambda p: tuple(fmpq(x.numerator, x.denominator) for x in p)  # noqa: E731
    h = [homogeneous(fq(p)) for p in (a, b, c, d)]
    assert all(x[2] > 0 for x in h)
    o = orient(a, b, c)
    assert orient2_exact_sign(*h[:3]) == (o > 0) - (o < 0)
    den = orient(a, b, d) - o              # lines ab and cd: parallel iff this is 0
    if a != b and c != d and den:
        t = o / (o - orient(a, b, d))      # the crossing: c + t (d - c)
        want = tuple(x + t * (y - x) for x, y in zip(c, d))
        assert meet_point(*h) == fq(want)


def test_frank_wolfe_checked_on_the_way_certifies_at_least_what_48_steps_do():
    # Pairs of triangles in R^15 whose gap is 1, 0.3, 0.1 or 0.03 (B moved towards A along
    # the minimum-norm point of conv(A - B), found independently by scipy's NNLS), and pairs
    # that meet (a vertex of B moved onto A's centroid).  The direction is also checked
    # after 4 and 12 steps, and a row certified there stops: it certifies every pair the
    # 48-step direction certifies, some of them early, and no pair that meets.
    import numpy as np
    from scipy.optimize import nnls

    from topodestruct.geometry import certificates as cert

    rng = np.random.default_rng(3)
    m, n = 300, 15
    A, B = rng.normal(size=(m, 3, n)), rng.normal(size=(m, 3, n))
    eps = rng.choice([1.0, 0.3, 0.1, 0.03], size=m)
    for r in range(m):
        V = (A[r][:, None] - B[r][None]).reshape(-1, n)
        lam = nnls(np.vstack([V.T, 1e3 * np.ones(9)]), np.r_[np.zeros(n), 1e3])[0]
        g = lam @ V
        B[r] += g * (1 - eps[r] / np.linalg.norm(g))
    meet = rng.random(m) < 0.3
    B[meet, 0] = A[meet].mean(1)
    V = (A[:, :, None, :] - B[:, None, :, :]).reshape(m, -1, n)
    margin = cert.CERTIFICATE_MARGIN
    plain = cert._gap_certified(A, B, cert._min_norm_point(V)[:, None, :], margin)
    done, live, x = cert._min_norm_point(
        V, certify=lambda i, g: cert._gap_certified(A[i], B[i], g[:, None, :], margin))
    staged = done.copy()
    staged[live] = cert._gap_certified(A[live], B[live], x[:, None, :], margin)
    assert (plain <= staged).all() and 0 < done.sum() < plain.sum()
    assert not staged[meet].any() and not plain[meet].any()
    assert np.allclose(x, cert._min_norm_point(V[live]))      # rows are independent
    none = np.zeros((m, 0, n))
    assert not cert.separated(none, A, B)[meet].any()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.sampled_from([1e-12, 1e-6, 1.0, 1e6]),
       st.sampled_from([1e-300, 1e-15, 1e-8, 1.0]), st.integers(2, 15))
def test_off_segment_never_certifies_a_point_of_the_segment(seed, scale, length, n):
    """Points of exact segments (rationals on them, then rounded like the corners), however
    short the segment and whatever the scale, are never certified off; points off the
    exact segment by a thousandth of the size are, and each certified point is off exactly
    (:func:`~topodestruct.geometry.exact_rows.in_segment`, in integers)."""
    import numpy as np
    from flint import fmpq

    from topodestruct.geometry.certificates import off_segment
    from topodestruct.geometry.exact_rows import homogeneous, in_segment
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n) * scale
    b = a + rng.normal(size=n) * scale * length
    if not np.any(a != b):
        return
    ea, eb = ([fmpq(*float(x).as_integer_ratio()) for x in v] for v in (a, b))
    ts = [fmpq(int(k), 31) for k in range(32)] + [fmpq(int(rng.integers(1, 10 ** 9)), 10 ** 9)]
    on = [[x + t * (y - x) for x, y in zip(ea, eb)] for t in ts]
    F = np.array([[float(x) for x in p] for p in on])
    assert not off_segment(a, b, F).any()
    away = F + 1e-3 * (np.abs(a).max() + np.abs(b).max()) * rng.normal(size=F.shape)
    cert = off_segment(a, b, away)
    assert cert.all()
    pts = [tuple(fmpq(*float(x).as_integer_ratio()) for x in p) for p in away[cert]]
    if pts:
        H, h = homogeneous(pts)
        assert not in_segment(H, h, tuple(ea), tuple(eb)).any()
