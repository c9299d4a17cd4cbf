"""The ``analyze`` command: one layer's report, or a mesh or scale study, and their files.

Helpers of :mod:`topodestruct.cli` (which parses the arguments): each reads the
options it needs, checks them (one line, exit 2, before anything is computed),
calls the library and prints.
"""
import sys

from ._cli_checks import (UsageError, check_class, check_complex_options, check_layer,
                          check_n_points, check_out, check_point_dimension, load_labels_file,
                          load_model, load_points, reject_options)


def _wrote(folder, files, stream=None):
    """``files written to FOLDER: a, b, c`` (on stderr where stdout carries JSON)."""
    import pathlib

    print(f"files written to {pathlib.Path(folder).resolve()}: "
          + ", ".join(pathlib.Path(f).name for f in files), file=stream or sys.stdout)


_MANIFOLDS = {"circle": ("circle", 48, 3), "sphere": ("cube_sphere", 6, 1),
              "torus": ("torus", 16, 3), "klein": ("klein_bottle", 16, 3)}
_DEFAULT_WIDTHS = [3, 5, 5]
_RESOLUTION_MEANS = {"circle": "vertices around the circle",
                     "sphere": "subdivisions of each cube face",
                     "torus": "grid points per circle", "klein": "grid points per circle"}


def _manifold(name, resolution, option="--resolution"):
    """The triangulated ``name`` at ``resolution`` (None: its default), checked."""
    from .topology import complexes as cx

    builder, default, smallest = _MANIFOLDS[name]
    res = default if resolution is None else resolution
    if res < smallest:
        raise UsageError(f"{option} {res} is too small for the {name}: at least {smallest}"
                         + (f" (default {default})" if option == "--resolution" else ""))
    return getattr(cx, builder)(*((res, res) if name in ("torus", "klein") else (res,)))


def _analyze_network(args):
    """The network of ``analyze`` (``--model``, else a random ``--widths`` network), converted
    once here, at the boundary, and the layer (``--layer``) checked on it."""
    from .relu.network import as_network
    from .relu.networks import mlp

    if args.model:
        reject_options(args, {"--widths": "widths", "--init": "init"},
                       "with --model (the model fixes the network)")
        net, _ = load_model(args.model)
    else:
        net = as_network(mlp(args.widths or _DEFAULT_WIDTHS, init=args.init or "kaiming",
                             random_state=args.seed))
    check_layer(net, args.layer)
    return net


def _check_ambient(args, net, name, K):
    """The manifold lies in the network's input space."""
    d, m = K.coordinates.shape[1], net.input_dim
    if d == m:
        return
    if args.model:
        raise UsageError(f"--model {args.model} expects {m} inputs but the {name} lies in "
                         f"R^{d}: choose a --manifold in R^{m} or pass --points")
    sizes = args.widths or _DEFAULT_WIDTHS
    raise UsageError(f"--widths {','.join(map(str, sizes))} start with {m} inputs but the "
                     f"{name} lies in R^{d}: the widths must start with the manifold's ambient "
                     f"dimension, e.g. --widths {','.join(map(str, [d] + sizes[1:]))}")


def _analyze_input(args):
    """The network and the complex (or points) of ``analyze``, checked.

    The points of ``--points`` are returned as they are: :func:`td.analyze
    <topodestruct.analysis.represent.analyze>` builds the ``--complex`` on them
    (as ``profile`` does).
    """
    if args.points:
        reject_options(args, {"--manifold": "manifold", "--resolution": "resolution"},
                       "with --points (the points replace the triangulated manifold)")
        check_complex_options(args)
        _check_class_options(args)
    else:
        reject_options(args, {"--complex": "complex", "--scale": "scale", "--labels": "labels",
                              "--class": "cls"},
                       "without --points (the --manifold is triangulated already)")
    if args.rank == "intrinsic" and args.exact is False:
        raise UsageError("--rank intrinsic needs the exact route (the rank on each piece of "
                         "the refinement): leave out --no-exact, or use --rank ambient")
    check_out(args.out)
    net = _analyze_network(args)
    if args.points:
        return net, _analyze_points(args, net)
    name = args.manifold or "torus"
    K = _manifold(name, args.resolution)
    _check_ambient(args, net, name, K)
    return net, K


def _check_class_options(args):
    """``--labels`` and ``--class`` come together."""
    if (args.labels is None) != (args.cls is None):
        raise UsageError("--labels needs --class C (the class whose points to keep)"
                         if args.cls is None else
                         "--class needs --labels FILE (the labels of the points)")


def _analyze_points(args, net):
    """The ``--points`` of ``analyze`` (those of ``--class``), checked against the network."""
    X = load_points(args.points)
    check_point_dimension(X, net.input_dim)
    if args.labels is not None:
        y = load_labels_file(args.labels, n=len(X))
        check_class(args.cls, y, f"--labels {args.labels}")
        X = X[y == args.cls]
    need, why = (14, "the knn complex (13 neighbours)") if args.complex == "knn" \
        else (3, "a point cloud")
    check_n_points(len(X), need, why,
                   option="--points" if args.cls is None else f"--points of class {args.cls}")
    return X


def _cmd_analyze(args):
    """td.analyze from the command line: report, JSON, pictures."""
    import json
    import pathlib

    from .analysis.represent import analyze
    from .experiments.store import json_safe

    if args.resolutions is not None:
        return _cmd_mesh_study(args)
    if args.scales is not None:
        return _cmd_scale_study(args)
    net, K = _analyze_input(args)
    rep = analyze(net, K, layer=args.layer, rank=args.rank,
                  estimate=None if args.no_estimate else "persistent", random_state=args.seed,
                  exact=args.exact, budget_s=args.budget, complex=args.complex or "alpha",
                  scale=args.scale)
    text = json.dumps(json_safe(rep.to_dict(full=args.full_json)), indent=1)
    if args.out:   # files first: a reader that stops early (| head) does not lose them
        from .plotting.representation import plot_representation
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "representation.json").write_text(text)
        plot_representation(rep).savefig(out / "representation.png", dpi=110)
    if args.out:   # said before the report, whose last lines are the verdict
        _wrote(out, ["representation.json", "representation.png"],
               sys.stderr if args.json else None)
    print(text if args.json else rep)
    return 0


_MESH_STUDY_WHY = ("with --resolutions (a mesh study: the exact route on the --manifold "
                   "triangulated at each resolution, without a time limit or an estimate)")


_SCALE_STUDY_WHY = ("with --scales (a scale study: the exact route on the --complex built on "
                    "the --points at each scale, without a time limit or an estimate)")


def _check_study_options(args, options, why, study):
    """What a ``study`` (``--resolutions``, ``--scales``) leaves out: ``options``, the vertex
    route, the intrinsic rank, a budget, the estimate, the full JSON of one report."""
    reject_options(args, {**options, "--budget": "budget", "--no-estimate": "no_estimate",
                          "--full-json": "full_json"}, why)
    if args.exact is False:
        raise UsageError(f"--no-exact does not apply {why}: leave it out")
    if args.rank != "ambient":
        raise UsageError(f"--rank {args.rank} does not apply {why}: a {study} ranks "
                         "ambiently; leave it out")
    check_out(args.out)


def _mesh_study_input(args):
    """The network, the manifold's name and one triangulation per ``--resolutions`` entry."""
    _check_study_options(args, {"--points": "points", "--scales": "scales",
                                "--complex": "complex", "--scale": "scale",
                                "--resolution": "resolution", "--labels": "labels",
                                "--class": "cls"}, _MESH_STUDY_WHY, "mesh study")
    name = args.manifold or "torus"
    complexes = [_manifold(name, r, option="--resolutions: resolution")
                 for r in args.resolutions]
    net = _analyze_network(args)
    _check_ambient(args, net, name, complexes[0])
    return net, name, complexes


def _cmd_mesh_study(args):
    """``analyze --resolutions``: td.mesh_study over the manifold at each resolution."""
    from .analysis.mesh_study import mesh_study

    net, name, complexes = _mesh_study_input(args)
    labels = [f"{name} r={r}" for r in args.resolutions]
    study = mesh_study(net, complexes, layers=None if args.layer is None else [args.layer],
                       labels=labels, random_state=args.seed)
    head = {"manifold": name, "resolutions": list(args.resolutions),
            "network": _network_named(args, net)}
    title = (f"mesh study of the {name} at resolutions "
             f"{', '.join(map(str, args.resolutions))} ({_RESOLUTION_MEANS[name]}), network "
             f"{head['network']}")
    return _report_study(args, study, head, title, "mesh_study")


def _network_named(args, net):
    """``3-5-5 (random kaiming network, seed 0)`` or ``2-4 (net.pt)``."""
    source = args.model or (f"random {args.init or 'kaiming'} network, seed {args.seed}")
    return f"{'-'.join(map(str, net.widths))} ({source})"


def _report_study(args, study, head, title, stem):
    """A study's files (``stem``.json, .png) in --out, then its JSON or title and table."""
    import json
    import pathlib

    from .experiments.store import json_safe

    text = json.dumps(json_safe({**head, **study.to_dict()}), indent=1)
    if args.out:   # files first, said before the report, whose last line is the summary
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{stem}.json").write_text(text)
        study.plot().savefig(out / f"{stem}.png", dpi=110, bbox_inches="tight")
        _wrote(out, [f"{stem}.json", f"{stem}.png"], sys.stderr if args.json else None)
    if args.json:
        print(text)
    else:
        print(title)
        print(study)
    return 0


# --complex -> what its scale is (``--scales``)
_SCALE_MEANS = {"alpha": "radius of the alpha complex", "rips": "longest edge of the Rips complex",
                "knn": "hops in the 13-NN graph"}


def _scale_study_input(args):
    """The network and the points (of ``--class``) of ``--scales``, checked; the complexes are
    built here once to be checked (milliseconds beside the exact route), so a scale the exact
    route cannot take is one line before anything is computed."""
    from .analysis.mesh_study import scale_complexes

    _check_study_options(args, {"--manifold": "manifold", "--resolution": "resolution",
                                "--scale": "scale"}, _SCALE_STUDY_WHY, "scale study")
    if not args.points:
        raise UsageError("--scales needs --points X.npy (the point cloud whose complexes are "
                         "built at each scale)")
    _check_class_options(args)
    net = _analyze_network(args)
    X = _analyze_points(args, net)
    try:
        scale_complexes(X, args.scales, args.complex or "alpha")
    except ValueError as exc:
        raise UsageError(f"--scales: {exc}") from exc
    return net, X


def _cmd_scale_study(args):
    """``analyze --points --scales``: td.scale_study of the points at each scale."""
    from .analysis.mesh_study import scale_study

    net, X = _scale_study_input(args)
    complex = args.complex or "alpha"
    study = scale_study(net, X, args.scales, complex=complex,
                        layers=None if args.layer is None else [args.layer],
                        random_state=args.seed)
    head = {"points": args.points, "class": args.cls, "n_points": len(X), "complex": complex,
            "scales": list(args.scales), "network": _network_named(args, net)}
    title = (f"scale study of {args.points}"
             + ("" if args.cls is None else f" (class {args.cls})")
             + f": {len(X)} points, {complex} complex at scales "
             f"{', '.join(f'{s:g}' for s in args.scales)} ({_SCALE_MEANS[complex]}), network "
             f"{head['network']}")
    return _report_study(args, study, head, title, "scale_study")
