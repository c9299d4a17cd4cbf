"""Numerical (SVD) ranks and margins of the active submatrix products, plus gather helpers.

The tolerance convention is stated in :mod:`topodestruct.relu.rank`
("Numerical mode and margins").  :class:`Padded`, :func:`padded_index` and
:func:`chunk_slices` are shared with the certified tests.
"""
import numpy as np

__all__ = ["CHUNK_BUDGET", "Padded", "padded_index", "chunk_slices", "numerical_ranks"]

CHUNK_BUDGET = 2 ** 25


def padded_index(mask):
    """Per-row sorted indices of True entries, padded with the sentinel ``n``; plus counts."""
    counts = mask.sum(1)
    width = int(counts.max()) if counts.size else 0
    order = np.argsort(~mask, axis=1, kind="stable")[:, :width]
    valid = np.arange(width)[None, :] < counts[:, None]
    return np.where(valid, order, mask.shape[1]), valid, counts


class Padded:
    """A matrix with an extra zero row and column, for gathers with sentinel padding."""

    def __init__(self, M, device):
        import torch

        M = np.asarray(M, dtype=np.float64)
        ext = np.zeros((M.shape[0] + 1, M.shape[1] + 1))
        ext[:-1, :-1] = M
        self.ncols = ext.shape[1]
        self.device = device
        self.flat = ext.ravel()
        self.t = torch.from_numpy(ext).to(device) if str(device) != "cpu" else None

    def take(self, rows, cols):
        """``M[rows[b, i], cols[b, j]]`` as a (B, R, C) float64 tensor (0 at sentinels)."""
        import torch

        if self.t is None:   # numpy's flat take is ~2x faster than torch indexing on CPU
            return torch.from_numpy(self.flat.take(rows[:, :, None] * self.ncols
                                                   + cols[:, None, :]))
        r = torch.from_numpy(rows).to(self.device)
        c = torch.from_numpy(cols).to(self.device)
        return self.t[r[:, :, None], c[:, None, :]]


def numerical_ranks(Ws64, actives, m, device):
    """Numerical ranks and margins (n_unique, L), tolerance as in the module doc."""
    Ws64 = [Padded(W.detach().cpu().numpy() if hasattr(W, "detach") else W, device)
            for W in Ws64]
    U, L = actives[0].shape[0], len(Ws64)
    ranks = np.zeros((U, L), dtype=np.int64)
    margins = np.zeros((U, L, 2))
    for sl in chunk_slices(actives, m):
        ranks[sl], margins[sl] = _numerical_chunk(Ws64, [a[sl] for a in actives], device)
    return ranks, margins


def _numerical_chunk(Ws64, actives, device):
    import torch

    U, L = actives[0].shape[0], len(Ws64)
    ranks = np.zeros((U, L), dtype=np.int64)
    margins = np.zeros((U, L, 2))
    eps = np.finfo(np.float64).eps
    m = Ws64[0].ncols - 1
    idx, _, cnt = padded_index(actives[0])
    Z = Ws64[0].take(idx, np.broadcast_to(np.arange(m), (U, m)))
    rows = np.arange(U)
    for K in range(L):
        if K:
            nidx, _, cnt = padded_index(actives[K])
            Z = Ws64[K].take(nidx, idx) @ Z
            idx = nidx
        S = (torch.linalg.svdvals(Z).cpu().numpy() if min(Z.shape[1:]) > 0
             else np.zeros((U, 0)))
        smax = S[:, 0] if S.shape[1] else np.zeros(U)
        tol = np.maximum(smax * np.maximum(cnt, m) * eps, np.finfo(np.float64).tiny)
        r = (S > tol[:, None]).sum(1)
        ranks[:, K] = r
        Sx = np.concatenate([np.full((U, 1), np.inf), S, np.zeros((U, 1))], 1)
        margins[:, K, 0] = Sx[rows, r] / tol
        margins[:, K, 1] = Sx[rows, r + 1] / tol
    return ranks, margins


def chunk_slices(actives, m, budget=None):
    """Slices of unique codewords whose gathered blocks fit ``budget`` float64 entries."""
    budget = budget or CHUNK_BUDGET
    U = actives[0].shape[0]
    sizes = [m] + [int(a.sum(1).max()) if U else 0 for a in actives]
    per_item = max(1, max(sizes[i] * sizes[i + 1] for i in range(len(actives))))
    step = max(1, min(U, budget // per_item))
    return [slice(s, min(s + step, U)) for s in range(0, U, step)]


def __dir__():  # dir() shows the public names only
    return __all__
