"""Topology through depth: one row per layer with what each theory and estimator says.

``td.profile(net, K)`` (a complex with coordinates) or ``td.profile(net, X)``
(a point cloud, turned into a complex at a stated scale) reports, for the
input (layer 0) and every hidden layer:

``predicted``
    the rank-source prediction of the paper: ``K`` with ``Omega_0`` collapsed
    to a point and each component of ``Omega_1`` to its own point (via
    ``td.analyze`` where this checkout has it; otherwise from the certified
    ranks at the vertices, the ``refine=False`` reading of issue 11);
``quotient``
    ``K`` modulo both sources, rank and overlap (exact for complexes of
    dimension <= 2 where :mod:`topodestruct.analysis.overlap` exists;
    otherwise the overlaps detected at the vertices, see
    :mod:`topodestruct.analysis.vertex_overlaps`);
``image_homology``
    the exact integer homology of the image ``Phi^K(K)`` (dimension <= 2, where
    those modules exist; else None);
``image``
    Naitzat's estimator on the image of the vertices (k-NN graph, hop
    distance, flag complex at one scale).

All entries are Betti-number lists ``[b_0, ..., b_max_dim]`` or None.

Examples
--------
>>> import numpy as np, topodestruct as td
>>> t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
>>> X = np.c_[np.cos(t), np.sin(t)]
>>> W = [(np.eye(2), np.array([0.0, 5.0])), (np.ones((1, 2)), None)]
>>> prof = td.profile(W, X, complex="knn", scale=1, k=2, image_k=2, image_scale=1)
>>> [row["predicted"] for row in prof.rows]
[[1, 1], [1, 1], [1, 0]]
"""
import dataclasses

import numpy as np

from ..algebra.rows import unique_rows
from ..topology.complexes import SimplicialComplex
from ..topology.homology import homology, quotient_homology
from . import depth_routes
from .._budget import DEFAULT_MAX_MEMORY_GB, Budget
from .estimators import COMPLEXES, choose_alpha_scale, naitzat_betti, point_complex
from .vertex_overlaps import region_maps, vertex_overlaps

__all__ = ["profile", "Profile", "rank_source_quotient", "glue_vertices"]

KEYS = ("predicted", "quotient", "image_homology", "image")

#: Seconds the exact route may take in ``profile(exact=None)`` (the whole route, all layers).
DEFAULT_BUDGET_S = 60.0
#: Row keys of the exact route's size measurements (:func:`.depth_routes.image_size_row`).
SIZE_KEYS = ("image_sizes", "image_stable", "resolution", "size_delta")


@dataclasses.dataclass
class Profile:
    """Betti numbers against depth.

    Attributes
    ----------
    rows : list of dict
        One per layer ``0..H`` (0 = the input, H = the last hidden layer) with
        keys ``layer``, ``width``, ``predicted``, ``quotient``,
        ``image_homology``, ``image`` (Betti lists or None), ``low_rank``
        (vertices of rank <= 1) and ``glued`` (vertices in overlap gluings).
    info : dict
        How each column was computed: complex, scale and its rule, k, methods.
    """

    rows: list
    info: dict

    def to_dict(self):
        """JSON-ready copy: ``{"rows": [...], "info": {...}}``."""
        return {"rows": [dict(r) for r in self.rows], "info": dict(self.info)}

    def column(self, key, dim):
        """``b_dim`` of one column through the layers (NaN where not computed)."""
        return np.array([np.nan if r[key] is None or dim >= len(r[key]) else r[key][dim]
                         for r in self.rows], dtype=float)

    def __str__(self):
        def fmt(b):
            return "-" if b is None else " ".join(str(x) for x in b)

        head = ["layer", "width", "rank<=1", "glued", "predicted", "quotient",
                "image hom.", "image (kNN)"]
        body = [[str(r["layer"]), str(r["width"]), str(r["low_rank"]), str(r["glued"])]
                + [fmt(r[k]) for k in KEYS] for r in self.rows]
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(head)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths)) for b in body]
        notes = [f"{k}: {v}" for k, v in self.info.get("methods", {}).items()]
        return "\n".join(lines + notes)

    def __repr__(self):
        return f"Profile({len(self.rows)} layers, complex={self.info.get('complex')!r})"

    def plot(self, ax=None, dims=None):
        """Betti numbers of each column against the layer, in one axes; returns the figure.

        A column computed only at the input (layer 0) is not drawn; each line is
        shifted a little so that equal values stay visible.  The clearer picture,
        one panel per Betti number, is :func:`topodestruct.plotting.depth.plot_profile`
        (what ``topodestruct profile --out`` writes).
        """
        if ax is None:
            from matplotlib.figure import Figure
            ax = Figure(figsize=(5.5, 3.4)).add_subplot(1, 1, 1)
        layers = [r["layer"] for r in self.rows]
        dims = range(self.info.get("max_dim", 1) + 1) if dims is None else dims
        style = {"predicted": ("rank source", "C0", "o"), "quotient": ("rank + overlap", "C3", "s"),
                 "image_homology": ("exact image", "k", "D"), "image": ("Naitzat kNN", "C2", "^")}
        for i, (key, (label, color, marker)) in enumerate(style.items()):
            for q in dims:
                y = self.column(key, q)
                if not np.isnan(y[1:]).all():
                    ax.plot(np.add(layers, 0.04 * (4 * q + i) - 0.14), y, ["-", "--", ":"][q % 3],
                            color=color, marker=marker, ms=4, label=f"b{q} {label}", alpha=0.8)
        ax.set_xlabel("layer (0 = input)")
        ax.set_ylabel("Betti number")
        ax.set_xticks(layers)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        return ax.figure


def _hidden(net):
    layers = net.layers                  # a Network (relu.network)
    relus = [lay.relu for lay in layers]
    H = max((i + 1 for i, r in enumerate(relus) if r), default=0)
    if H == 0:
        raise ValueError("the network has no hidden ReLU layer")
    widths = [int(layers[0].W.shape[1])] + [int(lay.W.shape[0]) for lay in layers[:H]]
    return H, widths


def glue_vertices(K, glue):
    """The simplicial image of ``K`` under identifying each gluing class to one vertex.

    Simplices whose vertices land in the same classes become one simplex
    (two glued edges are one edge, not a 2-gon); degenerate images drop to
    faces.  The class's smallest vertex id represents it.

    Parameters
    ----------
    K : SimplicialComplex
    glue : iterable of lists of vertex ids

    Returns
    -------
    K2 : SimplicialComplex (no coordinates)
    f : dict mapping every vertex id of K to its vertex in K2

    Examples
    --------
    >>> import topodestruct as td
    >>> C = td.complexes.circle(6)                     # 0-1-2-3-4-5-0
    >>> K2, f = glue_vertices(C, [[0, 3]])            # pinch: figure eight
    >>> td.homology(K2).betti
    [1, 2]
    >>> td.homology(glue_vertices(C, [[1, 5], [2, 4]])[0]).betti    # fold: an arc
    [1, 0]
    """
    ids = K.vertices
    f = {int(v): int(v) for v in ids}
    for cls in glue:
        rep = int(min(cls))
        for v in cls:
            f[int(v)] = rep
    lut = np.array([f[int(v)] for v in ids])
    tops = []
    for d in range(K.dimension + 1):
        S = lut[np.searchsorted(ids, K.simplices(d))]
        S.sort(axis=1)
        if d:
            S = S[(S[:, 1:] != S[:, :-1]).all(1)]
        tops.extend(map(tuple, unique_rows(S).tolist()))
    return SimplicialComplex(tops), f


def rank_source_quotient(K, ranks, vertex_ids=None, glue=()):
    """Homology of ``K`` with the rank source collapsed (after optional gluings), from vertex labels.

    ``Omega_0`` (vertices of rank 0) becomes one point, each connected
    component of ``Omega_1`` its own point.  Gluing classes (lists of indices
    into ``ranks``) are identified first by :func:`glue_vertices`.

    Parameters
    ----------
    K : SimplicialComplex
    ranks : (n_vertices,) int array
        Rank at each vertex, aligned with ``vertex_ids``.
    vertex_ids : array, optional
        Vertex id of each entry (default ``K.vertices``).
    glue : iterable of lists of int
        Gluing classes as indices into ``ranks``.

    Returns
    -------
    Homology

    Examples
    --------
    >>> import topodestruct as td
    >>> C = td.complexes.circle(6)
    >>> rank_source_quotient(C, [0, 2, 2, 0, 2, 2]).betti   # two arcs to one point
    [1, 2]
    """
    ids = K.vertices if vertex_ids is None else np.asarray(vertex_ids)
    ranks = np.asarray(ranks)
    glue = [ids[np.asarray(cls)] for cls in glue]
    if glue:
        K, f = glue_vertices(K, glue)
        ids = np.array([f[int(v)] for v in ids])
    subs = []
    zero = np.unique(ids[ranks == 0])
    if len(zero):
        subs.append(K.full_subcomplex(zero))
    one = np.setdiff1d(ids[ranks == 1], zero)
    if len(one):
        subs.extend(K.full_subcomplex(one).connected_components())
    return quotient_homology(K, subs) if subs else homology(K)


def _complex_from(data, complex, scale, k):
    if isinstance(data, SimplicialComplex):
        if data.coordinates is None:
            raise ValueError("the complex has no coordinates: profile needs the input points")
        return data, {"complex": "given", "scale": None, "scale_rule": "given complex"}
    X = np.asarray(data, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"points must be an (N, d) array, got shape {X.shape}")
    if complex not in COMPLEXES:
        raise ValueError(f"complex must be one of {COMPLEXES}, got {complex!r}")
    rule = "given"
    if scale is None:
        if complex == "alpha":
            scale, how = choose_alpha_scale(X)
            rule = how["rule"]
        elif complex == "knn":
            scale, rule = 2.5, "2.5 hops (Naitzat's and Beshkov's epsilon)"
        else:
            raise ValueError("complex='rips' needs a scale (edge length)")
    K = point_complex(X, complex, scale=scale, k=k)
    return K, {"complex": complex, "scale": float(scale), "scale_rule": rule}


def _b0_violations(rows, exact_layers):
    """Exact layers whose image has more components than the previous layer's image.

    ``Phi^k(K)`` is a continuous image of ``Phi^(k-1)(K)``, so b0 cannot grow; a
    growth means a defect of the exact route, flagged with a warning rather than
    reported as a finding.
    """
    import warnings

    bad = [k for k in exact_layers if (k - 1 == 0 or k - 1 in exact_layers)
           and rows[k]["image_homology"][0] > rows[k - 1]["image_homology"][0]]
    if bad:
        warnings.warn(f"exact image b0 grows at layer(s) {bad}: impossible for a continuous "
                      "map, a defect of the exact route (please report it)", RuntimeWarning)
    return bad


def _truncate(b, n):
    return None if b is None else [int(x) for x in list(b)[:n]] + [0] * max(0, n - len(b))


def profile(net, data, complex="alpha", scale=None, k=13, image_k=None, image_scale=2.5,
            max_dim=None, overlaps=True, overlap_radius=None, exact=None, random_state=0,
            max_exact_pairs=None, budget_s=None, max_memory_gb=DEFAULT_MAX_MEMORY_GB):
    """Per-layer topology of a complex or point cloud under a ReLU network.

    Parameters
    ----------
    net : Network, torch.nn.Sequential, list of (W, b), state_dict or path
        Converted once (:func:`topodestruct.as_network`). Rows run from the
        input to the last Linear followed by a ReLU (the logits layer of a
        classifier is not a row).
    data : SimplicialComplex with coordinates, or (N, m) array_like
        A point cloud is first turned into a complex (``complex``, ``scale``).
    complex : {"alpha", "knn", "rips"}
        Complex on a point cloud; ``"alpha"`` picks its radius by
        :func:`~topodestruct.analysis.estimators.choose_alpha_scale` when
        ``scale`` is None; ``"knn"`` defaults to 2.5 hops.
    scale : float, optional
    k : int
        Neighbours for ``complex="knn"`` (the point itself not counted).
    image_k : int, optional
        Neighbours of Naitzat's estimator on the images (default ``k``).
    image_scale : float
        Hop scale of Naitzat's estimator (default 2.5).
    max_dim : int, optional
        Betti numbers ``b_0..b_max_dim`` (default ``min(dim K, 2)``).
    overlaps : bool
        Compute the quotient by both sources (vertex-level where the exact
        route is off).
    overlap_radius : float, optional
        Input-space radius of the vertex gluings (default: the longest edge of
        the complex).
    exact : bool, optional
        Exact image homology and exact quotient by both sources, layer by
        layer on one refinement (:mod:`.depth_routes`; pure complexes of
        dimension 1 or 2).  ``None`` (default) takes it within a time budget
        (``budget_s``, default :data:`DEFAULT_BUDGET_S` seconds for the whole
        route) and falls back to the vertex-level route for the layers it did
        not reach; ``True`` takes it at every layer with no time limit unless
        ``budget_s`` is given; ``False`` never.  Wherever it stops,
        ``info["exact_stopped"]`` says where and why.
    random_state : int
        Seeds the certified rank computation's sketch.
    max_exact_pairs : int or None
        Also stop at the first layer that leaves more pairs of image simplices
        than this to intersect exactly (None: no limit).
    budget_s : float, optional
        Seconds for the exact route (see ``exact``).
    max_memory_gb : float or None
        The exact route stops where this process's resident memory passes it
        (default :data:`~topodestruct._budget.DEFAULT_MAX_MEMORY_GB`).

    Returns
    -------
    Profile
    """
    from ..relu.network import as_network
    from ..relu.rank import rank_decomposition

    net = as_network(net)                # once, at the boundary; passed down as it is
    K, info = _complex_from(data, complex, scale, k)
    X = np.asarray(K.coordinates, dtype=np.float64)
    ids = K.vertices
    H, widths = _hidden(net)
    if X.shape[1] != widths[0]:
        raise ValueError(f"the points have {X.shape[1]} coordinates but the network expects "
                         f"{widths[0]}")
    if max_dim is None:  # flag complexes are truncated at dimension 2: b_2 would be meaningless
        max_dim = 1 if info["complex"] in ("knn", "rips") else min(K.dimension, 2)
    n = int(max_dim) + 1
    image_k = k if image_k is None else image_k
    rd = rank_decomposition(net, X, layers=range(1, H + 1), random_state=random_state)
    maps = region_maps(net, X, H)
    if exact and not 1 <= K.dimension <= 2:
        raise ValueError(f"exact=True needs a complex of dimension 1 or 2, got {K.dimension}")
    routes, stops = {}, []                        # layer -> the exact route's row
    pure = len(K.maximal_simplices()) == len(K.simplices(K.dimension))
    if exact and not pure:
        raise ValueError("exact=True needs a pure complex (every simplex a face of a "
                         "top-dimensional one); this one has lower-dimensional maximal simplices")
    if not pure and exact is None:
        stops.append("exact route not taken: the complex is not pure (lower-dimensional "
                      "maximal simplices)")
    if exact or (exact is None and pure and 1 <= K.dimension <= 2):
        def ranks_at(points, layer):
            return rank_decomposition(net, points, layers=[layer],
                                      random_state=random_state).ranks[:, layer - 1]
        seconds = budget_s if budget_s is not None or exact else DEFAULT_BUDGET_S
        routes = depth_routes.exact_route(net, K, list(range(1, H + 1)), ranks_at,
                                          max_exact_pairs=max_exact_pairs, notes=stops,
                                          budget=Budget(seconds, max_memory_gb))
    glued = {}
    if overlaps and len(routes) < H:
        if overlap_radius is None:
            e = K.simplices(1)
            pos = np.searchsorted(ids, e)
            overlap_radius = float(np.linalg.norm(X[pos[:, 0]] - X[pos[:, 1]], axis=1).max()) \
                if len(e) else 0.0
        glued = vertex_overlaps(net, X, radius=overlap_radius, k=image_k,
                                layers=range(1, H + 1), maps=maps)
    H0 = _truncate(homology(K).betti, n)
    rows = [{"layer": 0, "width": widths[0], "low_rank": 0, "glued": 0, "predicted": H0,
             "quotient": H0, "image_homology": H0,
             "image": _truncate(naitzat_betti(X, image_k, image_scale, n - 1), n)}]
    if routes:                                    # sizes of the input's own classes
        rows[0].update(depth_routes.image_size_row(X, np.searchsorted(ids, K.simplices(
            K.dimension)), None, homology(K).betti))
    for layer in range(1, H + 1):
        r = rd.ranks[:, layer - 1]
        low = int((r <= 1).sum())
        route = routes.get(layer)
        if route is not None:
            pred, quot, img = route["predicted"], route["quotient"], route["image_homology"]
        else:
            pred = H0 if low == 0 else rank_source_quotient(K, r, ids).betti
            cls = glued.get(layer, [])
            quot = (pred if not cls else rank_source_quotient(K, r, ids, cls).betti) \
                if overlaps else None
            img = None
        rows.append({"layer": layer, "width": widths[layer], "low_rank": low,
                     "glued": int(sum(len(c) for c in glued.get(layer, []))),
                     "predicted": _truncate(pred, n), "quotient": _truncate(quot, n),
                     "image_homology": _truncate(img, n),
                     "image": _truncate(naitzat_betti(maps[layer - 1]["image"], image_k,
                                                      image_scale, n - 1), n)})
        if route is not None and "image_sizes" in route:
            rows[-1].update({key: route[key] for key in SIZE_KEYS})
    exact_layers = sorted(routes)
    info["b0_violations"] = _b0_violations(rows, exact_layers)
    on = f"layers {exact_layers[0]}-{exact_layers[-1]}" if exact_layers else ""
    vertex = ("rank source from certified vertex ranks (rank_decomposition): "
              "Omega_0 -> a point, components of Omega_1 -> points")
    info.update({
        "n_vertices": int(K.n_vertices), "f_vector": [int(f) for f in K.f_vector],
        "k": int(image_k), "image_scale": float(image_scale), "max_dim": n - 1,
        "widths": widths, "exact_layers": exact_layers,
        "exact_stopped": stops[0] if stops else None,
        "methods": {
            "predicted": (f"{on}: td.analyze's prediction on the exact refinement; " if on else "")
            + ("other layers: " if on and len(routes) < H else "")
            + (vertex if len(routes) < H else ""),
            "quotient": (f"{on}: exact (refinement, rank pieces collapsed, overlaps glued by "
                         "analysis.overlap.folding); " if on else "")
            + ("" if len(routes) == H else
               f"overlaps detected at the vertices (radius {overlap_radius:.4g}, "
               f"image k {image_k}) identified simplicially, then the rank source "
               "collapsed" if overlaps else "not computed"),
            "image_homology": (f"{on}: exact (analysis.overlap.folding on the refinement)"
                               if on else
                               "not computed (exact=False or too many pieces)"
                               if K.dimension <= 2 else "not defined above dimension 2"),
            "image": (f"Naitzat estimator: k-NN graph (k = {image_k}, point itself not "
                      f"counted), hop distance, flag complex at {image_scale} hops"),
            "complex": f"{info['complex']} at scale {info['scale']}: {info['scale_rule']}"}})
    return Profile(rows, info)
