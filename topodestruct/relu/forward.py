"""Forward pass of a parsed ReLU network: codewords, rank-active masks, uncertain patterns.

See :mod:`topodestruct.relu.rank` ("Uncertain activation patterns") for the
rounding bound that flags codewords which might differ from the exact ones.
"""
import numpy as np

from ..algebra import rows

__all__ = ["activation_patterns", "unique_rows"]


def activation_patterns(layers, X, tight=False):
    """Codewords, rank-active masks and uncertainty flags, one float pass.

    The rounding bound is first relaxed by Hoelder (cheap); points where it flags
    a unit are redone with the tight bound, which is never larger, so the flags
    are those of the tight bound throughout.
    """
    import torch

    from ..algebra import _kernels

    # float64 holds float32/float64 weights and inputs exactly; wider dtypes are rare
    dtype = torch.promote_types(torch.promote_types(layers[0].W.dtype, X.dtype), torch.float64)
    u = torch.finfo(dtype).eps / 2
    h = X.to(dtype)
    err = torch.zeros(len(h), *([h.shape[1]] if tight else []), dtype=dtype, device=h.device)
    fused = not tight and h.device.type == "cpu" and dtype == torch.float64
    l1 = h.abs().sum(1)
    codewords, active, uncertain = [], [], []
    for k, lay in enumerate(layers):
        W, b = lay.W.to(dtype), lay.b.to(dtype)
        n_in = W.shape[1]
        gamma = (n_in + 1) * u / (1 - (n_in + 1) * u)
        used = (h != 0).any(0) if k == 0 and not tight else None
        if used is not None and 8 * int(used.sum()) < 7 * n_in:
            # input coordinates that are 0 at every point (image borders) add nothing;
            # the bound below holds for any order and number (<= n_in) of summands
            z = torch.addmm(b, h[:, used], W[:, used].T)
        else:
            z = torch.addmm(b, h, W.T)
        # |fl(W h + b) - (W h_true + b)| <= gamma (|W| |h| + |b|) + |W| |h - h_true|
        if tight:       # err: bound on |h - h_true| per unit
            err = 1.01 * torch.addmm(gamma * b.abs(), gamma * h.abs() + err, W.abs().T)
            unc = ((z.abs() <= err) & (err > 0)).any(1).cpu().numpy()
        else:           # err: bound on ||h - h_true||_1; |W_i| |v| <= max_j |W_ij| ||v||_1
            wmax, scale, cb = torch.maximum(W.amax(1), -W.amin(1)), gamma * l1 + err, gamma * b.abs()
            err = 1.02 * (scale * wmax.sum() + cb.sum())
        if fused:       # flags, codeword, ReLU and the next l1 norms in one pass
            cw = np.empty(z.shape, dtype=bool)
            unc, l1 = _kernels.sign_pass(z.numpy(), scale.numpy(), wmax.numpy(), cb.numpy(),
                                         lay.relu, cw)
            l1 = torch.from_numpy(l1)
        else:
            if not tight:
                bound = torch.addr(cb, scale, wmax).mul_(1.02)
                unc = ((z.abs() <= bound) & (bound > 0)).any(1).cpu().numpy()
            cw = (z > 0).cpu().numpy()
        uncertain.append(unc)
        codewords.append(cw)
        if lay.relu:
            h = z.relu_()
            active.append(codewords[-1])
        else:
            h = z
            active.append(np.ones_like(codewords[-1]))
        if not fused:
            l1 = h.abs().sum(1)
    uncertain = np.stack(uncertain, 1)
    redo = np.flatnonzero(uncertain.any(1))
    if not tight and redo.size:
        sub = activation_patterns(layers, X[torch.from_numpy(redo).to(X.device)], tight=True)
        for full, part in zip((codewords, active), sub[:2]):
            for K in range(len(full)):
                full[K][redo] = part[K]
        uncertain[redo] = sub[2]
    return codewords, active, uncertain


def unique_rows(actives):
    """First occurrence and index of each distinct activity pattern (rows of the layers' masks)."""
    G = np.packbits(np.concatenate(actives, 1), axis=1)
    _, first, inverse = rows.unique_rows(G, return_index=True, return_inverse=True)
    return first, inverse


def __dir__():  # dir() shows the public names only
    return __all__
