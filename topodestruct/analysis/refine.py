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
are the weights; the refinement keeps every vertex as exact rationals
(``exact_points``, :class:`flint.fmpq`) together with the exact
post-activations ``Phi^k`` at its current layer (``exact_values``).  The
pre-activations of the next layer are one exact affine map of those; a vertex
is *on* a hyperplane when its pre-activation is exactly 0, and an edge is cut
where its end values have strictly opposite signs, at the exact point
``t = z_a / (z_a - z_b)``.  Every exact quantity of the layer being cut is
affine along the edge, so the cut point's coordinates and pre-activations are
the same interpolation (flint reduces every rational, so sizes stay those of
the defining linear systems rather than growing with the nesting of cuts).
Consequently each piece lies in one closed activation region, ``Phi^k`` *is*
the interpolation of its vertex values on it, and the image of a piece is
exactly the hull of its vertices' exact images: no triangulation of the same
set can change the image that :mod:`.exact_route` computes.

The float arrays (``points``, ``pre``) are for float work (ranks at
barycentres, pictures, estimates): each is the rounding of the exact value,
except the pre-activations of earlier layers at later cut points, and at a cut
point the negative pre-activations of the units of its layer cut before it
(never read exactly again: the image is 0 there), which are float
interpolations (with the exact zeros and weak signs of their ends).
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
    exact_points : (V, m) object array of flint.fmpq
        The exact vertex coordinates.
    exact_values : (V, n_layer) object array of flint.fmpq
        ``Phi^layer`` at the vertices, exact (``layer = 0``: ``exact_points``).
    simplices : (T, d + 1) int array
        The pieces (maximal simplices), vertex indices sorted in each row.
    parent : (T,) int array
        Row of the maximal simplex of ``K`` (``K.simplices(d)``) containing each piece.
    codewords : list of (T, n_k) bool arrays
        Activation pattern of each piece at layers ``1..layer``.
    pre : list of (V, n_k) float arrays
        Pre-activations at the vertices, layers ``1..layer`` (module notes).
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
    exact_points: np.ndarray = field(default=None, repr=False)
    exact_values: np.ndarray = field(default=None, repr=False)
    cells: object = field(default=None, repr=False)

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
    from ..geometry.exact import exact

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
    Xq = np.empty(X.shape, dtype=object)
    Xq.ravel()[:] = [exact(x) for x in X.ravel()]
    simp = np.searchsorted(K.vertices, tops).astype(np.int64)
    return Refinement(points=X, simplices=simp, parent=np.arange(len(simp)), codewords=[],
                      pre=[], layer=0, layers=layers, n_original_vertices=len(X),
                      n_original_simplices=len(simp), original=simp, exact_points=Xq,
                      exact_values=Xq)


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


def exact_affine(W, b, H):
    """``H @ W.T + b`` in exact rational arithmetic: ``(V, n)`` object array of fmpq.

    ``W``, ``b`` float (dyadic, so exact), ``H`` an object array of rationals; one
    affine layer of :func:`topodestruct.relu.exact.exact_forward`.
    """
    from ..relu.exact import exact_forward

    if len(H) == 0:
        return np.empty((0, W.shape[0]), dtype=object)
    return exact_forward([(W, b, False)], H)


def _floats_and_signs(Q):
    """The floats of an object array of rationals and their exact signs (int8): a nonzero
    rational rounds to a float of its sign, or to 0 where it underflows (decided exactly)."""
    F = _to_float(Q)
    return F, _exact_signs(F, Q)


def _exact_signs(F, Q):
    """The exact signs of the rationals ``Q`` from their floats ``F`` (exact where 0)."""
    sign = np.sign(F).astype(np.int8)
    zero = F == 0
    if zero.any():
        q = Q[zero]
        sign[zero] = (q > 0).astype(np.int8) - (q < 0).astype(np.int8)
    return sign


def _to_float(Q):
    out = np.empty(Q.shape, dtype=np.float64)
    out.ravel()[:] = [float(q) for q in Q.ravel()]
    return out


def refine_next(R):
    """Refine a :class:`Refinement` at layer ``k`` along layer ``k + 1`` (a new object)."""
    from flint import fmpq

    k = R.layer
    if k >= len(R.layers):
        raise ValueError(f"the network has only {len(R.layers)} layers")
    W, b, relu = R.layers[k]
    cells = (R.cells if R.cells is not None else
             Cells.of_simplices(R.simplices, R.parent)).start_layer()
    st = _State(points=R.points, exact=R.exact_points, pre=[],
                Zq=exact_affine(W, b, R.exact_values))
    st.Z, st.sign = _floats_and_signs(st.Zq)
    if relu:
        for j in range(W.shape[0]):
            hit, E = cells.crossing_edges(st.sign[:, j])
            if len(E):
                lookup = _cut_points(st, j, E)          # extends st.sign by the cut points
                cells.split(hit, st.sign[:, j], lookup)
    cells.end_layer(st.sign)
    simp, owner = cells.triangulate()
    Z = st.Z
    Hq = np.where(st.sign > 0, st.Zq, fmpq(0)) if relu else st.Zq
    return Refinement(points=st.points, simplices=simp, parent=cells.parent[owner],
                      codewords=[c[owner] for c in cells.codes],
                      pre=_interpolated(R.pre, st.pre, len(st.points)) + [Z],
                      layer=k + 1, layers=R.layers,
                      n_original_vertices=R.n_original_vertices,
                      n_original_simplices=R.n_original_simplices, original=R.original,
                      embedded=R.embedded, exact_points=st.exact, exact_values=Hq, cells=cells)


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


@dataclass
class _State:
    """The refinement's points while one layer cuts it: floats, exact values and signs."""

    points: np.ndarray
    exact: np.ndarray
    pre: list                       # the cuts (a, b, t as floats), for earlier layers' floats
    Zq: np.ndarray
    Z: np.ndarray = None            # the floats of Zq
    sign: np.ndarray = None


def _cut_points(st, j, E):
    """New vertices where the edges ``E`` (rows ``a < b``) cross ``z_j = 0``, at exact cut
    points (module notes); returns ``{(a, b): new id}``.

    Units ``c < j`` already cut every edge, so the ends of an edge have weakly one sign
    there and the cut point has the sign of the nonzero end: exact without arithmetic.
    Where that sign is negative the value is never read again (the layer's image is 0
    there, and every later cut point interpolates it between weakly negative ends), so
    ``st.Zq`` holds 0 there instead (``st.sign`` is exact; ``st.Z`` the interpolated
    floats): about a quarter of the entries, no arithmetic on rationals."""
    from flint import fmpq

    a, b = E[:, 0], E[:, 1]
    f = st.Zq[:, j]
    t = (f[a] / (f[a] - f[b]))[:, None]           # exact, in (0, 1)
    new_ids = len(st.points) + np.arange(len(E))
    lookup = {(int(x), int(y)): int(v) for x, y, v in zip(a, b, new_ids)}
    Xn = st.exact[a] + t * (st.exact[b] - st.exact[a])
    tf = _to_float(t)

    def interp(A):
        # floats along the edge: a convex combination keeps exact zeros and weak signs
        return A[a] + tf * (A[b] - A[a])

    sa, sb = st.sign[a], st.sign[b]
    sign = np.where(sa != 0, sa, sb)              # right for the columns c < j
    sign[:, j] = 0                                # z_j(new) is exactly 0
    later = np.arange(sign.shape[1]) > j
    need = later[None, :] | (sign > 0)
    Zn = np.full(sign.shape, fmpq(0), dtype=object)
    T = np.broadcast_to(t, sign.shape)[need]
    Za, Zb = st.Zq[a][need], st.Zq[b][need]
    Zn[need] = Za + T * (Zb - Za)
    Fn = np.zeros(sign.shape)
    Fn[need] = _to_float(Zn[need])
    sign[:, later] = _exact_signs(Fn[:, later], Zn[:, later])
    Zf = np.where(need, Fn, interp(st.Z))
    Zf[:, j] = 0.0
    st.exact = np.concatenate([st.exact, Xn])
    st.points = np.concatenate([st.points, _to_float(Xn)])
    st.Zq, st.Z = np.concatenate([st.Zq, Zn]), np.concatenate([st.Z, Zf])
    st.sign = np.concatenate([st.sign, sign])
    st.pre.append((a, b, tf))                     # earlier layers' floats: at the end
    return lookup
