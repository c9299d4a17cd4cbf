r"""The one pipeline behind :func:`topodestruct.profile` and :func:`topodestruct.analyze`.

Per layer of a network and for one complex (or a point cloud turned into
one), in phases:

1. :func:`prepare`: the network (converted once), the complex, the layers;
2. :func:`exact_phase`: the exact route (:func:`.depth_routes.exact_route`,
   complexes of dimension 1, 2 or 3; in 3-D the image where solid pieces do not
   overlap, else the vertex route with the reason): one refinement refined layer
   by layer, the rank-source prediction on it, the exact image homology and the
   quotient by both sources, within a time budget
   (``exact=None``: :data:`DEFAULT_BUDGET_S` seconds for the whole call) or
   always (``exact=True``: an error, never a silent gap, where it cannot finish);
3. :func:`vertex_phase`: the layers the exact route did not reach, from
   certified ranks at the vertices and the vertex-level overlap test
   (:mod:`.vertex_overlaps`), with the same rank-source convention
   (:func:`.quotient.low_rank_quotient`: regions as closed sets, components
   of ``Omega_0`` with distinct images apart);
4. :func:`estimate_phase`: the estimate (:mod:`.estimate`), labelled as such;
5. :func:`assemble`: one row per layer, what was skipped and why.

``overlaps=False`` skips the overlap source: on the exact route the exact image
(its cost), keeping the prediction on the refinement (``row["route"] ==
"refinement"``); on the vertex route the vertex-level overlap test.

``profile`` returns the rows; ``analyze`` runs the same phases at one layer
and keeps the where-details (components, refinement, overlaps).
"""
from dataclasses import dataclass

import numpy as np

from .._budget import DEFAULT_MAX_MEMORY_GB, Budget

__all__ = ["Setup", "run", "prepare", "exact_phase", "vertex_phase", "estimate_phase",
           "assemble", "complex_from", "vertex_ranks_all", "DEFAULT_BUDGET_S", "SIZE_KEYS",
           "HOMOLOGY_KEYS"]

#: Seconds the exact route may take with ``exact=None`` (the whole call, all layers).
DEFAULT_BUDGET_S = 60.0
#: Row keys of the exact route's size measurements (:func:`.depth_routes.image_size_row`).
SIZE_KEYS = ("image_sizes", "image_stable", "resolution", "size_delta")
#: Row keys that hold exact homology (Homology objects).
HOMOLOGY_KEYS = ("predicted", "quotient", "image_homology")


@dataclass
class Setup:
    """What every phase reads: the network, the complex, the layers."""

    net: object
    K: object
    X: np.ndarray
    widths: list
    layers: list
    n: int              # Betti numbers b_0..b_{n-1} shown and compared
    info: dict
    input: object       # Homology of K


def complex_from(data, complex="alpha", scale=None, n_neighbors=None):
    """The complex of ``data`` and how it was made (a complex is taken as it is)."""
    from ..topology.complexes import SimplicialComplex
    from ..topology.point_clouds import COMPLEXES, choose_alpha_scale, point_complex

    if isinstance(data, SimplicialComplex):
        if data.coordinates is None:
            raise ValueError("the complex has no coordinates: the pipeline needs the input "
                             "points")
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
    K = point_complex(X, complex, scale=scale, k=13 if n_neighbors is None else n_neighbors)
    return K, {"complex": complex, "scale": float(scale), "scale_rule": rule}


def prepare(net, data, layers=None, complex="alpha", scale=None, n_neighbors=None,
            max_dim=None):
    """Phase 1: convert the network once, build the complex, check the layers."""
    from ..relu.network import as_network
    from ..topology.homology import homology

    net = as_network(net)                # once, at the boundary; passed down as it is
    K, info = complex_from(data, complex, scale, n_neighbors)
    X = np.asarray(K.coordinates, dtype=np.float64)
    widths = net.widths
    if X.shape[1] != widths[0]:
        what = "K's coordinates have dimension" if info["complex"] == "given" else \
            "the points have coordinates of dimension"
        raise ValueError(f"{what} {X.shape[1]} but the network expects {widths[0]} inputs")
    if layers is None:
        hidden = [k for k, relu in enumerate(net.relus, start=1) if relu]
        if not hidden:
            raise ValueError("the network has no hidden ReLU layer")
        layers = list(range(1, hidden[-1] + 1))
    else:
        layers = sorted({net.check_layer(k) for k in layers})
    if max_dim is None:  # flag complexes are truncated at dimension 2: b_2 would be meaningless
        max_dim = 1 if info["complex"] in ("knn", "rips") else min(K.dimension, 2)
    return Setup(net, K, X, widths, layers, int(max_dim) + 1, info, homology(K))


def exact_phase(s, exact=None, budget_s=None, max_memory_gb=DEFAULT_MAX_MEMORY_GB,
                max_exact_pairs=None, rank="ambient", separate_images=True, random_state=0,
                keep=(), sample=False, max_pieces=None, image=True, sizes=False, progress=None,
                n_jobs=1):
    """Phase 2: the exact route within its budget; ``(routes, notes, budget_seconds)``.

    ``routes``: layer -> row of :func:`.depth_routes.exact_route`; ``notes``: why
    it was not taken or where it stopped.  ``exact=True`` raises where it cannot
    compute a layer (never a silent None).  Where the route is taken, a tqdm bar
    on stderr counts the network's layers it has passed (``progress``: True shows
    it, False hides it, None shows it where stderr is a terminal).
    """
    from tqdm.auto import tqdm

    from . import depth_routes

    K, notes = s.K, []
    seconds = budget_s if budget_s is not None else None if exact else DEFAULT_BUDGET_S
    if exact is False:
        return {}, ["exact=False"], seconds
    if not 1 <= K.dimension <= 3:
        why = (f"the complex has dimension {K.dimension}; the exact image needs dimension "
               "1, 2 or 3")
        if exact:
            raise ValueError(f"exact=True: {why}")
        return {}, [why], seconds
    if len(K.maximal_simplices()) != len(K.simplices(K.dimension)):
        why = ("the complex is not pure (lower-dimensional maximal simplices); the exact "
               "route needs every simplex a face of a top-dimensional one")
        if exact:
            raise ValueError(f"exact=True: {why}")
        return {}, [why], seconds
    budget = Budget(seconds, max_memory_gb)
    with tqdm(total=max(s.layers, default=0), desc="exact route", unit="layer", leave=False,
              disable=None if progress is None else not progress) as bar:
        routes = depth_routes.exact_route(
            s.net, K, s.layers, max_pieces=max_pieces, max_exact_pairs=max_exact_pairs,
            notes=notes, budget=budget,
            rank=rank, separate_images=separate_images, random_state=random_state, keep=keep,
            stop_on=() if exact else (ValueError, ArithmeticError), sample=sample and image,
            image=image, sizes=sizes, on_layer=lambda layer: bar.update(), n_jobs=n_jobs)
    if exact and len(routes) < len(s.layers):
        raise RuntimeError(f"exact=True could not compute every layer: {notes[0]}")
    return routes, notes, seconds


def vertex_phase(s, missing, ranks, overlaps=True, overlap_radius=None, overlap_k=13,
                 separate_images=True, keep=()):
    """Phase 3: the layers off the exact route, from vertex ranks and vertex overlaps.

    Returns ``layer -> {"predicted", "quotient", "glued", "details"?}`` and the
    radius used (None without overlaps).
    """
    from .quotient import low_rank_quotient, vertex_quotient
    from .vertex_overlaps import region_maps, vertex_overlaps

    if not missing:
        return {}, None
    K, X = s.K, s.X
    maps = region_maps(s.net, X, max(missing))
    glued = {}
    if overlaps:
        if overlap_radius is None:
            e = np.searchsorted(K.vertices, K.simplices(1))
            overlap_radius = float(np.linalg.norm(X[e[:, 0]] - X[e[:, 1]], axis=1).max()) \
                if len(e) else 0.0
        glued = vertex_overlaps(s.net, X, radius=overlap_radius, k=overlap_k, layers=missing,
                                maps=maps)
    out = {}
    for layer in missing:
        r, images = ranks[layer], maps[layer - 1]["image"]
        if (r <= 1).any():
            pred, comps, qnotes = low_rank_quotient(K, r, images, "vertices", separate_images)
        else:
            pred, comps, qnotes = s.input, [], []
        classes = glued.get(layer, [])
        quot = None
        if overlaps:
            quot = vertex_quotient(K, r, images, classes, separate_images)[0] if classes \
                else pred
        out[layer] = {"predicted": pred, "quotient": quot,
                      "glued": int(sum(len(c) for c in classes)) if overlaps else None}
        if layer in keep:
            out[layer]["details"] = {"complex": K, "ranks": r, "components": comps,
                                     "notes": qnotes, "glued": classes, "images": images}
    return out, overlap_radius


def estimate_phase(s, how="knn", n_neighbors=None, scale=2.5, fraction=None, random_state=0,
                   samples=None):
    """Phase 4: the estimate at the input and at every layer; ``(estimates, reader_info)``.

    ``how="knn"``: Naitzat's estimator on the vertices' images, its k given or
    calibrated on the input (:func:`.estimate.knn_reader`); ``"persistent"``:
    persistent homology of ``samples[layer]`` where given (the exact route's
    pieces), else of the complex's simplices with interpolated vertex images.
    """
    from ..relu.network import activations
    from .estimate import betti_of, knn_reader, persistent_estimate
    from ..topology.persistence import sample_simplices

    if how is None:
        return {layer: None for layer in [0] + s.layers}, None
    images = activations(s.net.layers, s.X, max(s.layers))
    points = {0: s.X, **{layer: images[layer - 1] for layer in s.layers}}
    if how == "knn":
        reader = knn_reader(s.X, betti_of(s.input, s.n), n_neighbors, scale)
        return {layer: reader.read(P) for layer, P in points.items()}, \
            {"method": "knn", "k": reader.k, "scale": reader.scale, "rule": reader.rule,
             "calibrated": reader.calibrated}
    tops = np.searchsorted(s.K.vertices, s.K.simplices(s.K.dimension))
    samples = samples or {}
    out = {}
    for layer, P in points.items():
        sample = samples.get(layer)
        if sample is None:
            sample = sample_simplices(P, tops, 2)
        out[layer] = persistent_estimate(sample, s.n - 1, fraction, random_state)
    return out, {"method": "persistent", "rule": out[0].rule}


def assemble(s, routes, vertex, estimates, ranks, stops, overlaps=True):
    """Phase 5: one row per layer (0 = the input), with what was skipped and why."""
    from . import depth_routes

    H0 = s.input
    rows = [{"layer": 0, "width": s.widths[0], "route": "input", "low_rank": 0, "glued": 0,
             "overlaps": None, "predicted": H0, "quotient": H0, "image_homology": H0,
             "estimate": estimates[0], "skipped": _estimate_skips(estimates[0])}]
    if any(SIZE_KEYS[0] in r for r in routes.values()):   # sizes of the input's own classes
        K = s.K
        rows[0].update(depth_routes.image_size_row(
            s.X, np.searchsorted(K.vertices, K.simplices(K.dimension)), None, H0.betti))
    for layer in s.layers:
        route, row = routes.get(layer), {"layer": layer, "width": s.widths[layer]}
        row["low_rank"] = int((ranks[layer] <= 1).sum())
        if route is not None:
            row.update({"route": "exact" if overlaps else "refinement", "glued": None,
                        "overlaps": route["overlaps"],
                        **{key: route[key] for key in HOMOLOGY_KEYS},
                        "skipped": list(route.get("skipped", [])) if overlaps else [
                            "exact image and quotient by both sources: overlaps=False"]})
            row.update({key: route[key] for key in SIZE_KEYS + ("pieces",) if key in route})
        else:
            v = vertex[layer]
            why = stops[-1] if stops else "not computed"
            row.update({"route": "vertex", "glued": v["glued"], "overlaps": None,
                        "predicted": v["predicted"], "quotient": v["quotient"],
                        "image_homology": None,
                        "skipped": [f"exact image and exact quotient: {why}"]
                        + ([] if overlaps else ["quotient by both sources: overlaps=False"])})
        row["estimate"] = estimates[layer]
        row["skipped"] += _estimate_skips(estimates[layer])
        rows.append(row)
    return rows


def _estimate_skips(est):
    if est is None:
        return []
    if est.betti is None:
        return [f"estimate: {est.rule}" if est.rule else "estimate: too few points"]
    return []


def vertex_ranks_all(s, rank="ambient", random_state=0):
    """Certified ranks at the vertices, layer -> (V,) int array (the ``low_rank`` column)."""
    from ..relu.rank import rank_decomposition

    if rank != "ambient":
        from .labels import check_rank_kind
        check_rank_kind(rank)
    rd = rank_decomposition(s.net, s.X, layers=s.layers, random_state=random_state)
    return {layer: rd.ranks[:, layer - 1].astype(np.int64) for layer in s.layers}


def run(net, data, layers=None, complex="alpha", scale=None, n_neighbors=None, max_dim=None,
        overlaps=True, overlap_radius=None, exact=None, budget_s=None,
        max_memory_gb=DEFAULT_MAX_MEMORY_GB, max_exact_pairs=None, rank="ambient",
        separate_images=True, random_state=0, estimate="knn", estimate_k=None,
        estimate_scale=2.5, fraction=None, keep=(), max_pieces=None, sizes=False, progress=None,
        n_jobs=1):
    """All phases: ``(setup, rows, info, details)`` (``details``: layer -> where-details)."""
    s = prepare(net, data, layers, complex, scale, n_neighbors, max_dim)
    routes, stops, seconds = exact_phase(s, exact, budget_s, max_memory_gb, max_exact_pairs,
                                         rank, separate_images, random_state, keep,
                                         sample=estimate == "persistent", max_pieces=max_pieces,
                                         image=overlaps, sizes=sizes, progress=progress,
                                         n_jobs=n_jobs)
    missing = [layer for layer in s.layers if layer not in routes]
    if missing and rank != "ambient":
        raise ValueError(f"rank={rank!r} needs the exact refinement at every layer; "
                         f"layer(s) {missing} are off the exact route ({stops[-1]})")
    ranks = vertex_ranks_all(s, "ambient", random_state)
    k = estimate_k if estimate_k is not None else n_neighbors
    vertex, radius = vertex_phase(s, missing, ranks, overlaps, overlap_radius,
                                  13 if k is None else k, separate_images, keep)
    samples = {layer: r.pop("sample") for layer, r in routes.items() if "sample" in r}
    estimates, reader = estimate_phase(s, estimate, k, estimate_scale, fraction, random_state,
                                       samples)
    rows = assemble(s, routes, vertex, estimates, ranks, stops, overlaps)
    details = {layer: dict(routes[layer].get("details") or {}, route="exact")
               if layer in routes else dict(vertex[layer].get("details") or {}, route="vertex")
               for layer in keep}
    info = dict(s.info, n_vertices=int(s.K.n_vertices),
                f_vector=[int(f) for f in s.K.f_vector], max_dim=s.n - 1, widths=s.widths,
                exact=exact, budget_s=seconds, exact_layers=sorted(routes),
                exact_stopped=stops[-1] if stops else None, estimate=reader,
                overlap_radius=radius, overlap_k=13 if k is None else int(k))
    return s, rows, info, details
