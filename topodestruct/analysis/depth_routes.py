"""The exact per-layer route of ``profile``: one refinement, layer by layer, with exact images.

The exact route refines the complex layer by layer (:mod:`.refine`, each
refinement refines the previous one) and reads the exact image homology and
the quotient by both sources from :func:`.exact_route.exact_folding`, shared
with :func:`topodestruct.analyze`.
"""
import numpy as np

from .._budget import BudgetExceeded
from .exact_route import exact_folding, exact_images
from ..geometry.image_complex import ImageTooLarge
from .refine import refine_next, start_refinement

__all__ = ["exact_route"]


def exact_route(net, K, layers, ranks_at=None, max_pieces=None, max_exact_pairs=None,
                notes=None, sizes=True, budget=None, rank="ambient", separate_images=True,
                random_state=0, keep=(), stop_on=(), sample=False, image=True, on_layer=None,
                n_jobs=1):
    """Exact image homology and quotient by both sources at each layer, or None.

    Refines ``K`` layer by layer (each refinement refines the previous one),
    then, on the refinement at ``layer``: ranks the pieces
    (:func:`.labels.piece_ranks`), predicts with the rank source
    (:func:`.quotient.low_rank_quotient`: closed regions, ``Omega_0`` split by
    exact image, each component of ``Omega_1`` to its own point) and calls
    :func:`.exact_route.exact_folding` for the exact image and the quotient
    by both sources.  The one per-layer exact route of
    :func:`topodestruct.profile` and :func:`topodestruct.analyze`.

    Parameters
    ----------
    net : Network
    K : SimplicialComplex of dimension <= 3 with coordinates (3: the exact image,
        :func:`~.image_complex_3d.refine_image_3d`)
    layers : increasing list of int
    ranks_at : callable ``(points, layer) -> ranks``, optional
        Ranks at the pieces' barycentres instead of :func:`.labels.piece_ranks`.
    max_pieces : int, optional
        Stop once the refinement has more pieces than this.
    max_exact_pairs : int, optional
        Stop at the first layer whose image leaves more pairs than this to
        intersect exactly.
    notes : list, optional
        Receives a sentence saying where and why the route stopped.
    sizes : bool
        Also measure the size of every class of the image (:mod:`.sizes`) and
        count the stable ones (larger than the mesh as mapped).
    budget : topodestruct._budget.Budget, optional
        Time and memory for the whole route, checked between and inside the
        layers; the route stops where it runs out (``notes`` says where).
    rank : {"ambient", "intrinsic"}
    separate_images : bool
        As in :func:`.quotient.low_rank_quotient`.
    random_state : int
        Seeds the certified ranks' sketch.
    keep : collection of int
        Layers whose where-details to keep (``"details"``: the refinement,
        the ranks of the pieces, the collapsed components, notes, the Folding).
    stop_on : tuple of exception types
        Errors of a layer that stop the route with a note (as a spent budget
        does) instead of propagating.
    sample : bool
        Also keep ``"sample"``: points on the image pieces (for a persistent
        estimate, :func:`~topodestruct.topology.persistence.sample_simplices`).
    image : bool
        Compute the exact image (and with it the quotient by both sources);
        False: the refinement's prediction only (``image_homology`` and
        ``quotient`` None), the cheap part of the route.
    on_layer : callable, optional
        Called with each layer the route has passed (refined on the way to a
        layer of ``layers``, or its row computed): the progress bar of
        :func:`.pipeline.exact_phase`.
    n_jobs : int
        Layers whose rows are computed at once (default 1, one after the other).
        Above 1 the refinements are made first, one after the other (each refines the
        previous one; the cheap part), and the layers' exact images in ``n_jobs``
        shares of about equal size (pieces), each in its own forked process
        (:func:`topodestruct._parallel.iter_jobs`, ``"fork"``; threads where forking
        is unsafe), shallowest layer first: the same rows, sooner on a
        machine with cores to spare, with every layer's refinement held at once and
        each process under ``budget``'s time and memory bound.  The route still stops
        at the first layer that cannot be computed (rows past it are dropped).

    Returns
    -------
    dict or None
        ``layer -> {"predicted": Homology, "image_homology": Homology,
        "quotient": Homology, "pieces": int, "overlaps": int}`` (with ``sizes``: also
        ``"image_sizes"``, ``"image_stable"``, ``"resolution"`` and
        ``"size_delta"``, see :func:`image_size_row`, measured on the top simplices'
        images, tetrahedra included); None above dimension 3.
    """
    if K.dimension > 3 or K.dimension < 1:
        return None
    args = (net, ranks_at, rank, separate_images, random_state, max_exact_pairs, budget,
            keep, image, sample, sizes, stop_on)
    if n_jobs > 1 and len(layers) > 1 and not set(keep) & set(layers):   # details stay here
        return _parallel_layers(net, K, layers, args, max_pieces, notes, budget, on_layer,
                                n_jobs)
    rows = ((layer, _layer_row(R, layer, *args))        # lazily: a stop refines no further
            for layer, R in _refinements(net, K, layers, max_pieces, notes, budget, on_layer))
    return _collect(rows, notes, on_layer)[0]


def _collect(rows, notes, on_layer):
    """``(layer -> row, stopped)`` from ``(layer, (row, why))`` in increasing layers, up to
    the first layer that could not be computed (``notes`` says why)."""
    out = {}
    for layer, (row, why) in rows:
        if why is not None:
            _note(notes, why)
            return out, True
        out[layer] = row
        if on_layer is not None:
            on_layer(layer)
    return out, False


def _refinements(net, K, layers, max_pieces, notes, budget, on_layer):
    """``(layer, refinement at layer)`` for the layers of :func:`exact_route`, one after
    the other, until the budget or ``max_pieces`` stops them (``notes`` says where)."""
    R = start_refinement(net, K)
    for layer in layers:
        try:
            while R.layer < layer:
                if budget is not None:
                    budget.check(f"refinement along layer {R.layer + 1}")
                R = refine_next(R)
                if on_layer is not None and R.layer < layer:
                    on_layer(R.layer)                   # passed on the way to ``layer``
        except BudgetExceeded as err:
            _note(notes, f"exact route stopped at layer {R.layer + 1}: {err}")
            return
        if max_pieces is not None and len(R.simplices) > max_pieces:
            _note(notes, f"exact route stopped at layer {layer}: {len(R.simplices)} pieces > "
                         f"max_pieces={max_pieces}")
            return
        yield layer, R


def _layer_row(R, layer, net, ranks_at, rank, separate_images, random_state, max_exact_pairs,
               budget, keep, image, sample, sizes, stop_on):
    """The row of :func:`exact_route` at ``layer`` (refinement ``R``) and None, or None and
    the sentence saying why the route stops there."""
    try:
        row = _exact_layer(net, R, layer, ranks_at, rank, separate_images, random_state,
                           max_exact_pairs, budget, layer in keep, image)
    except (ImageTooLarge,) + tuple(stop_on) as err:
        what = "" if isinstance(err, ImageTooLarge) else f"{type(err).__name__}: "
        return None, f"exact route stopped at layer {layer}: {what}{err}"
    if sample:
        from ..topology.persistence import sample_simplices
        row["sample"] = sample_simplices(R.values(layer), R.simplices, 2)
    if sizes and image:
        row.update(image_size_row(R.values(layer), R.simplices, R.parent,
                                  row["image_homology"].betti))
    return row, None


def _parallel_layers(net, K, layers, args, max_pieces, notes, budget, on_layer, n_jobs):
    """:func:`exact_route` with ``n_jobs`` layers at once (see there)."""
    from .._parallel import iter_jobs

    stops = []                 # where the refinements stopped: said if every layer before it is
    todo = dict(_refinements(net, K, layers, max_pieces, stops, budget, on_layer))
    done = {}
    for _, part in iter_jobs(lambda shard: [(layer, _layer_row(todo[layer], layer, *args))
                                            for layer in shard],
                             _balanced(todo, n_jobs), n_jobs=n_jobs, backend="fork"):
        done.update(part)
    out, stopped = _collect(sorted(done.items()), notes, on_layer)
    for why in () if stopped else stops:
        _note(notes, why)
    return out


def _balanced(refinements, n_jobs):
    """The layers split into ``n_jobs`` shards of about equal work, counted in pieces (the
    largest first, each to the lightest shard so far); each shard in increasing order, so
    that under a time budget every process reaches as deep as it can."""
    shards, load = [[] for _ in range(n_jobs)], [0] * n_jobs
    for layer in sorted(refinements, key=lambda k: -len(refinements[k].simplices)):
        j = load.index(min(load))
        shards[j].append(layer)
        load[j] += len(refinements[layer].simplices)
    return [sorted(s) for s in shards if s]


def _exact_layer(net, R, layer, ranks_at, rank, separate_images, random_state, max_exact_pairs,
                 budget, keep, image=True):
    """One layer of :func:`exact_route` on the refinement ``R`` (``R.layer == layer``)."""
    from .labels import collapse_ranks, piece_ranks
    from .quotient import low_rank_quotient

    if ranks_at is None:
        ranks = piece_ranks(net, R, layer, rank, random_state)
    else:
        ranks = np.asarray(ranks_at(R.barycentres(), layer))
    order = np.lexsort(R.simplices.T[::-1])      # rows of R.complex().simplices(d)
    Y = exact_images(R, layer)
    C = R.complex()
    predicted, comps, qnotes = low_rank_quotient(
        C, collapse_ranks(ranks, rank, R.dimension)[order], Y, "simplices", separate_images)
    F = exact_folding(net, R, layer, ranks, separate_images, rank, images=Y,
                      max_exact_pairs=max_exact_pairs, budget=budget) if image else None
    row = {"predicted": predicted, "image_homology": F and F.image_homology,
           "quotient": F and F.quotient, "pieces": int(len(R.simplices)),
           "overlaps": F and len(F.overlaps)}
    if keep:
        row["details"] = {"refinement": R, "complex": C, "ranks": ranks[order],
                          "components": comps, "notes": qnotes, "folding": F}
    return row


def image_size_row(images, simplices, parent, betti):
    """Sizes of the classes of the union of the image pieces, and the stable Betti numbers.

    ``resolution`` is the largest diameter of the image of a simplex of ``K``
    (:func:`.sizes.mesh_resolution`); ``image_stable`` counts the classes whose
    measured size exceeds it.  Every class of size ``s > f delta`` is found by the
    sample (``f``: :func:`.sizes.found_factor`, about 4 for alpha, 7.4 for Rips), so
    the count is decided only where ``f delta <= resolution``; elsewhere
    ``image_stable`` is None (undecided: the sample is too coarse for the mesh)
    rather than a guess.  Above R^3 the sample is only as fine as that decision
    needs (``delta = resolution / f``, with as few points as that takes, at most
    :func:`.sizes.default_max_points`) and sizes are measured up to twice the
    resolution (larger ones read ``inf``); with Rips (above R^5) not at all where
    the sample cannot decide or its Rips complex may be too large to build within memory
    (``image_sizes`` None; :func:`.sizes.rips_too_large`): the Rips complex of an
    unbounded scale grows past memory on images in R^25.
    """
    from ..geometry.sizes import (_sample, class_sizes, default_max_points, found_factor,
                                  mesh_resolution, rips_max_edge, rips_too_large,
                                  size_method)

    rho = mesh_resolution(images, simplices, parent)
    images = np.asarray(images, dtype=np.float64)
    n = images.shape[1]
    if n > 3:
        method = size_method(n)
        f = found_factor(method)
        simplices = np.asarray(simplices)
        sample = _sample(images, simplices, default_max_points(n, simplices.shape[1] - 1),
                         delta_target=rho / f)
        if method == "rips" and (f * sample[1] > rho or rips_too_large(
                sample[0], rips_max_edge(2 * rho), betti)):
            return {"image_sizes": None,                     # not measured
                    "image_stable": None, "resolution": float(rho),
                    "size_delta": float(sample[1])}
        S = class_sizes(images, simplices, betti, max_size=2 * rho, sample=sample)
    else:
        S = class_sizes(images, simplices, betti)
    return {"image_sizes": [[float(x) for x in s] for s in S.sizes],
            "image_stable": S.stable(rho) if found_factor(S.method) * S.delta <= rho else None,
            "resolution": float(rho), "size_delta": float(S.delta)}


def _note(notes, text):
    if notes is not None:
        notes.append(text)
