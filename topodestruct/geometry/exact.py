"""Exact rational geometry of points, segments and triangles in R^n (narrow phase of image_complex).

Points are tuples of exact rationals (``flint.fmpq``, python-flint's C rationals,
about 6x faster than :class:`fractions.Fraction`); floats become exact rationals
here (:func:`exact`, :func:`as_exact`; the exact forward pass of
:mod:`topodestruct.relu.exact` uses them too). Float64 inputs are dyadic
rationals, so the conversion is exact and every predicate here is decided
without rounding. Floats enter only as certificates that skip exact work where
they decide with a wide margin (:func:`orient2_sign`, :func:`orient2_signs`, and
the narrow and broad phases' certificates in :mod:`.certificates`).
"""
import numpy as np
from flint import fmpq, fmpq_mat, fmpz, fmpz_mat

from ..tolerances import CERTIFICATE_MARGIN, ROUNDING_BOUND

__all__ = ["exact", "as_exact", "to_exact", "intersect", "orient2", "axes", "on_segment", "chart",
           "lift", "line_key", "plane_key", "intersect_coplanar", "collinear_meet", "pivot",
           "orient2_sign", "orient2_signs", "intersect_segment_triangle", "homogeneous",
           "homogeneous_cross", "orient2_exact_sign", "meet_point", "meet_rows"]

_ZERO, _ONE = fmpq(0), fmpq(1)


def exact(x):
    """A float (or int) as an exact rational."""
    return fmpq(*float(x).as_integer_ratio())


def as_exact(x):
    """An exact rational from a flint.fmpq, Fraction, int or float."""
    if isinstance(x, fmpq):
        return x
    if isinstance(x, (int, np.integer)):
        return fmpq(int(x))
    if hasattr(x, "numerator") and hasattr(x, "denominator") and not isinstance(x, float):
        return fmpq(int(x.numerator), int(x.denominator))
    x = float(x)
    if not np.isfinite(x):
        raise ValueError("images contain NaN or infinite values")
    return fmpq(*x.as_integer_ratio())


def to_exact(X):
    """Rows of a float array as tuples of exact rationals (floats are dyadic rationals)."""
    return [tuple(fmpq(*x.as_integer_ratio()) for x in row)
            for row in np.asarray(X, dtype=float).tolist()]


def pivot(T, r, c):
    """Gauss-Jordan step on the rows ``T`` (exact rationals, right-hand side last): scale
    row ``r`` so that entry ``(r, c)`` is 1 and clear column ``c`` in every other row."""
    inv = 1 / T[r][c]
    T[r] = [v * inv for v in T[r]]
    for i in range(len(T)):
        f = T[i][c]
        if i != r and f:
            T[i] = [a - f * p for a, p in zip(T[i], T[r])]


def _solve(A, rhs, m):
    """All solutions of ``A z = rhs`` (rows of exact rationals, ``m`` unknowns):
    ``(z0, basis)``, or None if there is none.

    From the reduced row echelon form of ``[A | rhs]`` (flint's ``fmpq_mat.rref``,
    fraction-free in C; the Python Gauss-Jordan it replaces took 40% of a folded
    D-I layer): ``z0`` sets the free unknowns to 0 and ``basis`` has one vector per
    free unknown.  The form is unique, so both are canonical.
    """
    rows = [list(r) + [b] for r, b in zip(A, rhs) if any(r) or b]
    if not rows:
        return [_ZERO] * m, [[_ONE if j == f else _ZERO for j in range(m)] for f in range(m)]
    R, rank = fmpq_mat(len(rows), m + 1, [x for r in rows for x in r]).rref()
    pivots = []
    for i in range(int(rank)):
        c = next(j for j in range(i, m + 1) if R[i, j] != 0)
        if c == m:
            return None                          # 0 = 1: no solution
        pivots.append(c)
    z0 = [_ZERO] * m
    for i, c in enumerate(pivots):
        z0[c] = R[i, m]
    basis = []
    for f in (c for c in range(m) if c not in pivots):
        v = [_ZERO] * m
        v[f] = _ONE
        for i, c in enumerate(pivots):
            v[c] = -R[i, f]
        basis.append(v)
    return z0, basis


def intersect(P, Q):
    """Vertices of ``conv(P) ∩ conv(Q)`` for affinely independent exact point lists (<= 3 each).

    Returns a list of exact points: empty, one point, the two ends of a segment,
    or the corners of a convex polygon in cyclic order.

    Examples
    --------
    >>> P, Q = to_exact([[0, 0], [2, 2]]), to_exact([[0, 2], [2, 0]])
    >>> [tuple(map(float, p)) for p in intersect(P, Q)]
    [(1.0, 1.0)]
    """
    if len(P) + len(Q) == 2:
        return [P[0]] if P[0] == Q[0] else []
    split = lambda h: (h[:-1], h[-1])  # noqa: E731
    return meet_rows([split(homogeneous(p)) for p in P], [split(homogeneous(q)) for q in Q],
                     lambda: (P, Q))


def meet_rows(P, Q, rationals):
    """:func:`intersect` of points given as integer rows over one denominator each
    (``(num, den)`` pairs, ``den > 0``; :class:`~.exact_rows.ExactRows` holds the image
    points so), the corners as exact points; ``rationals()`` gives ``P`` and ``Q`` as exact
    points (only two coplanar triangles need them).

    The meet's points are ``sum a_i N_i = sum b_j M_j`` with ``sum a_i D_i = sum b_j E_j
    = 1`` and ``a, b >= 0`` (``a_i D_i`` is the barycentric coordinate of ``p_i = N_i /
    D_i``): one integer system, solved by flint's fraction-free ``fmpz_mat.rref`` with no
    gcd per entry (on the 12 262 meets of a ninth D-I layer, points of ~500 bits: 1.2 s
    for the integer systems' rref, 4.0 s for the rational ones it replaces).
    """
    k1, l1 = len(P), len(Q)
    n, m = len(P[0][0]), k1 + l1
    entries = []
    for r in range(n):
        entries += [N[r] for N, _ in P]
        entries += [-M[r] for M, _ in Q]
        entries.append(0)
    entries += [D for _, D in P] + [0] * l1 + [1] + [0] * k1 + [E for _, E in Q] + [1]
    B, den, rank = fmpz_mat(n + 2, m + 1, entries).rref()
    s = 1 if den > 0 else -1            # the solution is B / den
    pivots = []
    for i in range(int(rank)):
        c = next(j for j in range(i, m + 1) if B[i, j] != 0)
        if c == m:
            return []                    # 0 = 1: the hulls' affine spans do not meet
        pivots.append(c)
    # y = (Y + sum_f w_f V_f) / |den| over the free unknowns f, all of it in integers
    Y = [0] * m
    for i, c in enumerate(pivots):
        Y[c] = s * B[i, m]
    V = []
    for f in (c for c in range(m) if c not in pivots):
        v = [0] * m
        v[f] = abs(den)
        for i, c in enumerate(pivots):
            v[c] = -s * B[i, f]
        V.append(v)
    if len(V) == 2:  # two coplanar triangles: clip one by the other in a chart
        return _clip_coplanar(*rationals())
    if not V:
        ws = [(1, 0)] if all(y >= 0 for y in Y) else []
    else:
        lo, hi = None, None
        for y, v in zip(Y, V[0]):  # y + w v >= 0
            if v:
                t = fmpq(-y) / v
                if v > 0:
                    lo = t if lo is None or t > lo else lo
                else:
                    hi = t if hi is None or t < hi else hi
            elif y < 0:
                return []
        if lo > hi:
            return []
        ws = [(lo.q, lo.p)] if lo == hi else [(lo.q, lo.p), (hi.q, hi.p)]
    return [_corner(P, Q, [wq * y + wp * v for y, v in zip(Y, V[0])] if V else Y, wq * abs(den))
            for wq, wp in ws]


def _corner(P, Q, c, g):
    """The point ``sum c_i N_i / g`` from P's side of :func:`meet_rows`, or Q's where P's needs
    more terms (exact, so both give the same point)."""
    k1 = len(P)
    side = [(x, N) for x, (N, _) in zip(c[:k1], P) if x]
    other = [(x, N) for x, (N, _) in zip(c[k1:], Q) if x]
    if len(other) < len(side):
        side = other
    return tuple(fmpq(sum((x * N[r] for x, N in side), fmpz(0)), g)
                 for r in range(len(P[0][0])))


def intersect_segment_triangle(S, T, plane):
    """:func:`intersect` of a segment ``S`` and a triangle ``T`` (exact points), ``plane`` the
    triangle's :func:`plane_key`: where the segment's line meets the plane (one parameter,
    coordinate by coordinate) or, if it lies in the plane, its clip by the triangle in the
    chart of the plane's pivot coordinates; no linear solve (the costly step of
    :func:`intersect` in high dimension, where folded layers give 10^5 such pairs).

    Examples
    --------
    >>> T, S = to_exact([[0, 0, 0], [2, 0, 0], [0, 2, 0]]), to_exact([[1, 1, -1], [0, 0, 1]])
    >>> [tuple(map(float, p)) for p in intersect_segment_triangle(S, T, plane_key(*T))]
    [(0.5, 0.5, 0.0)]
    """
    k, m, u, v, base = plane
    a, b = S
    d = [y - x for x, y in zip(a, b)]
    # a + t d lies in the plane iff t g_r = h_r in every coordinate r (zero at k and m)
    g = [d[r] - d[k] * u[r] - d[m] * v[r] for r in range(len(a))]
    h = [base[r] + a[k] * u[r] + a[m] * v[r] - a[r] for r in range(len(a))]
    r = next((r for r, x in enumerate(g) if x), None)
    if r is None:
        if any(h):
            return []                           # parallel to the plane, off it
        lo, hi = _ZERO, _ONE                    # in the plane: clip [0, 1] by the triangle
    else:
        lo = hi = h[r] / g[r]
        if not 0 <= lo <= 1 or any(lo * x != y for x, y in zip(g, h)):
            return []
    t2 = [(p[k], p[m]) for p in T]
    a2, b2 = (a[k], a[m]), (b[k], b[m])
    f2 = [(float(x), float(y)) for x, y in (*t2, a2, b2)]
    size = max(abs(x) for p in f2 for x in p)
    if (orient2_sign(*f2[:3], size) or orient2(*t2)) < 0:
        t2, f2[:3] = t2[::-1], f2[2::-1]
    for e in range(3):
        p, q = t2[e], t2[(e + 1) % 3]
        fp, fq = f2[e], f2[(e + 1) % 3]
        if orient2_sign(fp, fq, f2[3], size) > 0 and orient2_sign(fp, fq, f2[4], size) > 0:
            continue                            # both ends certainly inside: no cut
        oa, ob = orient2(p, q, a2), orient2(p, q, b2)
        # orient2 along the segment is oa + t (ob - oa): keep t where it is >= 0
        if oa < 0 and ob < 0:
            return []
        if oa < 0:
            lo = max(lo, oa / (oa - ob))
        elif ob < 0:
            hi = min(hi, oa / (oa - ob))
        if lo > hi:
            return []
    at = lambda t: tuple(a) if t == 0 else tuple(b) if t == 1 else tuple(  # noqa: E731
        x + t * y for x, y in zip(a, d))
    return [at(lo)] if lo == hi else [at(lo), at(hi)]


def _sign(x):
    return (x > 0) - (x < 0)


def orient2_sign(a, b, c, size):
    """Certified sign of the orientation of three float points (0: uncertain).

    ``size`` bounds the exact points' coordinates: their floats lie within its rounding
    unit, which moves the products by at most that times the differences' lengths, and the
    products round by their own size; ROUNDING_BOUND is far above both. Where the sign is
    0, decide with :func:`orient2` on the exact points.
    """
    t1, t2 = (b[0] - a[0]) * (c[1] - a[1]), (b[1] - a[1]) * (c[0] - a[0])
    bound = ROUNDING_BOUND * (size * (abs(b[0] - a[0]) + abs(b[1] - a[1]) + abs(c[0] - a[0])
                                      + abs(c[1] - a[1])) + abs(t1) + abs(t2))
    return 1 if t1 - t2 > bound else -1 if t1 - t2 < -bound else 0


def orient2_signs(p, q, r, size):
    """:func:`orient2_sign` of rows of float 2D points (arrays n x 2; ``size`` scalar or n)."""
    d1, d2 = q - p, r - p
    t1, t2 = d1[:, 0] * d2[:, 1], d1[:, 1] * d2[:, 0]
    o = t1 - t2
    bound = ROUNDING_BOUND * (size * (np.abs(d1).sum(axis=1) + np.abs(d2).sum(axis=1))
                              + np.abs(t1) + np.abs(t2))
    return np.where(o > bound, 1, np.where(o < -bound, -1, 0))


def homogeneous(p):
    """Integers ``(X_1, .., X_n, D)``, ``D > 0`` least, with ``p = (X_1 / D, .., X_n / D)``
    for an exact point (``fmpq`` coordinates): orientations and crossings in these are
    integer products with no gcd on the way, several times cheaper than with the
    fractions (:func:`orient2_exact_sign`)."""
    D = p[0].q if len(p) else fmpz(1)
    for x in p[1:]:
        D = D * (x.q // D.gcd(x.q))
    return (*(x.p * (D // x.q) for x in p), D)


def homogeneous_cross(u, v):
    """Cross product of homogeneous triples: the line through two points, or the point where
    two lines meet (its last entry 0 if they are parallel)."""
    return (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])


def orient2_exact_sign(a, b, c):
    """Exact sign of :func:`orient2` from :func:`homogeneous` points (positive denominators
    scale the determinant, not its sign)."""
    L = homogeneous_cross(a, b)
    v = L[0] * c[0] + L[1] * c[1] + L[2] * c[2]
    return (v > 0) - (v < 0)


def meet_point(a, b, c, d):
    """The exact point where the lines ``ab`` and ``cd`` (homogeneous points) cross, as a pair
    of fractions (the lines not parallel)."""
    h = homogeneous_cross(homogeneous_cross(a, b), homogeneous_cross(c, d))
    return fmpq(h[0], h[2]), fmpq(h[1], h[2])


def orient2(a, b, c):
    """Twice the signed area of the 2D triangle a, b, c (exact for exact points)."""
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def intersect_coplanar(P, Q, plane):
    """:func:`intersect` for two triangles known to lie in one plane, ``plane`` its
    :func:`plane_key`: clipped in the chart of the plane's pivot coordinates, with no
    linear solve (the costly step of :func:`intersect` in high dimension)."""
    k, m, u, v, base = plane
    return _clip_coplanar(P, Q, (k, m, lambda y: tuple(
        b + y[0] * x + y[1] * z for b, x, z in zip(base, u, v))))


def _clip_coplanar(P, Q, plane_chart=None):
    """Corners of the intersection of two coplanar triangles (exact, cyclic): Q's three
    closed half-planes clip P in a chart of their plane (far cheaper than enumerating the
    vertices of the parameter polygon)."""
    if plane_chart is None:
        i, j, M = chart(*P)
        up = lambda y: lift(y, P[0], i, j, M)  # noqa: E731
    else:
        i, j, up = plane_chart
    p2 = [(p[i], p[j]) for p in P]
    q2 = [(q[i], q[j]) for q in Q]
    # the chart is one-to-one on the plane: a corner of P or Q is itself, not lifted again
    known = {y: x for y, x in zip(p2 + q2, list(P) + list(Q))}
    if orient2(*p2) < 0:
        p2 = p2[::-1]
    if orient2(*q2) < 0:
        q2 = q2[::-1]
    poly = p2
    fl = lambda pts: [(float(x), float(y)) for x, y in pts]  # noqa: E731
    fq, fpoly = fl(q2), fl(p2)
    size = max(abs(x) for pt in fq + fpoly for x in pt)
    for e in range(3):
        u, v = q2[e], q2[(e + 1) % 3]
        signs = [orient2_sign(fq[e], fq[(e + 1) % 3], x, size) for x in fpoly]
        if min(signs) > 0:      # certainly inside this half-plane: nothing to cut
            continue
        if max(signs) < 0:      # certainly outside
            return []
        exact = {}

        def val(idx):  # exact orientation, only where a sign is uncertain or an edge is cut
            if idx not in exact:
                exact[idx] = orient2(u, v, poly[idx])
            return exact[idx]
        m = len(poly)
        signs = [sg if sg else _sign(val(idx)) for idx, sg in enumerate(signs)]
        out = []
        for idx in range(m):
            nxt = (idx + 1) % m
            if signs[idx] >= 0:
                out.append(poly[idx])
            if signs[idx] * signs[nxt] < 0:
                x, y, fx = poly[idx], poly[nxt], val(idx)
                t = fx / (fx - val(nxt))
                out.append((x[0] + t * (y[0] - x[0]), x[1] + t * (y[1] - x[1])))
        poly, fpoly = out, fl(out)
        if not poly:
            return []
    return [tuple(known[y]) if y in known else up(y) for y in _corners(poly)]


def _corners(poly):
    """The corners of a convex polygon given with repeated and collinear points (cyclic);
    one point, or the two ends of a flat one."""
    pts = []
    for x in poly:
        if not pts or x != pts[-1]:
            pts.append(x)
    while len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return pts
    F = [(float(x), float(y)) for x, y in pts]
    size = max(abs(c) for f in F for c in f) + 1e-300
    tol = CERTIFICATE_MARGIN * size * size  # float orientations beyond this are certainly nonzero
    turn = [abs(orient2(F[m - 1], F[m], F[(m + 1) % len(F)])) > tol for m in range(len(F))]
    if all(turn):
        return pts
    if all(orient2(pts[0], pts[1], x) == 0 for x in pts[2:]):   # flat: its two ends
        k = 0 if any(x[0] != pts[0][0] for x in pts) else 1
        return [min(pts, key=lambda x: x[k]), max(pts, key=lambda x: x[k])]
    # positive area, convex: a point is inside a side iff it is collinear with its two
    # neighbours in the list (they lie on that side too); a corner turns
    k = len(pts)
    return [x for m, x in enumerate(pts)
            if turn[m] or orient2(pts[m - 1], x, pts[(m + 1) % k]) != 0]


def line_key(a, b):
    """The line through distinct exact points ``a, b`` in R^n, canonically (equal for any two
    points of one line): ``(k, direction, base)`` with ``k`` the first coordinate along which
    the line moves, the direction scaled to 1 there, and the line's point with x_k = 0."""
    d = [y - x for x, y in zip(a, b)]
    k = next(r for r, v in enumerate(d) if v)
    d = [v / d[k] for v in d]
    return k, tuple(d), tuple(x - a[k] * v for x, v in zip(a, d))


def plane_key(a, b, c):
    """The plane through the affinely independent exact points ``a, b, c`` in R^n,
    canonically (equal for any three independent points of one plane): the reduced row
    echelon form of its direction space and the plane's point with zero pivot coordinates."""
    u = [y - x for x, y in zip(a, b)]
    v = [y - x for x, y in zip(a, c)]
    # eliminate by hand (2 x n): cheaper than building a flint matrix
    k = next((r for r, x in enumerate(u) if x), None)
    m = None if k is None else next((r for r, x in enumerate(v) if x * u[k] != u[r] * v[k]),
                                    None)
    if m is None:
        raise ValueError("plane_key of a degenerate triangle")
    u = [x / u[k] for x in u]
    v = [y - v[k] * x for x, y in zip(u, v)]
    v = [x / v[m] for x in v]
    u = [x - u[m] * y for x, y in zip(u, v)]
    if m < k:
        k, m, u, v = m, k, v, u
    base = tuple(x - a[k] * p - a[m] * q for x, p, q in zip(a, u, v))
    return k, m, tuple(u), tuple(v), base


def collinear_meet(A, B, k):
    """``conv(A) ∩ conv(B)`` for two segments of one line that moves along coordinate ``k``:
    [], one point, or the two ends (the segments' own end points)."""
    (a0, a1), (b0, b1) = sorted(A, key=lambda p: p[k]), sorted(B, key=lambda p: p[k])
    lo = a0 if a0[k] >= b0[k] else b0
    hi = a1 if a1[k] <= b1[k] else b1
    if lo[k] > hi[k]:
        return []
    return [lo] if lo[k] == hi[k] else [lo, hi]


def on_segment(p, a, b):
    """Whether the exact point ``p`` lies in the open segment ``(a, b)``; returns its
    parameter ``t`` in (0, 1) or None.  (``t`` is read off the first coordinate where ``a``
    and ``b`` differ: on the line it is the same in every such coordinate, and off the line
    some coordinate fails the check; no search for the largest difference, half the cost.)"""
    for k in range(len(a)):
        den = b[k] - a[k]
        if den:
            break
    else:
        return None
    t = (p[k] - a[k]) / den
    if not 0 < t < 1:
        return None
    for r in range(len(a)):
        if p[r] - a[r] != t * (b[r] - a[r]):
            return None
    return t


def axes(a, b, c):
    """The coordinates ``i, j`` onto which the triangle ``a, b, c`` in R^n projects best
    (largest float 2x2 minor of its edge vectors ``u = b - a``, ``v = c - a`` that is
    exactly nonzero): returns ``(i, j, u, v, det)``, ``det`` that exact minor."""
    n = len(a)
    u = [b[r] - a[r] for r in range(n)]
    v = [c[r] - a[r] for r in range(n)]
    fu, fv = np.array([float(x) for x in u]), np.array([float(x) for x in v])
    minors = np.abs(np.outer(fu, fv) - np.outer(fv, fu))
    for flat in np.argsort(minors, axis=None)[::-1]:
        i, j = divmod(int(flat), n)
        det = u[i] * v[j] - u[j] * v[i]
        if det:
            return i, j, u, v, det
    raise ValueError("chart of a degenerate triangle")


def chart(a, b, c, ax=None):
    """An exact affine chart of the plane through the triangle ``a, b, c`` in R^n.

    Returns ``(i, j, M)``: the plane projects bijectively onto coordinates
    ``(i, j)``; :func:`lift` inverts the projection with the n x 2 matrix ``M``.
    ``ax``: :func:`axes` of the triangle, where the caller has it.
    """
    i, j, u, v, det = axes(a, b, c) if ax is None else ax
    # (y - a_ij) = [u_ij v_ij] (s, t)  ->  (s, t) = inv * (y - a_ij); x = a + s u + t v
    inv = ((v[j] / det, -v[i] / det), (-u[j] / det, u[i] / det))
    M = [(u[r] * inv[0][0] + v[r] * inv[1][0], u[r] * inv[0][1] + v[r] * inv[1][1])
         for r in range(len(a))]
    return i, j, M


def lift(y, a, i, j, M):
    """The point of the plane (chart ``i, j, M`` through ``a``) whose projection is ``y``."""
    dy0, dy1 = y[0] - a[i], y[1] - a[j]
    return tuple(a[r] + M[r][0] * dy0 + M[r][1] * dy1 for r in range(len(a)))
