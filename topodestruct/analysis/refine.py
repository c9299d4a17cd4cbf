r"""Exact refinement of a complex of dimension <= 3 along a ReLU network's bent hyperplanes.

Layer by layer, the *cells* (the parts of each maximal simplex in one activation
region of layers ``1..k``, convex: segments, polygons, polyhedra; see
:mod:`._cells`) are cut by the zero sets of the layer's pre-activations.  On a
cell every pre-activation ``z_j`` of layer ``k + 1`` is affine, so its zero set
meets the cell in a plane section through the points where ``z_j`` changes sign
on the cell's edges.  Cut points are created once per edge and shared by the
cells on both sides.  After each layer the cells are triangulated by pulling
with the global vertex order (polygons fanned from their smallest id,
polyhedra coned from theirs), so shared faces are triangulated alike and the
refinement is a simplicial complex subdividing ``K`` (homeomorphic to it), each
piece in one region.  Cutting cells rather than the previous layer's pieces
keeps later hyperplanes from cutting triangulation diagonals (fewer vertices
and pieces: a triangle crossed by lines in general position gets exactly the
vertices and cells of the line arrangement).

Exact arithmetic
----------------
Every decision is exact.  K's float coordinates are dyadic rationals, and so
are the weights; the refinement keeps every vertex exactly, in lowest
homogeneous integer terms ``(P, q)`` (the point ``P / q``; ``hom``), together
with ``Phi^k`` there as integers over ``q * 2**scale`` (``num``; the weights of
layers ``1..k`` are integers over ``2**scale``, :func:`~topodestruct.relu.exact.
dyadic_layer`).  The pre-activations of the next layer at every vertex are one
integer matrix product (:func:`~topodestruct.geometry.exact_rows.integer_affine`:
no gcd per entry, unlike rationals).  A vertex is *on* a hyperplane when its
pre-activation is exactly 0, and an edge is cut where its end values have
strictly opposite signs.  On the edge's cell the pre-activations times
``q * 2**scale`` are a linear function of ``(P, q)`` with integer coefficients,
so the cut point is ``|Z_b| (P_a, q_a) + |Z_a| (P_b, q_b)`` (positive weights)
with the same combination of the ends' values, divided by the gcd of its entries
(lowest terms, so sizes stay those of the defining linear systems rather than
growing with the nesting of cuts).
Consequently each piece lies in one closed activation region, ``Phi^k`` *is*
the interpolation of its vertex values on it, and the image of a piece is
exactly the hull of its vertices' exact images: no triangulation of the same
set can change the image that :mod:`.exact_route` computes.  Rationals
(``exact_points``, ``exact_values``, :meth:`Refinement.exact_rows`) are made from
these integers, the last only where a decision reads them.

The float arrays (``points``, ``pre``) are for float work (ranks at
barycentres, pictures, estimates, certificates): each is the correct rounding of
the exact value (Python's integer division), except the pre-activations of
earlier layers at later cut points, which are float interpolations (with the
exact zeros and weak signs of their ends), and the negative pre-activations of
ReLU layers, kept as ``-1.0``: only their sign is read (``Phi^k`` is 0 there;
:meth:`Refinement.values` is exact up to rounding), and converting every big
integer to a float would cost as much as the exact layer itself.
Each piece's codeword is ``S`` (eq. 2: active iff ``z > 0``) at its
barycentre, read from the exact signs of its vertices.

Reuse across layers
-------------------
:func:`refine_next` refines the refinement at layer ``k`` along layer
``k + 1``; :func:`refine` starts from ``K`` (``layer 0``) and calls it.  A
:class:`Refinement` keeps per piece its parent simplex of ``K`` and its
codewords at every refined layer; :meth:`Refinement.values` gives the
post-activations ``Phi^k`` at the vertices (``Phi^k`` is affine on each piece,
so it is the linear interpolation of these), :meth:`Refinement.jacobians`
the local linear maps per distinct codeword.

Examples
--------
>>> import topodestruct as td
>>> from topodestruct.analysis.refine import refine
>>> net = td.networks.from_weights([([[1.0, 0.0]], [0.0])])   # one unit, z = x
>>> square = td.SimplicialComplex([(0, 1), (1, 2), (2, 3), (0, 3)],
...                               coordinates=[[1.0, 0], [0, 1], [-1, 0], [0, -1]])
>>> R = refine(net, square)                   # two vertices on x = 0: nothing to cut
>>> R.n_added_vertices, R.simplices.shape[0], td.homology(R.complex()).betti
(0, 4, [1, 1])
>>> R = refine(net, td.complexes.circle(4))   # cos(pi/2) is 6e-17 > 0 in floats: exact
>>> R.n_added_vertices, R.simplices.shape[0]  # cuts 6e-17 beside those two vertices
(2, 6)
>>> R = refine(net, td.complexes.circle(5))
>>> R.n_added_vertices, R.simplices.shape[0]
(2, 7)
>>> R.exact_points[5][0] == 0                       # the cut point lies on x = 0 exactly
True
"""
from dataclasses import dataclass, field

import numpy as np

from ..geometry._cells import Cells
from ..geometry.exact_rows import (ExactRows, float_ratios as _float_ratios, homogeneous,
                                   integer_affine, ratio as _ratio, signs)
from ._network import check_layer, jacobians, network_layers

__all__ = ["Refinement", "refine", "refine_next", "start_refinement"]

@dataclass
class Refinement:
    """A subdivision of ``K`` on whose pieces ``Phi^1..Phi^layer`` are affine.

    Attributes
    ----------
    points : (V, m) float array
        Vertex coordinates in the input space (rounded ``exact_points``); rows
        ``0..n_original_vertices-1`` are K's vertices in the order of ``K.vertices``.
    hom : (V, m + 1) object array of int
        The exact vertices in lowest homogeneous terms: row ``(P, q)`` is the point
        ``P / q`` (``q > 0``); :attr:`exact_points` gives them as rationals.
    num : (V, n_layer) object array of integers (Python's or ``flint.fmpz``)
        ``Phi^layer`` at the vertices times ``q * 2**scale`` (integers: the weights are
        dyadic); :meth:`exact_rows` and :attr:`exact_values` give them as rationals.
    scale : int
        The power of two of the layers' weights so far.
    simplices : (T, d + 1) int array
        The pieces (maximal simplices), vertex indices sorted in each row.
    parent : (T,) int array
        Row of the maximal simplex of ``K`` (``K.simplices(d)``) containing each piece.
    codewords : list of (T, n_k) bool arrays
        Activation pattern of each piece at layers ``1..layer``.
    pre : list of (V, n_k) float arrays
        Pre-activations at the vertices, layers ``1..layer``; negative ones of ReLU
        layers are ``-1.0`` (module notes; :meth:`values` gives ``Phi^k``).
    layer : int
        Number of layers refined along (0: K itself).
    original : (n_original_simplices, d + 1) int array
        K's top simplices as rows of ``points``.
    embedded : bool or None
        Whether K's coordinates embed it (distinct simplices meet in common
        faces); None until someone checks (:func:`.exact_route.input_embedded`).
    cells : Cells or None
        The convex cells that :func:`refine_next` cuts (module notes); None at layer 0.
    """

    points: np.ndarray
    simplices: np.ndarray
    parent: np.ndarray
    codewords: list
    pre: list
    layer: int
    layers: list = field(repr=False)
    n_original_vertices: int = 0
    n_original_simplices: int = 0
    original: np.ndarray = field(default=None, repr=False)
    embedded: object = field(default=None, repr=False)
    hom: np.ndarray = field(default=None, repr=False)
    num: np.ndarray = field(default=None, repr=False)
    scale: int = 0
    cells: object = field(default=None, repr=False)
    _rows: object = field(default=None, init=False, repr=False)

    @property
    def exact_points(self):
        """The exact vertices, ``(V, m)`` object array of ``flint.fmpq`` (made on each call)."""
        m = self.hom.shape[1] - 1
        return ExactRows(self.hom[:, :m], self.hom[:, m]).array()

    @property
    def exact_values(self):
        """``Phi^layer`` at the vertices, ``(V, n)`` object array of ``flint.fmpq`` (made on
        each call; :meth:`exact_rows` makes rationals only where they are read)."""
        return self.exact_rows().array()

    def exact_rows(self):
        """``Phi^layer`` at the vertices as :class:`~topodestruct.geometry.exact_rows.ExactRows`
        (integers over ``q * 2**scale``; one object per refinement, its rationals cached)."""
        if self._rows is None:
            self._rows = ExactRows(self.num, self.hom[:, -1] * (1 << self.scale))
        return self._rows

    @property
    def dimension(self):
        return self.simplices.shape[1] - 1

    @property
    def n_added_vertices(self):
        return len(self.points) - self.n_original_vertices

    @property
    def n_added_simplices(self):
        return len(self.simplices) - self.n_original_simplices

    def complex(self):
        """The refinement as a :class:`~topodestruct.SimplicialComplex` (vertex ids 0..V-1)."""
        from ..topology.complexes import SimplicialComplex

        return SimplicialComplex(self.simplices, coordinates=self.points)

    def values(self, k):
        """Post-activations ``Phi^k`` at the vertices, ``(V, n_k)`` float (k = 0: the points)."""
        if not 0 <= k <= self.layer:
            raise ValueError(f"layer {k} is not refined (0..{self.layer})")
        if k == 0:
            return self.points
        relu = self.layers[k - 1][2]
        return np.maximum(self.pre[k - 1], 0.0) if relu else self.pre[k - 1]

    def barycentres(self):
        """Barycentres of the pieces, ``(T, m)``."""
        return self.points[self.simplices].mean(axis=1)

    def region_index(self, k):
        """``(codes, inverse)``: distinct codeword chains of layers ``1..k``, each piece's row."""
        if not 1 <= k <= self.layer:
            raise ValueError(f"layer {k} is not refined (1..{self.layer})")
        G = np.concatenate(self.codewords[:k], axis=1)
        # rows packed to bytes: the same lexicographic order as np.unique(G, axis=0), 8x shorter
        P = np.ascontiguousarray(np.packbits(G, axis=1))
        _, first, inverse = np.unique(P.view(np.dtype((np.void, P.shape[1]))).ravel(),
                                      return_index=True, return_inverse=True)
        return G[first], inverse.reshape(-1)

    def jacobians(self, k):
        """``(J, inverse)``: float64 Jacobians of ``Phi^k`` per distinct region, piece -> row."""
        codes, inverse = self.region_index(k)
        widths = np.cumsum([0] + [c.shape[1] for c in self.codewords[:k]])
        J = np.stack([jacobians(self.layers, [c[widths[i]:widths[i + 1]] for i in range(k)], k)
                      for c in codes])
        return J, inverse


def _check_complex(K):
    from ..topology.complexes import SimplicialComplex

    if not isinstance(K, SimplicialComplex):
        raise TypeError(f"K must be a SimplicialComplex, got {type(K).__name__}")
    if K.coordinates is None:
        raise ValueError("K has no coordinates: build it with coordinates=(n_vertices, "
                         "input_dim) so that the network can be evaluated on it")
    if K.dimension < 0:
        raise ValueError("K is empty")
    if not np.isfinite(K.coordinates).all():
        raise ValueError("K's coordinates contain NaN or inf")
    d = K.dimension
    tops = K.simplices(d)
    maximal = K.maximal_simplices()
    if len(maximal) != len(tops):
        raise ValueError("K must be pure (every simplex a face of a top-dimensional one); "
                         f"it has {len(maximal) - len(tops)} maximal simplices of lower dimension")
    return d, tops


def start_refinement(net, K):
    """The layer-0 refinement (``K`` itself), ready for :func:`refine_next`."""
    layers = net if _is_parsed(net) else network_layers(net)
    d, tops = _check_complex(K)
    if d > 3:
        raise ValueError(f"exact refinement is implemented for complexes of dimension <= 3, "
                         f"K has dimension {d} (use refine=False to label vertices)")
    X = np.array(K.coordinates, dtype=np.float64)
    m = layers[0][0].shape[1]
    if X.shape[1] != m:
        raise ValueError(f"K's coordinates have dimension {X.shape[1]} but the network "
                         f"expects {m} inputs")
    P, q = homogeneous(X)
    hom = np.empty((len(X), m + 1), dtype=object)
    hom[:, :m], hom[:, m] = P, q
    simp = np.searchsorted(K.vertices, tops).astype(np.int64)
    return Refinement(points=X, simplices=simp, parent=np.arange(len(simp)), codewords=[],
                      pre=[], layer=0, layers=layers, n_original_vertices=len(X),
                      n_original_simplices=len(simp), original=simp, hom=hom, num=P, scale=0)


def _is_parsed(net):
    return isinstance(net, list) and net and isinstance(net[0], tuple) and len(net[0]) == 3 \
        and isinstance(net[0][2], bool)


def refine(net, K, layer=None):
    """Refine ``K`` exactly along the bent hyperplanes of layers ``1..layer``.

    Parameters
    ----------
    net : torch.nn.Sequential or list of (W, b)
    K : SimplicialComplex
        Pure, of dimension <= 3, with coordinates ``(n_vertices, input_dim)``.
    layer : int, optional
        1-based; default the last hidden layer.

    Returns
    -------
    Refinement
    """
    R = start_refinement(net, K)
    layer = check_layer(layer, R.layers)
    while R.layer < layer:
        R = refine_next(R)
    return R


#: The float kept for a negative pre-activation of a ReLU layer: only its sign is ever
#: read (the image is 0 there), and converting every big integer costs most of a layer.
_NEGATIVE = -1.0


def _relu_floats(num, den, sign):
    """``num / den`` correctly rounded where ``sign > 0``; 0 where 0, ``_NEGATIVE`` below."""
    out = np.where(sign < 0, _NEGATIVE, 0.0)
    rows, cols = np.nonzero(sign > 0)
    if len(rows):
        x, d = num[rows, cols].tolist(), den[rows].tolist()
        try:
            out[rows, cols] = [int(a) / b for a, b in zip(x, d)]
        except OverflowError:       # beyond float64: +-inf, for the callers' finiteness checks
            out[rows, cols] = [_ratio(int(a), b) for a, b in zip(x, d)]
    return out


def refine_next(R):
    """Refine a :class:`Refinement` at layer ``k`` along layer ``k + 1`` (a new object)."""
    from ..relu.exact import dyadic_layer

    k = R.layer
    if k >= len(R.layers):
        raise ValueError(f"the network has only {len(R.layers)} layers")
    W, b, relu = R.layers[k]
    M, c, e = dyadic_layer(W, b)
    cells = (R.cells if R.cells is not None else
             Cells.of_simplices(R.simplices, R.parent)).start_layer()
    scale = R.scale + e
    Zq = integer_affine(R.num, M, c, R.hom[:, -1] * (1 << R.scale))
    sign, den = signs(Zq), R.hom[:, -1] * (1 << scale)
    st = _State(scale, points=R.points, hom=R.hom, Zq=Zq, sign=sign,
                Z=_relu_floats(Zq, den, sign) if relu else _float_ratios(Zq, den))
    if relu:
        for j in range(W.shape[0]):
            hit, E = cells.crossing_edges(st.sign[:, j])
            if len(E):
                lookup = _cut_points(st, j, E)          # extends st.sign by the cut points
                cells.split(hit, st.sign[:, j], lookup)
    cells.end_layer(st.sign)
    simp, owner = cells.triangulate()
    num = np.where(st.sign > 0, st.Zq, 0) if relu else st.Zq
    return Refinement(points=st.points, simplices=simp, parent=cells.parent[owner],
                      codewords=[c[owner] for c in cells.codes],
                      pre=_interpolated(R.pre, st.pre, len(st.points)) + [st.Z],
                      layer=k + 1, layers=R.layers,
                      n_original_vertices=R.n_original_vertices,
                      n_original_simplices=R.n_original_simplices, original=R.original,
                      embedded=R.embedded, hom=st.hom, num=num, scale=scale, cells=cells)


def _interpolated(pre, cuts, V):
    """Earlier layers' floats at every point: each cut point's by interpolation along its
    edge, in the order of the cuts (a convex combination keeps exact zeros and weak signs)."""
    out = []
    for P in pre:
        Q = np.empty((V, P.shape[1]))
        Q[:len(P)], start = P, len(P)
        for a, b, tf in cuts:
            Q[start:start + len(a)] = Q[a] + tf * (Q[b] - Q[a])
            start += len(a)
        out.append(Q)
    return out


class _State:
    """The refinement's points while one layer cuts it: floats, exact values and signs,
    in arrays with room to grow (each unit's cut points are appended; copying every
    array once per unit cost as much as computing the cuts)."""

    _NAMES = ("points", "hom", "Zq", "Z", "sign")

    def __init__(self, scale, **arrays):
        self.scale, self.pre, self.n = scale, [], len(arrays["points"])
        for name in self._NAMES:
            setattr(self, "_" + name, arrays[name])

    def __getattr__(self, name):
        if name in _State._NAMES:
            return self.__dict__["_" + name][:self.n]
        raise AttributeError(name)

    def append(self, **rows):
        n, k = self.n, len(rows["points"])
        for name in self._NAMES:
            A = self.__dict__["_" + name]
            if n + k > len(A):
                B = np.empty((max(n + k, len(A) + len(A) // 2),) + A.shape[1:], dtype=A.dtype)
                B[:n] = A[:n]
                self.__dict__["_" + name] = A = B
            A[n:n + k] = rows[name]
        self.n = n + k


def _cut_points(st, j, E):
    """New vertices where the edges ``E`` (rows ``a < b``) cross ``z_j = 0``, at exact cut
    points (module notes); returns ``{(a, b): new id}``.

    In homogeneous integers: the edge lies in one cell, where ``Zq`` (the pre-activations
    times ``q * 2**scale``) is a linear function of ``(P, q)`` with integer coefficients,
    so the zero of column ``j`` on the edge is ``|Zq_b| (P_a, q_a) + |Zq_a| (P_b, q_b)``
    (positive weights: a point of the edge), ``Zq`` there the same combination, and both
    divided by the gcd of the point's entries (lowest terms; ``Zq`` stays integral).

    Units ``c < j`` already cut every edge, so the ends of an edge have weakly one sign
    there and the cut point has the sign of the nonzero end: exact without arithmetic.
    Where that sign is negative the value is never read again (the layer's image is 0
    there, and every later cut point interpolates it between weakly negative ends), so
    ``Zq`` holds 0 there instead (its sign is kept exactly)."""
    import math

    a, b = E[:, 0], E[:, 1]
    wa, wb = np.abs(st.Zq[b, j]), np.abs(st.Zq[a, j])
    H = wa[:, None] * st.hom[a] + wb[:, None] * st.hom[b]
    H = np.array([[int(x) for x in row] for row in H.tolist()], dtype=object).reshape(H.shape)
    g = np.array([math.gcd(*row) for row in H.tolist()], dtype=object)
    sa, sb = st.sign[a], st.sign[b]
    sign = np.where(sa != 0, sa, sb)              # right for the columns c < j
    sign[:, j] = 0                                # z_j(new) is exactly 0
    later = np.arange(sign.shape[1]) > j
    need = later[None, :] | (sign > 0)
    Zn = np.zeros(sign.shape, dtype=object)
    rows = np.nonzero(need)[0]
    Zn[need] = wa[rows] * st.Zq[a][need] + wb[rows] * st.Zq[b][need]
    big = np.flatnonzero(g != 1)                  # lowest terms: divide where needed
    if len(big):
        H[big] //= g[big, None]
        Zn[big] //= g[big, None]
    sign[:, later] = signs(Zn[:, later])
    new_ids = st.n + np.arange(len(E))
    lookup = {(int(x), int(y)): int(v) for x, y, v in zip(a, b, new_ids)}
    q = H[:, -1]
    # the float position along the edge, for the earlier layers' floats (module notes)
    tf = np.array([int(y) / int(x + y) for x, y in zip((wa * st.hom[a, -1]).tolist(),
                                                         (wb * st.hom[b, -1]).tolist())])[:, None]
    st.append(hom=H, points=_float_ratios(H[:, :-1], q), Zq=Zn, sign=sign,
              Z=_relu_floats(Zn, q * (1 << st.scale), sign))
    st.pre.append((a, b, tf))                     # earlier layers' floats: at the end
    return lookup
