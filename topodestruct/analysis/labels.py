r"""Rank labels of the pieces of a refinement (ambient or intrinsic) and of vertices.

* ``rank="ambient"`` (the paper's, eq. 3-4): ``rank(Q_K W_K ... Q_1 W_1)`` of
  the region containing the piece, certified by
  :func:`topodestruct.rank_decomposition` at the pieces' barycentres.  The
  barycentre lies strictly inside its piece, so its codewords are the piece's;
  where the float forward pass at a (sliver's) barycentre disagrees with the
  refinement's codewords, the rank of the piece's own codewords is computed
  exactly over Q (python-flint) instead.
* ``rank="intrinsic"``: the rank of ``Phi^K`` restricted to the piece's affine
  span, ``rank(J E)`` with ``J`` the float64 Jacobian of the region and ``E``
  the edge vectors of the piece's parent simplex of ``K`` (the same affine
  span).  Numerical, with the tolerance ``1e-9 * ||J||_2 * ||E||_2``.  It is
  ``<= dim K`` and also sees collapses that the ambient rank misses (a surface
  whose tangent plane lies in the kernel of a rank-2 map).

Examples
--------
>>> import numpy as np, topodestruct as td
>>> from topodestruct.analysis.refine import refine
>>> net = td.networks.from_weights([(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2))])
>>> C = td.complexes.circle(6)       # sin(pi) is 1.2e-16 in floats: round it to 0 exactly
>>> R = refine(net, td.SimplicialComplex(C.simplices(1), np.round(C.coordinates, 12)))
>>> np.bincount(piece_ranks(net, R, 1)).tolist()    # quadrants: 0, 1, 1, 2 active units
[2, 4, 2]
>>> np.bincount(piece_ranks(net, R, 1, rank="intrinsic")).tolist()  # + the flat chord at y > 0
[3, 5]
"""
from fractions import Fraction

import numpy as np

from ..tolerances import JACOBIAN_RANK_RTOL

__all__ = ["piece_ranks", "vertex_ranks", "collapse_ranks", "RANKS"]

RANKS = ("ambient", "intrinsic")


def collapse_ranks(ranks, rank, dimension):
    """Ranks as the rank-source quotient reads them (it collapses rank 0 and rank 1).

    An intrinsic rank equal to ``dimension`` (that of ``K``) means the piece is mapped
    injectively, so it is never collapsed, also where that rank is 1 (a 1-complex): it
    reads as 2 here. Ambient ranks are returned as they are (the paper's convention).

    >>> collapse_ranks([0, 1, 1], "intrinsic", 1).tolist()    # a 1-complex: rank 1 is full
    [0, 2, 2]
    >>> collapse_ranks([0, 1, 2], "intrinsic", 2).tolist()
    [0, 1, 2]
    """
    ranks = np.asarray(ranks)
    if rank != "intrinsic":
        return ranks
    return np.where(ranks >= dimension, np.maximum(ranks, 2), ranks)


def check_rank_kind(rank):
    if rank not in RANKS:
        raise ValueError(f"rank must be one of {RANKS}, got {rank!r}")
    return rank


def _exact_rank(layers, codes, K):
    """Exact rank over Q of ``Q_K W_K ... Q_1 W_1`` for one list of codewords (flint)."""
    import flint

    M, prev = None, None
    for k in range(K):
        W, _, relu = layers[k]
        rows = np.flatnonzero(codes[k]) if relu else np.arange(W.shape[0])
        if len(rows) == 0:
            return 0
        cols = np.arange(W.shape[1]) if M is None else prev
        entries = [flint.fmpq(*Fraction(float(W[r, c])).as_integer_ratio())
                   for r in rows for c in cols]
        A = flint.fmpq_mat(len(rows), len(cols), entries)
        M = A if M is None else A * M
        prev = rows
    return int(M.rank())


def piece_ranks(net, R, K, rank="ambient", random_state=0):
    """Rank of ``Phi^K`` on each piece of a :class:`~.refine.Refinement` (``R.layer >= K``).

    Parameters
    ----------
    net : torch.nn.Sequential or list of (W, b)
        The network ``R`` was built from.
    R : Refinement
    K : int
        1-based layer.
    rank : {"ambient", "intrinsic"}
    random_state : None, int or numpy.random.Generator
        Passed to :func:`topodestruct.rank_decomposition` (column sketch).

    Returns
    -------
    (T,) int array
    """
    check_rank_kind(rank)
    if not 1 <= K <= R.layer:
        raise ValueError(f"layer {K} is not refined (1..{R.layer})")
    if rank == "intrinsic":
        J, inverse = R.jacobians(K)
        tops = R.simplices
        X = R.points
        out = np.empty(len(tops), dtype=np.int64)
        E = X[tops[:, 1:]] - X[tops[:, :1]]                    # (T, d, m), same span as parent
        for t in range(len(tops)):
            Jt = J[inverse[t]]
            Et = E[t].T
            if Et.size == 0:
                out[t] = 0
                continue
            s = np.linalg.svd(Jt @ Et, compute_uv=False)
            tol = JACOBIAN_RANK_RTOL * np.linalg.norm(Jt, 2) * np.linalg.norm(Et, 2)
            out[t] = int((s > tol).sum())
        return out
    from ..relu.rank import rank_decomposition

    rd = rank_decomposition(net, R.barycentres(), layers=[K], random_state=random_state)
    ranks = rd.ranks[:, K - 1].astype(np.int64)
    bad = np.zeros(len(ranks), dtype=bool)
    for k in range(K):
        if R.layers[k][2]:
            bad |= (rd.codewords[k] != R.codewords[k]).any(1)
    for t in np.flatnonzero(bad):
        ranks[t] = _exact_rank(R.layers, [c[t] for c in R.codewords], K)
    return ranks


def vertex_ranks(net, X, K, rank="ambient", random_state=0):
    """Certified ambient rank of ``Phi^K`` at points ``X`` (vertex labelling)."""
    check_rank_kind(rank)
    if rank == "intrinsic":
        raise ValueError("rank='intrinsic' needs the exact refinement (complexes of dimension "
                         "<= 2 with refine=True): a vertex has no tangent space")
    from ..relu.rank import rank_decomposition

    rd = rank_decomposition(net, X, layers=[K], random_state=random_state)
    return rd.ranks[:, K - 1].astype(np.int64)
