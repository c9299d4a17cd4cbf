"""Step 3 of the exact image of a 3-complex: which pieces meet a solid piece's interior.

Helpers of :func:`topodestruct.geometry.image_complex_3d.refine_image_3d` (see its module
notes, step 3): a broad phase (boxes), float certificates with wide margins (the caller's
promise, affine independence, a separating affine function), then the exact test by
barycentric coordinates and exact LP feasibility.
"""
from itertools import combinations

import numpy as np
from flint import fmpq, fmpq_mat

from . import certificates as _cert
from .exact_lp import feasible
from .._budget import BudgetExceeded
from .image_complex import ImageBudgetExceeded, ImageTooLarge

__all__ = ["interior_overlaps", "overlay_labels", "block_checker"]


def overlay_labels(overlay, members, tets, input_simplices):
    """Per piece (3-pieces, then the 2-skeleton's): the carved cluster whose cells hold it,
    or -1 (a piece in the cells of two clusters, or of none)."""
    if overlay is None:
        return None
    solid = [{int(overlay[i]) for i in m} for m in members]
    faces = {}
    for row, c in zip(tets.tolist(), overlay.tolist()):
        if c >= 0:
            for f in combinations(row, 3):
                faces.setdefault(f, set()).add(c)
    surf = [faces.get(tuple(s), set()) for s in input_simplices]
    return np.array([next(iter(x)) if len(x) == 1 and -1 not in x else -1
                     for x in solid + surf], dtype=np.int64)


class _Frame:
    """Barycentric coordinates with respect to a nondegenerate tetrahedron in R^n, exactly:
    a point ``q`` has ``β`` (4, summing to 1) and an offset ``r`` from the tetrahedron's
    3-flat (zero iff ``q`` lies in it)."""

    def __init__(self, corners):
        self.t0, n = corners[0], len(corners[0])
        self.D = [[c[r] - self.t0[r] for c in corners[1:]] for r in range(n)]   # n x 3
        M = fmpq_mat(3, n, [self.D[r][j] for j in range(3) for r in range(n)])
        rref, rank = M.rref()
        assert rank == 3
        self.rows = [next(r for r in range(n) if rref[i, r] != 0) for i in range(3)]
        self.inv = fmpq_mat(3, 3, [self.D[r][j] for r in self.rows for j in range(3)]).inv()
        self._D = fmpq_mat(n, 3, [x for row in self.D for x in row])
        self._t0 = fmpq_mat(n, 1, list(self.t0))

    def coordinates(self, q):
        """``(β, d, b)`` of the point ``q``: its barycentric coordinates and, for
        :meth:`offset`, its difference from the first corner and its coordinates along
        the edges (matrix products in flint, not Python sums)."""
        d = fmpq_mat(len(q), 1, list(q)) - self._t0
        b = self.inv * fmpq_mat(3, 1, [d[r, 0] for r in self.rows])
        e = b.entries()
        return [1 - e[0] - e[1] - e[2]] + e, d, b

    def offset(self, d, b):
        """The offset ``r`` of a point from the 3-flat (from :meth:`coordinates`)."""
        return (d - self._D * b).entries()


def _meets_interior(T, Q, point, frame):
    """Whether the hull of ``Q``'s points meets the relative interior of the tetrahedron ``T``
    (sorted vertex ids; ``frame`` its :class:`_Frame`): the exact test of step 3."""
    betas, rest = [], []
    for u in Q:
        if u in T:
            beta, db = [fmpq(int(u == t)) for t in T], None
        else:
            beta, *db = frame.coordinates(point[u])
        betas.append(beta)
        rest.append(db)
    if any(all(beta[i] <= 0 for beta in betas) for i in range(4)):
        return False            # Φ(Q) ∩ flat(Φ(T)) lies on the far side of a facet's plane
    offs = [None if db is None else frame.offset(*db) for db in rest]
    m = len(Q)
    n = len(point[T[0]])
    A, b = [], []
    for r in range(n):
        row = [fmpq(0) if o is None else o[r] for o in offs]
        if any(row):
            A.append(row + [fmpq(0)] * 4)
            b.append(0)
    for i in range(4):
        A.append([beta[i] for beta in betas] + [fmpq(-int(i == k)) for k in range(4)])
        b.append(1)
    assert len(A[0]) == m + 4
    return feasible(A, b)


def interior_overlaps(solids, solid_labels, surf, surf_labels, point, stats, max_exact_pairs,
                       max_candidate_pairs, check, check_block=None, settled=None,
                       overlay=None):
    """Step 3: how many pairs (3-piece, other piece) meet in the 3-piece's interior, and how
    many of them are pairs of 3-pieces.  Broad phase, certificates, then the exact test
    (``check``: per exact pair; ``check_block``: per block of certificates; ``overlay``:
    per piece, a carved cluster it lies in or -1: pieces of one cluster's cells never
    meet its cells' interiors, by construction, see :mod:`._solid_cuts`)."""
    pieces = solids + surf
    S, F = len(solids), len(solids) + len(surf)
    ids = sorted(point)
    X = np.array([[float(x) for x in point[u]] for u in ids], dtype=float)
    where = {u: i for i, u in enumerate(ids)}
    pad = np.full((F, 4), -1, dtype=np.int64)
    for f, p in enumerate(pieces):
        pad[f, :len(p)] = [where[u] for u in p]
    labels = None
    if solid_labels is not None:
        labels = np.concatenate([solid_labels, surf_labels])
    old = None
    if settled is not None:                             # (uncarved 3-pieces, every piece)
        old = np.array([p in settled[1] for p in pieces], dtype=bool)
        old[:S] &= np.array([p in settled[0] for p in solids], dtype=bool)
    rest, n_cand, n_prom, n_cert = [], 0, 0, 0
    for chunk in _cert.piece_pair_chunks(X, pad, widen=True, check=check_block, first=S):
        chunk = np.sort(chunk, axis=1)                  # a 3-piece and another piece
        # faces of the 3-piece are its boundary: every vertex of b is one of a's
        pa, pb = pad[chunk[:, 0]], pad[chunk[:, 1]]
        inside = ((pb[:, :, None] == pa[:, None, :]).any(2) | (pb < 0)).all(1)
        if old is not None:
            inside |= old[chunk[:, 0]] & old[chunk[:, 1]]
        if overlay is not None:
            oa = overlay[chunk[:, 0]]
            inside |= (oa >= 0) & (oa == overlay[chunk[:, 1]])
        chunk = chunk[~inside]
        n_cand += len(chunk)
        if max_candidate_pairs is not None and n_cand > max_candidate_pairs:
            raise ImageTooLarge(f"more than {n_cand - len(chunk)} candidate pairs of solid "
                                f"image pieces > max_candidate_pairs={max_candidate_pairs}")
        certified = np.zeros(len(chunk), dtype=bool)
        if labels is not None:
            la, lb = labels[chunk[:, 0]], labels[chunk[:, 1]]
            certified = (la >= 0) & (la == lb)
        n_prom += int(certified.sum())
        for start in range(0, len(chunk), _BLOCK):      # blocks: bounded memory, budget
            if check_block is not None:
                check_block("float certificates of solid image pieces")
            block = slice(start, start + _BLOCK)
            certified[block] |= _certified(X, pad, chunk[block], certified[block])
        n_cert += int(certified.sum())
        rest.append(chunk[~certified])
    rest = np.concatenate(rest) if rest else np.zeros((0, 2), dtype=np.int64)
    stats.update(candidate_pairs=n_cand, promised_pairs=n_prom, certified_pairs=n_cert)
    stats["exact_pairs"] = len(rest)
    if max_exact_pairs is not None and len(rest) > max_exact_pairs:
        raise ImageTooLarge(f"{len(rest)} pairs of solid image pieces to test exactly "
                            f"> max_exact_pairs={max_exact_pairs}")
    frames, hits, bad, solid_bad = {}, [], 0, 0
    for a, b in rest.tolist():
        check("exact interiors of solid image pieces")
        hit = False
        for t, q in ((a, b), (b, a)) if b < S else ((a, b),):
            T = pieces[t]
            if t not in frames:
                frames[t] = _Frame([point[u] for u in T])
            if _meets_interior(T, pieces[q], point, frames[t]):
                hit = True
                hits.append((t, q))
        bad += hit
        solid_bad += hit and b < S
    stats["interior_overlaps"] = bad
    return hits, bad, solid_bad


def block_checker(budget):
    """A check of ``budget`` at every call (one per block of work), or a no-op."""
    if budget is None:
        return None

    def check(where):
        try:
            budget.check(where)
        except BudgetExceeded as err:
            raise ImageBudgetExceeded(str(err)) from None
    return check


#: Candidate pairs certified at a time (memory: about 1 kB each in the float certificates).
_BLOCK = 1 << 17


def _certified(X, pad, pairs, done):
    """Float certificates (wide margins) that the images of each pair meet exactly in the
    hull of their shared vertex images: affine independence of all their vertex images, or
    a separating affine function (:func:`~.certificates.separated`)."""
    out = np.zeros(len(pairs), dtype=bool)
    todo = np.flatnonzero(~done)
    if not len(todo):
        return out
    pa, pb = pad[pairs[todo, 0]], pad[pairs[todo, 1]]
    rows = np.sort(np.concatenate([pa, pb], axis=1), axis=1)
    rows[:, 1:][rows[:, 1:] == rows[:, :-1]] = -1
    rows = np.sort(rows, axis=1)
    n_distinct = (rows >= 0).sum(axis=1)
    for u in np.unique(n_distinct).tolist():
        sel = np.flatnonzero(n_distinct == u)
        out[todo[sel]] = _cert.independent(X[rows[sel, 8 - u:]])
    left = np.flatnonzero(~out[todo])
    pa, pb = pa[left], pb[left]
    in_b = (pa[:, :, None] == pb[:, None, :]).any(2) & (pa >= 0)
    in_a = (pb[:, :, None] == pa[:, None, :]).any(2) & (pb >= 0)
    only_a, only_b = (pa >= 0) & ~in_b, (pb >= 0) & ~in_a
    key = np.stack([in_b.sum(1), only_a.sum(1), only_b.sum(1)], 1)
    for c, ka, kb in np.unique(key, axis=0).tolist():
        if c > 2 or not ka or not kb:
            continue
        sel = np.flatnonzero((key == (c, ka, kb)).all(1))
        C = X[pa[sel][in_b[sel]].reshape(len(sel), c)]
        out[todo[left[sel]]] = _cert.separated(
            C, X[pa[sel][only_a[sel]].reshape(len(sel), ka)],
            X[pb[sel][only_b[sel]].reshape(len(sel), kb)])
    return out
