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

__all__ = ["interior_overlaps", "overlay_labels", "block_checker", "solid_faces"]


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
                       overlay=None, faces_last=True, floats=None):
    """Step 3: the pairs (3-piece, other piece) that meet in the 3-piece's interior, how many
    pairs meet so, how many of them are pairs of 3-pieces, and what the surface may reuse:
    the first 3-piece holding each face, and the pairs of 3-pieces settled by the promise or
    a certificate (their images meet exactly in the hull of their shared vertex images).
    Broad phase, certificates, then the exact test (``check``: per exact pair;
    ``check_block``: per block of certificates; ``overlay``: per piece, a carved cluster it
    lies in or -1: pieces of one cluster's cells never meet its cells' interiors, by
    construction, see :mod:`._solid_cuts`; ``floats``: the roundings of the points, by
    id, where the caller has them).

    A face ``Q`` of a 3-piece ``T'`` is tested only if some 3-piece meets an interior:
    ``Φ(Q) ⊂ Φ(T')``, so where no 3-piece meets another's interior (its pair settled by a
    certificate, the exact test, or disjoint boxes) none of their faces does either.  The
    surface pieces that are faces of no 3-piece (faces of flat tetrahedra only) are tested
    with the 3-pieces.  On D-II's second layer that leaves a quarter of the candidate pairs
    (``faces_last=False``: every piece in one pass, as before; the tests compare the two)."""
    pieces = solids + surf
    S = len(solids)
    labels = None if solid_labels is None else np.concatenate([solid_labels, surf_labels])
    old = None
    if settled is not None:                             # (uncarved 3-pieces, every piece)
        old = np.array([p in settled[1] for p in pieces], dtype=bool)
        old[:S] &= np.array([p in settled[0] for p in solids], dtype=bool)
    implied = np.zeros(len(pieces), dtype=bool)
    faces = solid_faces(solids)
    if faces_last and settled is None and overlay is None:   # faces wait (above)
        implied[S:] = [p in faces for p in surf]
    run = _Pass(pieces, S, point, labels, old, overlay, stats, check, check_block, floats)
    run(np.flatnonzero(~implied), max_exact_pairs, max_candidate_pairs, solid_pairs=True)
    if run.bad and implied.any():
        stats["faces_tested"] = True
        run(np.concatenate([np.arange(S), np.flatnonzero(implied)]), max_exact_pairs,
            max_candidate_pairs, solid_pairs=False)
    stats["interior_overlaps"] = run.bad
    return run.hits, run.bad, run.solid_bad, (faces, run.settled_pairs())


def solid_faces(solids):
    """Each proper face of the 3-pieces ``solids`` (tuples of vertex-image ids) -> the index
    of the first 3-piece holding it."""
    faces = {}
    for i, t in enumerate(solids):
        for k in (1, 2, 3):
            for f in combinations(t, k):
                faces.setdefault(f, i)
    return faces


class _Pass:
    """Passes of :func:`interior_overlaps` over subsets of the pieces (3-pieces first),
    accumulating the hits and the counts in ``stats``."""

    def __init__(self, pieces, S, point, labels, old, overlay, stats, check, check_block,
                 floats=None):
        self.pieces, self.S, self.point, self.labels = pieces, S, point, labels
        self.old, self.overlay, self.stats = old, overlay, stats
        self.check, self.check_block = check, check_block
        ids = sorted(point)
        self.X = floats[ids] if floats is not None else np.array(
            [[float(x) for x in point[u]] for u in ids], dtype=float)
        where = {u: i for i, u in enumerate(ids)}
        self.pad = np.full((len(pieces), 4), -1, dtype=np.int64)
        for f, p in enumerate(pieces):
            self.pad[f, :len(p)] = [where[u] for u in p]
        self.hits, self.bad, self.solid_bad, self.frames, self.settled = [], 0, 0, {}, []
        for key in ("candidate_pairs", "promised_pairs", "certified_pairs", "exact_pairs"):
            stats[key] = 0

    def __call__(self, select, max_exact_pairs, max_candidate_pairs, solid_pairs):
        """One pass over the pieces ``select`` (increasing; the 3-pieces among them first);
        ``solid_pairs`` False: pairs of two 3-pieces were settled by an earlier pass."""
        rest = np.concatenate(list(self._settle(select, max_candidate_pairs, solid_pairs))
                              or [np.zeros((0, 2), dtype=np.int64)])
        self.stats["exact_pairs"] += len(rest)
        if max_exact_pairs is not None and self.stats["exact_pairs"] > max_exact_pairs:
            raise ImageTooLarge(f"{self.stats['exact_pairs']} pairs of solid image pieces to "
                                f"test exactly > max_exact_pairs={max_exact_pairs}")
        S, pieces, point = self.S, self.pieces, self.point
        for a, b in rest.tolist():
            self.check("exact interiors of solid image pieces")
            hit = False
            for t, q in ((a, b), (b, a)) if b < S else ((a, b),):
                T = pieces[t]
                if t not in self.frames:
                    self.frames[t] = _Frame([point[u] for u in T])
                if _meets_interior(T, pieces[q], point, self.frames[t]):
                    hit = True
                    self.hits.append((t, q))
            self.bad += hit
            self.solid_bad += hit and b < S

    def _settle(self, select, max_candidate_pairs, solid_pairs):
        """The candidate pairs (global piece indices) left by the promise and the
        certificates, chunk by chunk."""
        S, pad, stats = self.S, self.pad, self.stats
        n_solid = int(np.searchsorted(select, S))
        for chunk in _cert.piece_pair_chunks(self.X, pad[select], widen=True,
                                             check=self.check_block, first=n_solid):
            chunk = np.sort(select[chunk], axis=1)      # a 3-piece and another piece
            # faces of the 3-piece are its boundary: every vertex of b is one of a's
            pa, pb = pad[chunk[:, 0]], pad[chunk[:, 1]]
            inside = ((pb[:, :, None] == pa[:, None, :]).any(2) | (pb < 0)).all(1)
            if not solid_pairs:
                inside |= chunk[:, 1] < S
            if self.old is not None:
                inside |= self.old[chunk[:, 0]] & self.old[chunk[:, 1]]
            if self.overlay is not None:
                oa = self.overlay[chunk[:, 0]]
                inside |= (oa >= 0) & (oa == self.overlay[chunk[:, 1]])
            chunk = chunk[~inside]
            stats["candidate_pairs"] += len(chunk)
            if max_candidate_pairs is not None and stats["candidate_pairs"] > max_candidate_pairs:
                raise ImageTooLarge(f"more than {stats['candidate_pairs'] - len(chunk)} "
                                    f"candidate pairs of solid image pieces > "
                                    f"max_candidate_pairs={max_candidate_pairs}")
            certified = np.zeros(len(chunk), dtype=bool)
            if self.labels is not None:
                la, lb = self.labels[chunk[:, 0]], self.labels[chunk[:, 1]]
                certified = (la >= 0) & (la == lb)
            stats["promised_pairs"] += int(certified.sum())
            for start in range(0, len(chunk), _BLOCK):  # blocks: bounded memory, budget
                if self.check_block is not None:
                    self.check_block("float certificates of solid image pieces")
                block = slice(start, start + _BLOCK)
                certified[block] |= _certified(self.X, pad, chunk[block], certified[block])
            stats["certified_pairs"] += int(certified.sum())
            if solid_pairs:
                self.settled.append(chunk[certified & (chunk[:, 1] < S)])
            yield chunk[~certified]

    def settled_pairs(self):
        """The pairs of 3-pieces that the promise or a certificate settled, shape (m, 2)."""
        return np.concatenate(self.settled) if self.settled else np.zeros((0, 2), np.int64)


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
    # (common, only a, only b) counts, each < 8, as one integer (np.unique over rows is slow)
    key = 64 * in_b.sum(1) + 8 * only_a.sum(1) + only_b.sum(1)
    for k in np.unique(key).tolist():
        c, ka, kb = k // 64, k // 8 % 8, k % 8
        if c > 2 or not ka or not kb:
            continue
        sel = np.flatnonzero(key == k)
        C = X[pa[sel][in_b[sel]].reshape(len(sel), c)]
        out[todo[left[sel]]] = _cert.separated(
            C, X[pa[sel][only_a[sel]].reshape(len(sel), ka)],
            X[pb[sel][only_b[sel]].reshape(len(sel), kb)])
    return out
