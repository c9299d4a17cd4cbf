"""Exact polytope decomposition of 2-dimensional inputs (paper Figure 1A/B).

For a ReLU network with a 2-dimensional input, or any 2-dimensional affine
slice ``x(s, t) = x0 + s (x1 - x0) + t (x2 - x0)`` of a higher-dimensional
input (the plane through three points, as in SplineCam), every linear
region inside a convex bounding polygon is enumerated exactly.

Arithmetic is exact: float weights and points are converted to
``fractions.Fraction`` (floats are dyadic rationals), the layer maps are
composed exactly on each region, and every region is cut by the lines
``z_i(s, t) = 0`` with exact Sutherland-Hodgman clipping.  Polygon vertices
and areas are exact rationals; pieces of zero area are dropped, so each
region is an open convex polygon on which every pre-activation has a fixed
strict sign (``S(0) = 0`` only matters on boundaries, which have measure 0).

Each region carries its per-layer codewords (eq. 2), its global codeword, the
rank of ``Q_K W_K ... Q_1 W_1`` at every layer (the rank in the full input
space, computed with :mod:`topodestruct.relu.certify` from the codewords, certified)
and the rank of the map restricted to the plane (0, 1 or 2).

Examples
--------
>>> import topodestruct as td
>>> net = td.networks.mlp([2, 3, 2], random_state=0)
>>> pd = td.polytopes.polytope_decomposition(net, box=4)
>>> sum(r.area for r in pd.regions) == 64
True
"""
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .network import as_network
from .parse import AS_BUILT

__all__ = ["Region", "PolytopeDecomposition", "polytope_decomposition", "plot_regions"]


# ----------------------------------------------------------------------------
# exact convex-polygon geometry
# ----------------------------------------------------------------------------
def _area(poly):
    """Signed area (shoelace), exact."""
    n = len(poly)
    return sum(poly[i][0] * poly[(i + 1) % n][1] - poly[(i + 1) % n][0] * poly[i][1]
               for i in range(n)) / 2


def _split(poly, a, b, c):
    """Parts of a convex polygon with ``a s + b t + c > 0`` and ``<= 0`` (exact)."""
    vals = [a * s + b * t + c for s, t in poly]
    if all(v > 0 for v in vals):
        return poly, None
    if all(v <= 0 for v in vals):
        return None, poly
    pos, neg = [], []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = vals[i], vals[(i + 1) % n]
        (pos if fp > 0 else neg).append(p)
        if fp == 0:
            pos.append(p)        # on the line: a vertex of both closures
        if (fp > 0 and fq < 0) or (fp < 0 and fq > 0):
            lam = fp / (fp - fq)
            x = (p[0] + lam * (q[0] - p[0]), p[1] + lam * (q[1] - p[1]))
            pos.append(x)
            neg.append(x)
    return _clean(pos), _clean(neg)


def _clean(poly):
    """Drop repeated vertices; ``None`` for polygons of zero area."""
    out = []
    for v in poly:
        if not out or v != out[-1]:
            out.append(v)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    if len(out) < 3 or _area(out) == 0:
        return None
    return out


def _inside(poly, s, t):
    """Whether (s, t) is in the open convex polygon (CCW)."""
    n = len(poly)
    for i in range(n):
        (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % n]
        if (x1 - x0) * (t - y0) - (y1 - y0) * (s - x0) <= 0:
            return False
    return True


def _frac_matrix(A):
    return [[Fraction(float(v)) for v in row] for row in np.asarray(A, dtype=np.float64)]


def _rank_le2(G):
    """Exact rank of an (n x 2) Fraction matrix."""
    rows = [r for r in G if r[0] != 0 or r[1] != 0]
    if not rows:
        return 0
    a = rows[0]
    return 2 if any(a[0] * r[1] - a[1] * r[0] != 0 for r in rows[1:]) else 1


# ----------------------------------------------------------------------------
# regions and decomposition
# ----------------------------------------------------------------------------
@dataclass(repr=False)
class Region:
    """One linear region: an open convex polygon in plane coordinates ``(s, t)``.

    Attributes
    ----------
    vertices : list of (Fraction, Fraction)
        Counter-clockwise, exact.
    codewords : list of tuple of bool
        ``S(Phi^K)`` on the region for each layer K.
    ranks : (L,) int array
        ``rank(Q_K W_K ... Q_1 W_1)`` (input-space rank) at each layer.
    plane_ranks : (L,) int array
        Rank of ``Phi^K`` restricted to the plane.
    """

    vertices: list
    codewords: list
    ranks: np.ndarray = None
    plane_ranks: np.ndarray = None

    @property
    def area(self):
        return _area(self.vertices)

    @property
    def centroid(self):
        """Exact area centroid (inside the open polygon)."""
        n, A = len(self.vertices), self.area
        cs = ct = Fraction(0)
        for i in range(n):
            (x0, y0), (x1, y1) = self.vertices[i], self.vertices[(i + 1) % n]
            cross = x0 * y1 - x1 * y0
            cs += (x0 + x1) * cross
            ct += (y0 + y1) * cross
        return cs / (6 * A), ct / (6 * A)

    @property
    def global_codeword(self):
        return tuple(b for cw in self.codewords for b in cw)

    def vertex_array(self):
        return np.array([[float(s), float(t)] for s, t in self.vertices])

    def __repr__(self):
        cws = "|".join("".join("1" if b else "0" for b in cw) for cw in self.codewords)
        return (f"Region({len(self.vertices)} vertices, area {float(self.area):.4g}, "
                f"codeword {cws}, ranks {None if self.ranks is None else self.ranks.tolist()})")


@dataclass(repr=False)
class PolytopeDecomposition:
    """All linear regions of a network inside a bounding polygon of a plane.

    Attributes
    ----------
    regions : list of Region
        The global polytope decomposition (all layers' codewords fixed).
    boundary : list of (Fraction, Fraction)
        The bounding polygon in plane coordinates.
    origin, basis : ndarray
        The plane: ``x = origin + s basis[0] + t basis[1]``.
    widths : list of int
    """

    regions: list
    boundary: list
    origin: np.ndarray
    basis: np.ndarray
    widths: list

    @property
    def n_layers(self):
        return len(self.widths)

    def _layer(self, K):
        if isinstance(K, bool) or not isinstance(K, (int, np.integer)) \
                or not 1 <= K <= self.n_layers:
            raise ValueError(f"layer K is 1-based: expected 1 <= K <= {self.n_layers}, got {K!r}")
        return int(K) - 1

    def layer_regions(self, K):
        """Layerwise decomposition at layer ``K`` (1-based): codeword -> list of Regions.

        The codeword sets C_J^K are unions of global regions (convex for K = 1,
        possibly non-convex or disconnected deeper)."""
        k = self._layer(K)
        out = {}
        for r in self.regions:
            out.setdefault(r.codewords[k], []).append(r)
        return out

    def rank_regions(self, K):
        """Rank decomposition at layer ``K``: rank n -> list of Regions (Omega_n^K)."""
        k = self._layer(K)
        out = {}
        for r in self.regions:
            out.setdefault(int(r.ranks[k]), []).append(r)
        return dict(sorted(out.items()))

    def to_input(self, st):
        """Map plane coordinates (N, 2) to input space (N, m), float."""
        st = np.atleast_2d(np.asarray(st, dtype=np.float64))
        return self.origin + st @ self.basis

    def locate(self, st):
        """Index of the region containing each plane point (exact test), -1 on boundaries."""
        st = np.atleast_2d(np.asarray(st, dtype=np.float64))
        out = np.full(len(st), -1)
        for i, (s, t) in enumerate(st):
            s, t = Fraction(float(s)), Fraction(float(t))
            for j, r in enumerate(self.regions):
                if _inside(r.vertices, s, t):
                    out[i] = j
                    break
        return out

    def __repr__(self):
        arch = "-".join(str(w) for w in [self.basis.shape[1]] + self.widths)
        per_layer = ", ".join(str(len(self.layer_regions(K))) for K in range(1, self.n_layers + 1))
        return (f"PolytopeDecomposition(network {arch}, {len(self.regions)} global regions, "
                f"codeword sets per layer [{per_layer}])")


def _bounding_polygon(box, bounds):
    if bounds is not None:
        poly = [(Fraction(float(s)), Fraction(float(t))) for s, t in np.asarray(bounds, float)]
        if len(poly) < 3:
            raise ValueError("bounds must be a convex polygon with at least 3 vertices")
        if _area(poly) < 0:
            poly = poly[::-1]
        n = len(poly)
        for i in range(n):
            a, b, c = poly[i], poly[(i + 1) % n], poly[(i + 2) % n]
            if (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) <= 0:
                raise ValueError("bounds must be strictly convex and non-degenerate")
        return poly
    arr = np.asarray(box, dtype=np.float64).ravel()
    if arr.size == 1:
        arr = np.array([-arr[0], arr[0], -arr[0], arr[0]])
    if arr.size != 4 or not np.isfinite(arr).all() or arr[0] >= arr[1] or arr[2] >= arr[3]:
        raise ValueError("box must be a positive half-width or (smin, smax, tmin, tmax)")
    s0, s1, t0, t1 = (Fraction(float(v)) for v in arr)
    return [(s0, t0), (s1, t0), (s1, t1), (s0, t1)]


def polytope_decomposition(net, box=1.0, bounds=None, plane=None, final_activation=AS_BUILT):
    """Exact linear regions of a ReLU network on a 2-D input or 2-D slice.

    Parameters
    ----------
    net : Network, torch.nn.Sequential, list of (W, b), state_dict or path
        As for :func:`topodestruct.rank_decomposition` (converted once, by
        :func:`topodestruct.as_network`).
    box : float or (smin, smax, tmin, tmax)
        Bounding box in plane coordinates (half-width or limits); ignored if
        ``bounds`` is given.
    bounds : (k, 2) array_like, optional
        A convex bounding polygon in plane coordinates.
    plane : (3, m) array_like, optional
        Three points ``x0, x1, x2`` spanning the slice
        ``x0 + s (x1 - x0) + t (x2 - x0)``; required when ``m != 2``
        (for ``m == 2`` the default is the input plane itself).
    final_activation : {"relu", None}, optional
        As for :func:`topodestruct.rank_decomposition`.

    Returns
    -------
    PolytopeDecomposition

    Examples
    --------
    >>> import numpy as np
    >>> lines = [(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2))]
    >>> pd = polytope_decomposition(lines, box=1)
    >>> sorted("".join(map(str, map(int, r.codewords[0]))) for r in pd.regions)
    ['00', '01', '10', '11']
    """
    from .certify import certified_ranks
    from .rank import DEFAULT_PRIME

    layers = as_network(net, final_activation).torch_layers()
    m = layers[0].W.shape[1]
    if plane is None:
        if m != 2:
            raise ValueError(f"the network has {m} inputs: pass plane=(x0, x1, x2), three "
                             "points spanning a 2-D slice")
        plane = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    plane = np.asarray(plane, dtype=np.float64)
    if plane.shape != (3, m) or not np.isfinite(plane).all():
        raise ValueError(f"plane must be three finite points in R^{m}, shape (3, {m}); "
                         f"got {plane.shape}")
    P = _frac_matrix(plane)
    U = [[P[1][j] - P[0][j] for j in range(m)], [P[2][j] - P[0][j] for j in range(m)]]
    if _rank_le2(list(zip(*U))) < 2:
        raise ValueError("the three plane points are collinear")
    boundary = _bounding_polygon(box, bounds)

    Ws = [_frac_matrix(lay.W.detach().cpu().numpy()) for lay in layers]
    bs = [[Fraction(float(v)) for v in lay.b.detach().cpu().numpy()] for lay in layers]
    # current map on each piece: h(s, t) = A [s, t] + c, exact
    A0 = [[U[0][j], U[1][j]] for j in range(m)]
    pieces = [(boundary, A0, list(P[0]), [], [])]
    for K, lay in enumerate(layers):
        W, b = Ws[K], bs[K]
        new = []
        for poly, A, c, cws, pranks in pieces:
            G = [[sum(w * a[0] for w, a in zip(row, A)), sum(w * a[1] for w, a in zip(row, A))]
                 for row in W]
            g = [sum(w * ci for w, ci in zip(row, c)) + bi for row, bi in zip(W, b)]
            parts = [(poly, ())]
            for (ga, gb), gc in zip(G, g):
                nxt = []
                for pp, bits in parts:
                    pos, neg = _split(pp, ga, gb, gc)
                    if pos is not None:
                        nxt.append((pos, bits + (True,)))
                    if neg is not None:
                        nxt.append((neg, bits + (False,)))
                parts = nxt
            for pp, bits in parts:
                if lay.relu:
                    A2 = [Gi if on else [Fraction(0), Fraction(0)] for Gi, on in zip(G, bits)]
                    c2 = [gi if on else Fraction(0) for gi, on in zip(g, bits)]
                else:
                    A2, c2 = G, g
                new.append((pp, A2, c2, cws + [bits], pranks + [_rank_le2(A2)]))
        pieces = new

    regions = [Region(vertices=poly, codewords=cws, plane_ranks=np.array(pranks))
               for poly, A, c, cws, pranks in pieces]
    actives = [np.array([r.codewords[K] if lay.relu else (True,) * len(r.codewords[K])
                         for r in regions], dtype=bool).reshape(len(regions), -1)
               for K, lay in enumerate(layers)]
    ranks, _, _, _ = certified_ranks(layers, actives, m, DEFAULT_PRIME, "exact", False, 0,
                                  set(range(len(layers))))
    for r, row in zip(regions, ranks):
        r.ranks = row.astype(int)
    return PolytopeDecomposition(
        regions=regions, boundary=boundary, origin=plane[0].copy(),
        basis=np.stack([plane[1] - plane[0], plane[2] - plane[0]]),
        widths=[lay.W.shape[0] for lay in layers])


# ----------------------------------------------------------------------------
# plotting
# ----------------------------------------------------------------------------
def plot_regions(decomposition, color_by="codeword", layer=None, ax=None, path=None,
                 edgecolor="k", linewidth=0.4, title=None, legend=True):
    """Draw the regions, coloured by codeword or by rank; optionally save a PNG.

    Parameters
    ----------
    decomposition : PolytopeDecomposition
    color_by : {"codeword", "rank"}
    layer : int, optional
        1-based layer for the codeword / rank colouring; ``None`` means the
        global codeword (``color_by="codeword"``) or the last layer (``"rank"``).
    ax : matplotlib Axes, optional
        Where to draw; a new ``matplotlib.figure.Figure`` if omitted (no
        pyplot, the backend is never changed).
    path : str or Path, optional
        Write the figure there (PNG).

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax`` (or the new one).
    """
    import matplotlib
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Patch

    if not isinstance(decomposition, PolytopeDecomposition):
        raise TypeError("decomposition must be a PolytopeDecomposition")
    if color_by not in ("codeword", "rank"):
        raise ValueError(f"color_by must be 'codeword' or 'rank', got {color_by!r}")
    L = decomposition.n_layers
    k = None if layer is None else decomposition._layer(layer)
    if color_by == "rank":
        k = L - 1 if k is None else k
        keys = [int(r.ranks[k]) for r in decomposition.regions]
        cmap = matplotlib.colormaps["plasma"]
        top = max(max(keys), 1)
        colors = {n: cmap(0.1 + 0.8 * n / top) for n in set(keys)}
        labels = {n: f"rank {n}" for n in colors}
    else:
        keys = [r.global_codeword if k is None else r.codewords[k]
                for r in decomposition.regions]
        uniq = sorted(set(keys))
        cmap = matplotlib.colormaps["tab20"]
        colors = {key: cmap(i % 20) for i, key in enumerate(uniq)}
        labels = {key: "".join("1" if b else "0" for b in key) for key in uniq}
    if ax is None:  # a new Figure, never pyplot's global state nor the backend
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        fig = Figure(figsize=(5, 5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
    polys = [r.vertex_array() for r in decomposition.regions]
    ax.add_collection(PolyCollection(polys, facecolors=[colors[key] for key in keys],
                                     edgecolors=edgecolor, linewidths=linewidth))
    bnd = np.array([[float(s), float(t)] for s, t in decomposition.boundary])
    ax.set_xlim(bnd[:, 0].min(), bnd[:, 0].max())
    ax.set_ylim(bnd[:, 1].min(), bnd[:, 1].max())
    ax.set_aspect("equal")
    ax.set_xlabel("s")
    ax.set_ylabel("t")
    where = "global" if k is None else f"layer {k + 1}"
    ax.set_title(title or f"{color_by} ({where}), {len(polys)} regions")
    if legend and len(colors) <= 16:
        ax.legend(handles=[Patch(color=colors[key], label=labels[key]) for key in colors],
                  fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax.figure


def __dir__():  # dir() shows the public names only
    return __all__
