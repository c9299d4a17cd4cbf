"""Narrow phase of the image complex without exact work: pairs settled by a promise or a float
certificate, and the uncertified pairs of one line or one plane (exact keys).

Helpers of :func:`topodestruct.geometry.image_complex.refine_image` (step 3 of its method).
"""
import numpy as np

from ..tolerances import CERTIFICATE_MARGIN
from . import certificates as _cert
from . import exact as _exact
from ._image_cells import _off_line
from .exact_rows import ExactRows, barycentric, in_segments, integer_rows


def _certify(pc, pairs, label=None, check=lambda where, every=1: None, given=None):
    """Step 3, without exact work: the pairs settled by the caller's promise (``label``: each
    piece's, :func:`_piece_labels`), known settled (``given``, a mask) or settled by a
    float certificate. Returns ``(certified,
    n_distinct, n_promised)``: which pairs are settled, the number of distinct vertex images
    of each pair, how many the promise settled."""
    pad, Xu = pc.pad, pc.Xu
    certified = np.zeros(len(pairs), dtype=bool)
    if label is not None and len(pairs):
        la, lb = label[pairs[:, 0]], label[pairs[:, 1]]
        certified = (la >= 0) & (la == lb)
    n_promised = int(certified.sum())
    if given is not None:
        certified = certified | given
    rows = np.sort(np.concatenate([pad[pairs[:, 0]], pad[pairs[:, 1]]], axis=1), axis=1)
    rows[:, 1:][rows[:, 1:] == rows[:, :-1]] = -1
    rows = np.sort(rows, axis=1)
    n_distinct = (rows >= 0).sum(axis=1)
    for u in np.unique(n_distinct):
        for sel in _chunks(np.flatnonzero((n_distinct == u) & ~certified)):
            check("float certificates of image pairs", every=1)
            certified[sel] = _cert.independent(Xu[rows[sel, 6 - u:]])
    rest = np.flatnonzero(~certified)
    pa, pb = pad[pairs[rest, 0]], pad[pairs[rest, 1]]
    in_b = (pa[:, :, None] == pb[:, None, :]).any(2) & (pa >= 0)   # common vertex images
    in_a = (pb[:, :, None] == pa[:, None, :]).any(2) & (pb >= 0)
    only_a, only_b = (pa >= 0) & ~in_b, (pb >= 0) & ~in_a
    # (common, only a, only b) vertex counts, each < 8, as one integer: grouping by a 1-D
    # key is several times cheaper than np.unique(..., axis=0) on millions of rows
    key = 64 * in_b.sum(1) + 8 * only_a.sum(1) + only_b.sum(1)
    # segments of (perhaps) one line are settled exactly by their ranks along it
    # (:func:`_collinear_meets`): a fold onto a line makes millions, no certificate helps
    skip = _maybe_collinear(Xu, pa, pb)
    for k in np.unique(key).tolist():
        c, ka, kb = k // 64, k // 8 % 8, k % 8
        if not ka or not kb:
            continue
        for sel in _chunks(np.flatnonzero((key == k) & ~skip)):
            check("float certificates of image pairs", every=1)
            # row-major selection keeps each row's entries together, in feature order
            C = Xu[pa[sel][in_b[sel]].reshape(len(sel), c)]
            certified[rest[sel]] = _cert.separated(
                C, Xu[pa[sel][only_a[sel]].reshape(len(sel), ka)],
                Xu[pb[sel][only_b[sel]].reshape(len(sel), kb)])
    return certified, n_distinct, n_promised


class _SettledBySolids:
    """``refine_image``'s ``solids``: which pairs of pieces lie in one solid, or in two whose
    images meet exactly in the hull of their shared vertex images."""

    def __init__(self, input_simplices, parent, settled):
        self.parent = np.array([parent.get(tuple(s), -1) for s in input_simplices],
                               dtype=np.int64)
        settled = np.sort(np.asarray(settled, dtype=np.int64).reshape(-1, 2), axis=1)
        self.n = int(max(self.parent.max(initial=-1), settled.max(initial=-1))) + 1
        self.keys = np.sort(settled[:, 0] * self.n + settled[:, 1])   # repeats are harmless

    def __call__(self, pairs):
        pa, pb = self.parent[pairs[:, 0]], self.parent[pairs[:, 1]]
        out = (pa >= 0) & (pb >= 0)
        key = np.minimum(pa, pb) * self.n + np.maximum(pa, pb)
        pos = np.searchsorted(self.keys, key).clip(0, max(len(self.keys) - 1, 0))
        hit = self.keys[pos] == key if len(self.keys) else np.zeros(len(key), dtype=bool)
        return out & ((pa == pb) | hit)


def _maybe_collinear(X, pa, pb):
    """Which pairs of point-id rows (``pad`` rows) are two segments whose four end points
    may lie on one line: not certified off it by a wide float margin (only a shortcut past
    the certificates; the exact line keys decide)."""
    seg = (pa[:, 1] >= 0) & (pa[:, 2] < 0) & (pb[:, 1] >= 0) & (pb[:, 2] < 0)
    out = np.zeros(len(pa), dtype=bool)
    r = np.flatnonzero(seg)
    if not len(r):
        return out
    a, b = pa[r, 0], pa[r, 1]
    ends = np.concatenate([pa[r, :2], pb[r, :2]], 1)
    tol = CERTIFICATE_MARGIN * (1 + np.abs(X[ends]).max((1, 2)))
    out[r] = (_off_line(X, a, b, pb[r, 0]) <= tol) & (_off_line(X, a, b, pb[r, 1]) <= tol)
    return out


def _coplanar_triangles(pairs, certified, pc):
    """Which uncertified pairs are two image triangles of one plane (exactly), and the
    plane of each triangle involved (:func:`~.exact.plane_key`). A network that folds a
    region onto itself leaves tens of thousands of such pairs; knowing the plane, each is
    clipped in a chart of it without the linear solve of the general intersection."""
    n_tri, feats, P = pc.n_tri, pc.feats, pc.P
    coplanar = np.zeros(len(pairs), dtype=bool)
    rows = np.flatnonzero(~certified & (pairs[:, 0] < n_tri) & (pairs[:, 1] < n_tri))
    # a vertex of one triangle certified off the other's plane (four affinely independent
    # points) settles that the pair is not of one plane: exact plane keys only for the rest
    # (a pair missed here is met by the general solve, which clips coplanar ones too)
    off = np.zeros(len(rows), dtype=bool)
    for sel in _chunks(np.arange(len(rows))):
        pa, pb = pc.pad[pairs[rows[sel], 0], :3], pc.pad[pairs[rows[sel], 1], :3]
        for j in range(3):
            off[sel] |= _cert.independent(pc.Xu[np.concatenate([pa, pb[:, j:j + 1]], 1)])
    rows = rows[~off]
    if not len(rows):
        return {}, coplanar
    planes = {f: _exact.plane_key(*(P.exact[u] for u in feats[f]))
              for f in np.unique(pairs[rows]).tolist()}
    coplanar[rows] = [planes[a] == planes[b] for a, b in pairs[rows].tolist()]
    return planes, coplanar


def _meet(P, feats, a, b, planes):
    """Exact meet of pieces ``a`` and ``b`` that are not of one line or plane: a segment and a
    triangle by the triangle's plane (:func:`~.exact.intersect_segment_triangle`; planes
    cached in ``planes``), the rest by the general solve (:func:`~.exact.intersect`)."""
    A, B = feats[a], feats[b]
    if len(A) + len(B) == 5:
        tri, seg = (a, B) if len(A) == 3 else (b, A)
        plane = planes.get(tri)
        if plane is None:
            plane = planes[tri] = _exact.plane_key(*(P.exact[u] for u in feats[tri]))
        return _exact.intersect_segment_triangle([P.exact[u] for u in seg],
                                                 [P.exact[u] for u in feats[tri]], plane)
    rows = P.exact
    if isinstance(rows, ExactRows):  # integer rows as they are: no rationals, no gcds
        return _exact.meet_rows([rows.integers(u) for u in A], [rows.integers(u) for u in B],
                                lambda: ([rows[u] for u in A], [rows[u] for u in B]))
    return _exact.intersect([rows[u] for u in A], [rows[u] for u in B])


def _segment_triangle_meets(pc, pairs, rows):
    """The meets of the segment/triangle pairs ``rows`` that known points settle:
    ``row -> the meet's ends``; the other rows are left to :func:`_meet`.

    The known points are the segment's ends that lie in the closed triangle and the
    triangle's vertices that lie on the closed segment (exactly, in integers: a triangle
    at a time, all its segments at once). Each of them is an end of the meet (a convex
    segment or point): a segment's end is an end of any part of it, and a part of the
    segment that went on through a vertex would put a line through the triangle's cone at
    that vertex. So two distinct known points are the meet's two ends. One known point, a
    vertex ``v`` inside the segment (neither end in the triangle), is the whole meet if the
    segment is not in the triangle's plane (it meets the plane once) or if, in the plane, it
    passes ``v`` outside the triangle's angle there: its ends' barycentric coordinates at
    the other two vertices have opposite signs (the line through ``v`` keeps their ratio).
    A fold onto a plane leaves ~10^5 segment/triangle pairs (130 042 on a trained D-I
    layer: 82 723 settled by two known points, 46 757 by one vertex)."""
    P, feats, n_tri = pc.P, pc.feats, pc.n_tri
    a, b = pairs[rows, 0], pairs[rows, 1]
    tri, seg = np.where(a < n_tri, a, b), np.where(a < n_tri, b, a)
    ends = pc.pad[seg][:, :2]
    order = np.argsort(tri, kind="stable")
    out = {}
    for grp in np.split(order, np.flatnonzero(np.diff(tri[order])) + 1):
        if not len(grp):
            continue
        t, e = int(tri[grp[0]]), ends[grp]
        corners = np.asarray(feats[t])
        num, den = integer_rows(P.exact, np.concatenate([e.ravel(), corners]))
        m = 2 * len(grp)
        plane, L = barycentric(num[:m], den[:m], *(P.exact[u] for u in corners))
        inside = (plane & (L >= 0).all(axis=1)).reshape(-1, 2)
        ua, ub = slice(0, m, 2), slice(1, m, 2)
        on = np.zeros((len(grp), 3), dtype=bool)
        fa, fb = pc.Xu[e[:, 0]], pc.Xu[e[:, 1]]
        for j in range(3):  # exactly only where floats do not certify the corner off the segment
            near = np.flatnonzero(~_cert.off_segment(fa, fb, pc.Xu[corners[j]]))
            if len(near):
                on[near, j] = in_segments(num[m + j:m + j + 1], den[m + j:m + j + 1],
                                          num[ua][near], den[ua][near], num[ub][near],
                                          den[ub][near])
        known = np.concatenate([np.where(inside, e, -1), np.where(on, corners[None], -1)], 1)
        known.sort(axis=1)
        known[:, 1:][known[:, 1:] == known[:, :-1]] = -1
        count = (known >= 0).sum(axis=1)
        for i in np.flatnonzero(count == 2).tolist():
            u, v = known[i][known[i] >= 0].tolist()
            out[int(rows[grp[i]])] = _along(P.exact[u], P.exact[v], e[i], P)
        # one vertex j inside the segment, no end in the triangle
        one = np.flatnonzero((count == 1) & ~inside.any(axis=1) & (on.sum(axis=1) == 1))
        if len(one):
            j = on[one].argmax(axis=1)
            in_plane = plane.reshape(-1, 2)[one].all(axis=1)
            first = L[2 * one]                              # the segment's first end
            at = np.arange(len(one))
            lw1, lw2 = first[at, (j + 1) % 3], first[at, (j + 2) % 3]
            alone = ~in_plane | (lw1 * lw2 < 0)
            for i, jj in zip(one[alone].tolist(), j[alone].tolist()):
                out[int(rows[grp[i]])] = [P.exact[int(corners[jj])]]
    return out


def _along(p, q, ends, P):
    """``[p, q]`` ordered from the segment's first end to its second (as
    :func:`~.exact.intersect_segment_triangle` gives them)."""
    a, b = P.exact[int(ends[0])], P.exact[int(ends[1])]
    k = next(r for r in range(len(a)) if a[r] != b[r])
    return [p, q] if (p[k] - q[k]) * (b[k] - a[k]) < 0 else [q, p]


class _LazyMeet:
    """A meet of two image pieces whose exact corners are computed on first access (a
    sequence of points): folded layers make up to millions of meets, most never read."""

    def __init__(self, *args):
        self._args, self._corners = args, None

    def _get(self):
        if self._corners is None:
            self._corners = self._compute(*self._args)
        return self._corners

    def __len__(self):
        return len(self._get())

    def __iter__(self):
        return iter(self._get())

    def __getitem__(self, i):
        return self._get()[i]

    def __bool__(self):
        return True

    def __eq__(self, other):
        return list(self) == list(other)

    def __repr__(self):
        return f"{type(self).__name__}({list(self)!r})"


class AreaMeet(_LazyMeet):
    """The corners of the intersection of two triangles of one plane that overlap in area,
    computed exactly (:func:`~.exact.intersect_coplanar`) on first access: where a network
    folds a region onto a plane there are tens of thousands of such pairs, the image complex
    needs only that they overlap (their cluster's cells are cut from all its edges at once),
    and the corners are read only where someone looks at the overlap. ``AreaMeet(P, Q,
    plane)``: the two triangles' exact corners and their plane."""

    dimension = 2
    _compute = staticmethod(lambda P, Q, plane: _exact.intersect_coplanar(P, Q, plane))


class EndPoints(_LazyMeet):
    """The meet of two segments of one line: one or two of their own end points (points of
    the image already, so the cells' step registers nothing for it). ``EndPoints(exact,
    ids)``: the image's exact points and the ids of the meet's ends; its length is known
    without reading them (a fold onto a line makes millions of such meets)."""

    _compute = staticmethod(lambda exact, ids: [exact[u] for u in ids])

    def __len__(self):
        return len(self._args[1])


def _overlap_in_area(pairs, pc, planes):
    """Which pairs of triangles of one plane overlap in area (their interiors meet), decided
    exactly: iff no edge line of either triangle has the other on its closed outer side (two
    convex polygons with disjoint interiors are separated by a line through an edge of one).
    Orientations in the plane's chart (its pivot coordinates): float signs with a certified
    rounding bound decide almost all; the others are exact (a shared vertex: exactly 0)."""
    n = len(pairs)
    if not n:
        return np.zeros(0, dtype=bool)
    axes = np.array([planes[a][:2] for a in pairs[:, 0].tolist()], dtype=np.int64)
    ids = pc.pad[pairs]                                           # (n, 2, 3) point ids
    F = np.take_along_axis(pc.Xu[ids], axes[:, None, None, :], axis=3)   # (n, 2, 3, 2)
    size = np.abs(F).reshape(n, -1).max(1)
    o = np.stack([_exact.orient2_signs(F[:, s, 0], F[:, s, 1], F[:, s, 2], size)
                  for s in (0, 1)], 1)                                # (n, 2) orientations
    inner = np.zeros((n, 2, 3), dtype=bool)   # some vertex of the other certainly inside
    for s in (0, 1):
        for e in range(3):
            a, b = F[:, s, e], F[:, s, (e + 1) % 3]
            for w in range(3):
                inner[:, s, e] |= o[:, s] * _exact.orient2_signs(a, b, F[:, 1 - s, w],
                                                                 size) > 0
    area = inner.all((1, 2))
    for r in np.flatnonzero(~area).tolist():
        area[r] = _overlap_in_area_exact(
            [[tuple(pc.P.exact[u][c] for c in axes[r]) for u in ids[r, s]] for s in (0, 1)])
    return area


def _overlap_in_area_exact(T):
    """:func:`_overlap_in_area` of two triangles ``T`` of exact 2-D points."""
    for s in (0, 1):
        A, B = T[s], T[1 - s]
        o = _exact.orient2(*A)
        for e in range(3):
            a, b = A[e], A[(e + 1) % 3]
            if not any(w != a and w != b and o * _exact.orient2(a, b, w) > 0 for w in B):
                return False
    return True


def _collinear_segments(pairs, certified, n_tri, n_seg, feats, P):
    """Which uncertified pairs are two segments of one line (exactly), and the line of each
    segment involved (``(id, k)``: one id per distinct line, and the coordinate it moves
    along first, :func:`~.exact.line_key`). A network that folds a region onto a line leaves
    hundreds of thousands of such pairs; they are settled by comparing end points
    (:func:`_collinear_meets`)."""
    collinear = np.zeros(len(pairs), dtype=bool)
    is_seg = lambda f: (f >= n_tri) & (f < n_tri + n_seg)  # noqa: E731
    rows = np.flatnonzero(~certified & is_seg(pairs[:, 0]) & is_seg(pairs[:, 1]))
    # one integer per distinct line (exact keys hashed once per segment, not per pair)
    ids, lines = {}, {}
    line_id = np.full(n_tri + n_seg, -1, dtype=np.int64)
    for f in np.unique(pairs[rows]).tolist():
        key = _exact.line_key(*(P.exact[u] for u in feats[f]))
        line_id[f] = ids.setdefault(key, len(ids))
        lines[f] = (int(line_id[f]), key[0])
    collinear[rows] = line_id[pairs[rows, 0]] == line_id[pairs[rows, 1]]
    return lines, collinear


def _collinear_meets(pairs, collinear, lines, pc):
    """:func:`~.exact.collinear_meet` of every collinear pair at once, and which of them
    interact or overlap (as in :func:`~.image_complex._intersect`). The end points of a
    line's segments are ranked once by their exact coordinate along it, so each pair is
    settled by comparing ranks. Returns per pair ``(lo, hi, interacts, overlaps)``: point ids
    of the meet's ends (-1: empty; ``lo == hi``: one point), and the two flags."""
    n = len(pairs)
    lo, hi = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    inter, over = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    rows = np.flatnonzero(collinear)
    if not len(rows):
        return lo, hi, inter, over
    segs = np.unique(pairs[rows])
    ends = pc.pad[segs][:, :2].copy()                   # point ids of each segment's ends
    rank = np.empty_like(ends)
    by_line = {}
    for i, f in enumerate(segs.tolist()):
        by_line.setdefault(lines[f], []).append(i)
    for (_, k), sel in by_line.items():                 # exact order along the line
        pts = sorted(set(ends[sel].ravel().tolist()), key=lambda u: pc.P.exact[u][k])
        where = {u: r for r, u in enumerate(pts)}
        rank[sel] = [[where[u] for u in e] for e in ends[sel].tolist()]
    swap = rank[:, 0] > rank[:, 1]
    ends[swap], rank[swap] = ends[swap][:, ::-1], rank[swap][:, ::-1]
    ia, ib = np.searchsorted(segs, pairs[rows, 0]), np.searchsorted(segs, pairs[rows, 1])
    first = rank[ia, 0] >= rank[ib, 0]
    lo_r, lo_u = np.where(first, rank[ia, 0], rank[ib, 0]), np.where(first, ends[ia, 0],
                                                                     ends[ib, 0])
    last = rank[ia, 1] <= rank[ib, 1]
    hi_r, hi_u = np.where(last, rank[ia, 1], rank[ib, 1]), np.where(last, ends[ia, 1],
                                                                   ends[ib, 1])
    empty = lo_r > hi_r
    lo[rows] = np.where(empty, -1, lo_u)
    hi[rows] = np.where(empty, -1, hi_u)
    n_meet = np.where(empty, 0, np.where(lo_r == hi_r, 1, 2))
    # the meet equals the hull of the common end points iff it has as many points, all common
    common = lambda u: (u[:, None] == ends[ia]).any(1) & (u[:, None] == ends[ib]).any(1)  # noqa
    n_common = (ends[ia][:, :, None] == ends[ib][:, None, :]).any(2).sum(1)
    held = (n_meet < 1) | common(lo_u)
    held &= (n_meet < 2) | common(hi_u)
    inter[rows] = ~(held & (n_meet == n_common))
    # ... and of the images of the common vertices of the two edges of K (an overlap)
    kv = np.array([pc.input_simplices[f] for f in segs.tolist()], dtype=np.int64)
    ku = pc.uid_of_vertex[np.searchsorted(pc.verts, kv)]
    cm = (kv[ia][:, :, None] == kv[ib][:, None, :]).any(2)          # common, by a's ends
    in_k = lambda u: ((u[:, None] == ku[ia]) & cm).any(1)  # noqa: E731
    n_k = cm.sum(1) - (cm.all(1) & (ku[ia, 0] == ku[ia, 1]))
    held = (n_meet < 1) | in_k(lo_u)
    held &= (n_meet < 2) | in_k(hi_u)
    over[rows] = (n_meet > 0) & ~(held & (n_meet == n_k))
    return lo, hi, inter, over


def _inside_segments(pairs, rows, lo, hi, pc):
    """For the segments of the collinear pairs ``rows`` (meets ``lo``, ``hi`` from
    :func:`_collinear_meets`): segment -> ids of the points known to lie strictly inside it.
    A meet's ends lie in both closed segments (their ranks along the line say so), so those
    that are not a segment's own ends lie inside it: the edge split of the image complex
    then needs no exact test for them (folded layers have hundreds of thousands)."""
    rows = rows[lo[rows] >= 0]
    f = np.concatenate([pairs[rows, 0], pairs[rows, 0], pairs[rows, 1], pairs[rows, 1]])
    u = np.concatenate([lo[rows], hi[rows], lo[rows], hi[rows]])
    ends = pc.pad[f]
    keep = (u != ends[:, 0]) & (u != ends[:, 1])
    f, u = f[keep], u[keep]
    base = int(u.max()) + 1 if len(u) else 1    # (f, u) as one integer: np.unique on rows
    key = np.unique(f * base + u)               # is several times slower
    fu = np.stack([key // base, key % base], 1)
    out = {}
    if len(fu):
        cut = np.flatnonzero(np.diff(fu[:, 0])) + 1
        for grp in np.split(fu, cut):
            out[int(grp[0, 0])] = grp[:, 1].tolist()
    return out


def _chunks(idx, size=50_000):
    """``idx`` in slices of ``size``: the float certificates build (size, 16, n) arrays."""
    return [idx[i:i + size] for i in range(0, len(idx), size)]


def _piece_labels(top, injective, input_simplices):
    """Label of each piece: that of the top simplex of ``K`` it is (-1 for lower faces)."""
    out = np.full(len(input_simplices), -1, dtype=np.int64)
    k = top.shape[1]
    idx = np.array([i for i, s in enumerate(input_simplices) if len(s) == k], dtype=np.int64)
    if not len(idx) or not len(top):
        return out
    A = np.array([input_simplices[i] for i in idx], dtype=np.int64)
    base = int(max(top.max(), A.max())) + 1
    if base ** k >= 2 ** 62:                        # keys would overflow: by hashing
        index = {tuple(t): i for i, t in enumerate(top.tolist())}
        return np.array([injective[index[s]] if s in index else -1 for s in input_simplices],
                        dtype=np.int64).reshape(-1)
    key = lambda R: R @ (base ** np.arange(k - 1, -1, -1))  # noqa: E731  (rows sorted)
    kt, ka = key(top), key(A)
    order = np.argsort(kt)
    pos = np.minimum(np.searchsorted(kt[order], ka), len(kt) - 1)
    hit = kt[order][pos] == ka
    out[idx[hit]] = np.asarray(injective)[order[pos[hit]]]
    return out
