r"""Exact refinement of a complex of dimension <= 3 along a ReLU network's bent hyperplanes.

Layer by layer, every maximal simplex is cut by the zero sets of the layer's
pre-activations until each piece lies in a single activation region of layers
``1..k``, where ``Phi^k`` is affine.  On such a piece every pre-activation
``z_j`` of layer ``k + 1`` is affine, so its zero set meets the piece in a
segment (or point) through the points where ``z_j`` changes sign on the
edges.  Cut points are created once per edge and shared by the simplices on
both sides, so the refinement stays a simplicial complex subdividing ``K``
(homeomorphic to it).  A tetrahedron's two sides are convex polytopes,
triangulated by pulling from their smallest vertex id (facets fanned from
theirs): the order is global, so shared faces are cut alike.

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
except the pre-activations of earlier layers at later cut points, which are
float interpolations (with the exact zeros and weak signs of their ends).
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

from ._network import check_layer, jacobians, network_layers

__all__ = ["Refinement", "refine", "refine_next", "start_refinement"]

_PAIRS = {1: [(0, 1)], 2: [(0, 1), (0, 2), (1, 2)],
          3: [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]}


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
        """``(codes, inverse)``: distinct codeword chains of layers ``1..k`` and each piece's row."""
        if not 1 <= k <= self.layer:
            raise ValueError(f"layer {k} is not refined (1..{self.layer})")
        G = np.concatenate(self.codewords[:k], axis=1)
        codes, inverse = np.unique(G, axis=0, return_inverse=True)
        return codes, inverse.reshape(-1)

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


def _signs(Q):
    """Exact signs of an object array of rationals, int8."""
    return (Q > 0).astype(np.int8) - (Q < 0).astype(np.int8)


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
    st = _State(points=R.points, exact=R.exact_points, simp=R.simplices,
                ancestor=np.arange(len(R.simplices)), parent=R.parent, pre=list(R.pre),
                Zq=exact_affine(W, b, R.exact_values))
    st.sign = _signs(st.Zq)
    if relu:
        for j in range(W.shape[0]):
            _cut(st, j)
    code = (st.sign[st.simp] > 0).any(axis=1)
    Z = _to_float(st.Zq)
    Hq = np.where(st.sign > 0, st.Zq, fmpq(0)) if relu else st.Zq
    return Refinement(points=st.points, simplices=st.simp, parent=st.parent,
                      codewords=[c[st.ancestor] for c in R.codewords] + [code],
                      pre=st.pre + [Z], layer=k + 1, layers=R.layers,
                      n_original_vertices=R.n_original_vertices,
                      n_original_simplices=R.n_original_simplices, original=R.original,
                      embedded=R.embedded, exact_points=st.exact, exact_values=Hq)


@dataclass
class _State:
    """The refinement while one layer cuts it: floats, exact values and their signs."""

    points: np.ndarray
    exact: np.ndarray
    simp: np.ndarray
    ancestor: np.ndarray
    parent: np.ndarray
    pre: list
    Zq: np.ndarray
    sign: np.ndarray = None


def _cut(st, j):
    """Cut every piece along ``z_j = 0`` at exact cut points (module notes)."""
    simp, sg = st.simp, st.sign[:, j]
    d = simp.shape[1] - 1
    if d == 0:
        return
    pairs = _PAIRS[d]
    cross = np.stack([sg[simp[:, a]] * sg[simp[:, b]] < 0 for a, b in pairs], 1)
    hit = cross.any(1)
    if not hit.any():
        return
    # one new vertex per crossing edge, shared by all pieces on that edge
    E = np.concatenate([simp[hit][:, [a, b]][cross[hit][:, i]] for i, (a, b) in
                        enumerate(pairs)])
    E = np.unique(np.sort(E, axis=1), axis=0)
    a, b = E[:, 0], E[:, 1]
    f = st.Zq[:, j]
    t = (f[a] / (f[a] - f[b]))[:, None]           # exact, in (0, 1)
    new_ids = len(st.points) + np.arange(len(E))
    lookup = {(int(x), int(y)): int(v) for x, y, v in zip(a, b, new_ids)}
    Xn = st.exact[a] + t * (st.exact[b] - st.exact[a])
    Zn = st.Zq[a] + t * (st.Zq[b] - st.Zq[a])     # z_j(new) is exactly 0
    tf = _to_float(t)

    def interp(A):
        # earlier layers' floats: a convex combination keeps exact zeros and weak signs
        return A[a] + tf * (A[b] - A[a])

    st.exact = np.concatenate([st.exact, Xn])
    st.points = np.concatenate([st.points, _to_float(Xn)])
    st.Zq = np.concatenate([st.Zq, Zn])
    st.sign = np.concatenate([st.sign, _signs(Zn)])
    st.pre = [np.concatenate([P, interp(P)]) for P in st.pre]
    sgn = st.sign[:, j]
    keep = ~hit
    new, anc, par = [], [st.ancestor[keep]], [st.parent[keep]]
    for r in np.flatnonzero(hit):
        s = simp[r]
        if d == 1:
            p = lookup[(int(min(s)), int(max(s)))]
            pieces = [(s[0], p), (p, s[1])]
        elif d == 2:
            pieces = _cut_triangle(s, sgn, lookup)
        else:
            pieces = _cut_tetrahedron(s, sgn, lookup)
        new.extend(pieces)
        anc.append(np.full(len(pieces), st.ancestor[r]))
        par.append(np.full(len(pieces), st.parent[r]))
    st.simp = np.concatenate([simp[keep], np.sort(np.array(new, dtype=np.int64), axis=1)])
    st.ancestor, st.parent = np.concatenate(anc), np.concatenate(par)


def _cut_triangle(s, sg, lookup):
    def cut(x, y):
        return lookup[(min(x, y), max(x, y))]

    v = [int(x) for x in s]
    sv = [sg[x] for x in v]
    # case 1: one vertex on the hyperplane, the opposite edge crosses it
    for i in range(3):
        o = [v[(i + 1) % 3], v[(i + 2) % 3]]
        if sv[i] == 0 and sg[o[0]] * sg[o[1]] < 0:
            p = cut(*o)
            return [(v[i], o[0], p), (v[i], p, o[1])]
    # case 2: a lone vertex on one side, two crossing edges
    for i in range(3):
        o = [v[(i + 1) % 3], v[(i + 2) % 3]]
        if sv[i] * sg[o[0]] < 0 and sv[i] * sg[o[1]] < 0:
            p, q = cut(v[i], o[0]), cut(v[i], o[1])
            return [(v[i], p, q), (p, o[0], o[1]), (p, o[1], q)]
    raise AssertionError("a triangle with a crossing edge must fall in one of the two cases")


def _cut_tetrahedron(s, sg, lookup):
    """Tetrahedra of the two sides of a tetrahedron cut by a plane (vertex signs ``sg``).

    Each side is the convex hull of the tetrahedron's vertices on that closed side
    and the cut points of its crossing edges; its facets are the faces' parts on
    that side and the cut polygon.  Each side is triangulated by pulling: cone
    from its smallest vertex id over the facets not containing it, each facet
    fanned from its own smallest id.  The order is global, so two tetrahedra
    that share a face triangulate its parts alike and the result stays a
    simplicial complex.
    """
    v = [int(x) for x in s]
    out = []
    for side in (1, -1):
        verts = [x for x in v if sg[x] * side >= 0]
        facets = []
        for face in ((v[0], v[1], v[2]), (v[0], v[1], v[3]), (v[0], v[2], v[3]),
                     (v[1], v[2], v[3])):
            poly = _clip_polygon(face, sg, lookup, side)
            if len(poly) >= 3:
                facets.append(poly)
        cut = _cut_polygon(v, sg, lookup)
        if len(cut) >= 3:
            facets.append(cut)
        verts = sorted(set(verts) | {p for f in facets for p in f})
        if len(verts) < 4:
            continue
        apex = verts[0]
        for f in facets:
            if apex in f:
                continue
            i = f.index(min(f))
            f = f[i:] + f[:i]                          # fan from the facet's smallest id
            out.extend((apex, f[0], f[j], f[j + 1]) for j in range(1, len(f) - 1))
    return out


def _clip_polygon(face, sg, lookup, side):
    """The part of a triangle on one closed side, as a cyclic list of vertex ids."""
    poly = []
    for i in range(3):
        a, b = face[i], face[(i + 1) % 3]
        if sg[a] * side >= 0:
            poly.append(a)
        if sg[a] * sg[b] < 0:
            poly.append(lookup[(min(a, b), max(a, b))])
    return poly


def _cut_polygon(v, sg, lookup):
    """The section of a tetrahedron by the plane (zero vertices and cut points), cyclic."""
    pts = [x for x in v if sg[x] == 0]
    pos = [x for x in v if sg[x] > 0]
    neg = [x for x in v if sg[x] < 0]
    if len(pos) == 2 and len(neg) == 2:                 # a quadrilateral, in cyclic order
        (a1, a2), (b1, b2) = pos, neg
        ring = [(a1, b1), (a1, b2), (a2, b2), (a2, b1)]
        return [lookup[(min(a, b), max(a, b))] for a, b in ring]
    return pts + [lookup[(min(a, b), max(a, b))] for a in pos for b in neg]
