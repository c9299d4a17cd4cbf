r"""Betti numbers of a point cloud read from persistent homology (gudhi) at a stated scale.

A point cloud (for the analysis: the image ``Phi^K(K)`` of a complex, sampled by
:func:`sample_simplices` at the vertices and at points on each simplex, where
the map is affine, so their images are the linear interpolation of the vertex
images) is subsampled by farthest points from a random start
(``random_state``), and filtered by an alpha complex when the points live in
dimension <= 3, else by a Rips complex.

Reading the Betti numbers (the stated, robust scale)
---------------------------------------------------
With ``D`` the diameter of the subsample and ``r`` its covering radius (the
largest distance from a sample point to the subsample), a bar of dimension
``d`` counts when its persistence exceeds ``threshold = max(fraction * D,
2.2 r)`` (default ``fraction = 0.08``; below ``2 r`` bars are sampling noise); deaths are capped at ``2 * threshold`` (Rips filtrations
stop there).  The report gives the
shortest counted bar and the longest discarded one (the *gap*): a ratio near
1 means the reading is fragile.  ``H_0`` always counts its infinite bar.
Persistent homology here uses field coefficients Z/11, so it sees rational
Betti numbers (torsion is invisible to it).

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
>>> pb = persistent_betti(np.stack([np.cos(t), np.sin(t)], 1), max_dim=1)
>>> pb.betti, pb.method
([1, 1], 'alpha')
"""
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_random_state

__all__ = ["PersistentBetti", "persistent_betti", "sample_simplices"]

DEFAULT_FRACTION = 0.08


@dataclass
class PersistentBetti:
    """Betti numbers read from a barcode at a stated scale.

    Attributes
    ----------
    betti : list of int
        ``b_0..b_max_dim`` at the scale.
    threshold : float
        Bars longer than this count (``fraction * diameter``).
    diameter : float
    gap : (float, float)
        (shortest counted persistence, longest discarded persistence).
    method : str
        ``"alpha"``, ``"rips"`` or ``"rips (distance matrix)"``.
    n_points : int
        Points in the filtration (after subsampling).
    bars : list of (dim, birth, death)
    """

    betti: list
    threshold: float
    diameter: float
    gap: tuple
    method: str
    n_points: int
    fraction: float = DEFAULT_FRACTION
    bars: list = field(default_factory=list, repr=False)

    def to_dict(self):
        return {"betti": list(self.betti), "threshold": float(self.threshold),
                "diameter": float(self.diameter), "fraction": self.fraction,
                "gap": [float(g) for g in self.gap], "method": self.method,
                "n_points": int(self.n_points)}

    def __str__(self):
        lo, hi = self.gap
        return (f"Betti {self.betti} (bars > {self.threshold:.3g} = {self.fraction:g} x "
                f"diameter {self.diameter:.3g}; shortest kept {lo:.3g}, longest dropped "
                f"{hi:.3g}; {self.method}, {self.n_points} points)")


def sample_simplices(values, simplices, per_edge=2):
    """Points on each simplex by barycentric interpolation of the vertex ``values``.

    ``per_edge`` subdivisions of each edge (``per_edge=1``: the vertices only).
    """
    values = np.asarray(values, dtype=np.float64)
    simplices = np.asarray(simplices)
    d = simplices.shape[1] - 1
    s = int(per_edge)
    grid = [c for c in np.ndindex(*(s + 1,) * (d + 1)) if sum(c) == s]
    B = np.array(grid, dtype=np.float64) / s                       # (g, d+1)
    pts = np.einsum("gi,tin->tgn", B, values[simplices]).reshape(-1, values.shape[1])
    return np.concatenate([values, pts])


def _farthest(X, n, rng, metric=None):
    """Farthest-point subsample: (indices, covering radius of the whole set)."""
    N = len(metric) if metric is not None else len(X)
    if N <= n:
        return np.arange(N), 0.0
    start = int(rng.integers(N))
    if metric is not None:                   # distance matrix
        chosen = [start]
        dist = metric[start].copy()
        for _ in range(n - 1):
            i = int(np.argmax(dist))
            chosen.append(i)
            dist = np.minimum(dist, metric[i])
        return np.array(chosen), float(dist.max())
    chosen = [start]
    dist = np.linalg.norm(X - X[start], axis=1)
    for _ in range(n - 1):
        i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, np.linalg.norm(X - X[i], axis=1))
    return np.array(chosen), float(dist.max())


def persistent_betti(X=None, max_dim=1, distance_matrix=None, fraction=DEFAULT_FRACTION,
                     max_points=None, method="auto", random_state=0):
    """Betti numbers ``b_0..b_max_dim`` of a point cloud (or distance matrix) at a robust scale.

    Parameters
    ----------
    X : (N, n) array_like, optional
        Points (or give ``distance_matrix``).
    max_dim : int
        Largest homology dimension read.
    distance_matrix : (N, N) array_like, optional
        A (pseudo-)metric; Rips only.
    fraction : float
        Bars longer than ``fraction * diameter`` count (module notes).
    max_points : int, optional
        Farthest-point subsample size (default 1500 for alpha; for Rips 350
        with ``max_dim >= 2``, else 500).
    method : {"auto", "alpha", "rips"}
        ``"auto"``: alpha for points in dimension <= 3, else Rips.
    random_state : None, int or numpy.random.Generator
        Start of the farthest-point subsample.

    Returns
    -------
    PersistentBetti
    """
    import gudhi

    rng = check_random_state(random_state)
    if not (isinstance(fraction, (int, float)) and 0 < fraction < 1):
        raise ValueError(f"fraction must be in (0, 1), got {fraction!r}")
    if method not in ("auto", "alpha", "rips"):
        raise ValueError(f"method must be 'auto', 'alpha' or 'rips', got {method!r}")
    if distance_matrix is not None:
        Dm = np.asarray(distance_matrix, dtype=np.float64)
        if Dm.ndim != 2 or Dm.shape[0] != Dm.shape[1] or not np.isfinite(Dm).all():
            raise ValueError("distance_matrix must be a finite square matrix")
        n = max_points or (350 if max_dim >= 2 else 500)
        idx, cover = _farthest(None, n, rng, metric=Dm)
        Dm = Dm[np.ix_(idx, idx)]
        diam = float(Dm.max()) if Dm.size else 0.0
        kind = "rips (distance matrix)"
    else:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0 or not np.isfinite(X).all():
            raise ValueError("X must be a non-empty finite (N, n) array")
        if len(X) > 20000:                          # keeps the farthest-point pass cheap
            X = X[rng.choice(len(X), 20000, replace=False)]
        use_alpha = method == "alpha" or (method == "auto" and X.shape[1] <= 3)
        n = max_points or (1500 if use_alpha else 350 if max_dim >= 2 else 500)
        idx, cover = _farthest(X, n, rng)
        X = X[idx]
        diam = _diameter(X)
        kind = "alpha" if use_alpha else "rips"
    threshold = max(fraction * diam, 2.2 * cover)
    stop = 2.0 * threshold
    if diam == 0:
        return PersistentBetti([1] + [0] * max_dim, 0.0, 0.0, (np.inf, 0.0), kind,
                               len(idx) if distance_matrix is not None else len(X), fraction)
    if kind == "alpha":
        if X.shape[1] < 2:
            X = np.concatenate([X, np.zeros((len(X), 2 - X.shape[1]))], 1)
        st = gudhi.AlphaComplex(points=X).create_simplex_tree()   # small: not truncated
        bars = [(d, float(np.sqrt(b)), float(np.sqrt(e)))
                for d, (b, e) in st.persistence()]
    else:
        if kind == "rips":
            rc = gudhi.RipsComplex(points=X, max_edge_length=stop)
        else:
            rc = gudhi.RipsComplex(distance_matrix=Dm, max_edge_length=stop)
        # (no edge collapse: gudhi's collapse drops the essential classes of a truncated
        # filtration, which are exactly the long bars wanted here)
        st = rc.create_simplex_tree(max_dimension=max_dim + 1)
        bars = [(d, float(b), float(e)) for d, (b, e) in st.persistence()]
    bars = [bar for bar in bars if bar[0] <= max_dim]
    betti, kept, dropped = [0] * (max_dim + 1), [], []
    for d, b, e in bars:
        if d > max_dim:
            continue
        life = min(e, stop) - b
        if life > threshold or (d == 0 and not np.isfinite(e)):
            betti[d] += 1
            kept.append(life)
        else:
            dropped.append(life)
    gap = (min(kept) if kept else np.inf, max(dropped) if dropped else 0.0)
    return PersistentBetti(betti, threshold, diam, gap, kind,
                           len(Dm) if distance_matrix is not None else len(X), fraction, bars)


def _diameter(X):
    """Diameter (exact for small sets; else 2-sweep lower bound times... exact by blocks)."""
    best = 0.0
    for i in range(0, len(X), 512):
        D = np.linalg.norm(X[i:i + 512, None, :] - X[None, :, :], axis=-1)
        best = max(best, float(D.max()))
    return best
