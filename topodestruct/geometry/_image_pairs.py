"""Narrow phase of the image complex without exact work: pairs settled by a promise or a float
certificate, and the uncertified pairs of one line or one plane (exact keys).

Helpers of :func:`topodestruct.geometry.image_complex.refine_image` (step 3 of its method).
"""
import numpy as np

from . import certificates as _cert
from . import exact as _exact


def _certify(pc, pairs, label=None, check=lambda where, every=1: None):
    """Step 3, without exact work: the pairs settled by the caller's promise (``label``: each
    piece's, :func:`_piece_labels`) or by a float certificate. Returns ``(certified,
    n_distinct, n_promised)``: which pairs are settled, the number of distinct vertex images
    of each pair, how many the promise settled."""
    pad, Xu = pc.pad, pc.Xu
    certified = np.zeros(len(pairs), dtype=bool)
    if label is not None and len(pairs):
        la, lb = label[pairs[:, 0]], label[pairs[:, 1]]
        certified = (la >= 0) & (la == lb)
    n_promised = int(certified.sum())
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
    key = np.stack([in_b.sum(1), only_a.sum(1), only_b.sum(1)], 1)
    for c, ka, kb in np.unique(key, axis=0).tolist():
        if not ka or not kb:
            continue
        for sel in _chunks(np.flatnonzero((key == (c, ka, kb)).all(1))):
            check("float certificates of image pairs", every=1)
            # row-major selection keeps each row's entries together, in feature order
            C = Xu[pa[sel][in_b[sel]].reshape(len(sel), c)]
            certified[rest[sel]] = _cert.separated(
                C, Xu[pa[sel][only_a[sel]].reshape(len(sel), ka)],
                Xu[pb[sel][only_b[sel]].reshape(len(sel), kb)])
    return certified, n_distinct, n_promised


def _coplanar_triangles(pairs, certified, pc):
    """Which uncertified pairs are two image triangles of one plane (exactly), and the
    plane of each triangle involved (:func:`~.exact.plane_key`). A network that folds a
    region onto itself leaves tens of thousands of such pairs; knowing the plane, each is
    clipped in a chart of it without the linear solve of the general intersection."""
    n_tri, feats, P = pc.n_tri, pc.feats, pc.P
    coplanar = np.zeros(len(pairs), dtype=bool)
    rows = np.flatnonzero(~certified & (pairs[:, 0] < n_tri) & (pairs[:, 1] < n_tri))
    if not len(rows):
        return {}, coplanar
    planes = {f: _exact.plane_key(*(P.exact[u] for u in feats[f]))
              for f in np.unique(pairs[rows]).tolist()}
    coplanar[rows] = [planes[a] == planes[b] for a, b in pairs[rows].tolist()]
    return planes, coplanar


class AreaMeet:
    """The corners of the intersection of two triangles of one plane that overlap in area,
    computed exactly (:func:`~.exact.intersect_coplanar`) on first access: where a network
    folds a region onto a plane there are tens of thousands of such pairs, the image complex
    needs only that they overlap (their cluster's cells are cut from all its edges at once),
    and the corners are read only where someone looks at the overlap. A sequence of points."""

    dimension = 2

    def __init__(self, P, Q, plane):
        self._args, self._corners = (P, Q, plane), None

    def _get(self):
        if self._corners is None:
            self._corners = _exact.intersect_coplanar(*self._args)
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
        return f"AreaMeet({list(self)!r})"


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
    segment involved. A network that folds a region onto a line leaves hundreds of thousands
    of such pairs; they are settled by comparing end points."""
    collinear = np.zeros(len(pairs), dtype=bool)
    is_seg = lambda f: (f >= n_tri) & (f < n_tri + n_seg)  # noqa: E731
    rows = np.flatnonzero(~certified & is_seg(pairs[:, 0]) & is_seg(pairs[:, 1]))
    lines = {f: _exact.line_key(*(P.exact[u] for u in feats[f]))
             for f in np.unique(pairs[rows]).tolist()}
    for r in rows.tolist():
        a, b = pairs[r].tolist()
        collinear[r] = lines[a] == lines[b]
    return lines, collinear


def _chunks(idx, size=50_000):
    """``idx`` in slices of ``size``: the float certificates build (size, 16, n) arrays."""
    return [idx[i:i + size] for i in range(0, len(idx), size)]


def _piece_labels(top, injective, input_simplices):
    """Label of each piece: that of the top simplex of ``K`` it is (-1 for lower faces)."""
    index = {tuple(t): i for i, t in enumerate(top.tolist())}
    return np.array([injective[index[s]] if s in index else -1 for s in input_simplices],
                    dtype=np.int64).reshape(-1)
