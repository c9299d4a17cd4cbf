r"""Estimates of the image's Betti numbers, labelled as estimates.

Exact homology (of the input, of the rank-source quotient, of the image) is
what :func:`topodestruct.profile` and :func:`topodestruct.analyze` report as
the answer; beside it they give an *estimate*: Betti numbers read from a
point cloud at one scale, which changes when a layer merely draws pieces
close together (a *geometric* change, see :mod:`.verdict`).  Two readers:

``"knn"``
    Naitzat's estimator (:func:`~topodestruct.topology.point_clouds.naitzat_betti`) on the images of
    the vertices: k-NN graph, hop distance, flag complex at ``scale`` hops.
    Its neighbour count is *calibrated on the input* as ``reproduce naitzat``
    does (:func:`choose_k`: the middle of the longest run of k in 5..30 at
    which it reads the input's Betti numbers), so that layer 0 reads the
    input's homology; where no k does, the estimate says so and has no Betti
    numbers (``betti is None``) rather than a reading that is already wrong at
    the input.
``"persistent"``
    Persistent homology of a sample of the image (:mod:`.image`): bars longer
    than ``fraction`` of the diameter count.

Examples
--------
>>> import numpy as np
>>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
>>> X = np.c_[np.cos(t), np.sin(t)]
>>> reader = knn_reader(X, [1, 1])
>>> reader.k, reader.calibrated
(9, True)
>>> print(reader.read(X))
Betti [1, 1] (kNN estimate, k = 9, 2.5 hops)
"""
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Estimate", "KnnReader", "choose_k", "knn_reader", "persistent_estimate",
           "check_estimate", "betti_of", "ESTIMATES", "KS"]

#: Estimators by name (``estimate=`` of :func:`topodestruct.profile` / :func:`topodestruct.analyze`).
ESTIMATES = ("knn", "persistent")
#: Neighbour counts tried by the calibration (as ``reproduce naitzat``).
KS = range(5, 31)


@dataclass
class Estimate:
    """Betti numbers read at one scale: an estimate, not the homology.

    Attributes
    ----------
    betti : list of int or None
        ``b_0..b_max_dim``; None where no scale reads the input (``rule`` says so).
    method : str
        ``"knn"`` or ``"persistent"``.
    scale : float or None
        Hops (kNN) or the bar-length threshold (persistent).
    k : int or None
        Neighbours of the kNN graph.
    rule : str
        How the scale (and k) was chosen.
    detail : PersistentBetti or None
        The barcode behind a persistent reading.
    """

    betti: object
    method: str
    scale: object = None
    k: object = None
    rule: str = ""
    detail: object = field(default=None, repr=False)

    def to_dict(self):
        """JSON-ready: ``betti``, ``method``, ``scale``, ``k``, ``rule``."""
        return {"betti": None if self.betti is None else [int(b) for b in self.betti],
                "method": self.method,
                "scale": None if self.scale is None else float(self.scale),
                "k": None if self.k is None else int(self.k), "rule": self.rule}

    def __str__(self):
        if self.method == "knn":
            how = f"kNN estimate, k = {self.k}, {self.scale:g} hops"
        else:
            d = self.detail
            how = "persistent estimate" + (
                f", bars > {self.scale:.3g} = {d.fraction:g} x diameter {d.diameter:.3g}, "
                f"{d.method}, {d.n_points} points" if d is not None else "")
        if self.betti is None:
            return f"none ({how}: {self.rule})"
        return f"Betti {list(self.betti)} ({how})"


def betti_of(value, n=None):
    """Betti numbers of a row entry: a Homology, an Estimate, a dict with ``betti`` or a list.

    Old records (Betti lists) and new ones (``{"betti": ...}``) read alike; None stays
    None.  With ``n``: truncated or padded with zeros to ``n`` numbers.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("betti")
    else:
        value = getattr(value, "betti", value)
    if value is None:
        return None
    b = [int(x) for x in value]
    return b if n is None else b[:n] + [0] * max(0, n - len(b))


def choose_k(P, target, scale=2.5, ks=KS):
    """Middle of the longest run of k at which Naitzat's estimator reads ``target`` (or None).

    The authors tuned k the same way (valid (k, epsilon) region on the input);
    the middle of the run, not its smallest k, keeps the estimator away from
    the edge where stretched images break the graph.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    >>> choose_k(np.c_[np.cos(t), np.sin(t)], [1, 1])
    9
    """
    from ..topology.point_clouds import naitzat_betti

    ok = [k for k in ks if k < len(P) and naitzat_betti(P, k, scale, len(target) - 1)
          == list(target)]
    if not ok:
        return None
    runs, run = [], [ok[0]]
    for k in ok[1:]:
        if k == run[-1] + 1:
            run.append(k)
        else:
            runs.append(run)
            run = [k]
    runs.append(run)
    best = max(runs, key=len)
    return int(best[len(best) // 2])


@dataclass
class KnnReader:
    """Naitzat's estimator at one (k, scale), calibrated on the input (:func:`knn_reader`)."""

    k: object
    scale: float
    max_dim: int
    rule: str
    calibrated: bool

    def read(self, P):
        """The :class:`Estimate` of the points ``P`` (images of the vertices at a layer)."""
        from ..topology.point_clouds import naitzat_betti

        betti = None
        if self.k is not None and self.k < len(P):
            betti = naitzat_betti(P, self.k, self.scale, self.max_dim)
        return Estimate(betti, "knn", self.scale, self.k, self.rule)


def knn_reader(X, target, k=None, scale=2.5):
    """Naitzat's estimator with ``k`` given or calibrated on the input ``X`` to read ``target``.

    Parameters
    ----------
    X : (N, m) array
        The input points (the vertices of the complex).
    target : list of int
        The input's Betti numbers ``b_0..b_max_dim`` (what layer 0 must read).
    k : int, optional
        Neighbours; default :func:`choose_k` on ``X``.  Where no k in 5..30
        reads ``target``, the reader gives no Betti numbers (its rule says so).
    scale : float
        Hops.
    """
    target = [int(b) for b in target]
    if k is not None:
        return KnnReader(int(k), float(scale), len(target) - 1, "k given", True)
    chosen = choose_k(np.asarray(X, dtype=np.float64), target, scale)
    if chosen is None:
        return KnnReader(None, float(scale), len(target) - 1,
                         f"no k in {KS.start}..{KS.stop - 1} reads the input's Betti numbers "
                         f"{target} at {scale:g} hops: no scale reads it", False)
    return KnnReader(chosen, float(scale), len(target) - 1,
                     f"calibrated on the input: middle of the longest run of k in "
                     f"{KS.start}..{KS.stop - 1} reading its Betti numbers {target} at "
                     f"{scale:g} hops", True)


def persistent_estimate(sample, max_dim, fraction=None, random_state=0):
    """Persistent reading of a sample of the image (``topology.persistence.persistent_betti``)."""
    from ..topology.persistence import DEFAULT_FRACTION, persistent_betti

    fraction = DEFAULT_FRACTION if fraction is None else fraction
    pb = persistent_betti(sample, max_dim=max_dim, fraction=fraction, random_state=random_state)
    return Estimate(list(pb.betti), "persistent", pb.threshold, None,
                    f"bars longer than {fraction:g} x the diameter (and 2.2 x the covering "
                    "radius of the subsample)", pb)


def check_estimate(estimate):
    if estimate is not None and estimate not in ESTIMATES:
        raise ValueError(f"estimate must be one of {ESTIMATES} or None, got {estimate!r}")
    return estimate
