"""Command-line interface: ``topodestruct [spaces|tables|reproduce|analyze|profile|figure] ...``.

The CLI only parses arguments and prints; every computation lives in the
library modules so that it is equally reachable from Python.
"""
import argparse
import os
import sys
import traceback

from ._cli_analyze import _MANIFOLDS, _cmd_analyze, _wrote
from ._cli_checks import (Parser, UsageError, check_class, check_complex_options, check_n_points,
                          check_out, check_point_dimension, check_reproduce, layer_number,
                          load_labels_file, load_model, load_points, local_cluster, nonnegative_int,
                          one_line, positive_float, positive_int, resolutions, scales, widths)

DEBUG_ENV = "TOPODESTRUCT_DEBUG"


def _cmd_spaces(args):
    """Homology of the standard spaces and of one quotient, as a smoke test."""
    from .topology import complexes as cx
    from .topology.homology import homology, quotient_homology

    spaces = [
        ("circle S^1", cx.circle(8)),
        ("sphere S^2", cx.sphere(2)),
        ("torus T^2", cx.torus(6, 6)),
        ("Klein bottle", cx.klein_bottle(6, 6)),
        ("projective plane RP^2", cx.projective_plane()),
        ("Moebius band", cx.mobius_band()),
    ]
    width = max(len(name) for name, _ in spaces)
    for name, K in spaces:
        print(f"{name:<{width}}  {homology(K)}")
    T = cx.torus(6, 6)
    meridian = T.full_subcomplex([6 * i for i in range(6)])  # vertices (i, 0)
    print(f"{'T^2 / meridian':<{width}}  {quotient_homology(T, [meridian])}")
    return 0


def _cmd_tables(args):
    from .paper import classifying

    print(classifying.tables_report(fmt=args.format))
    return 0


def _cmd_reproduce(args):
    from . import experiments

    check_reproduce(args)
    if args.panel == "naitzat":
        return _reproduce_naitzat(args, experiments)
    from .plotting import fig2, trained

    scheduler = args.scheduler or args.cluster
    options = {k: v for k in ("data", "device") if (v := getattr(args, k)) is not None}
    runs = experiments.reproduce(args.panel, quick=args.quick, out=args.out,
                                 seed=0 if args.seed is None else args.seed,
                                 jobs=args.jobs or 1, scheduler=scheduler, **options)
    write_pngs = trained.write_pngs if args.panel in trained.PANELS else fig2.write_pngs
    pngs = write_pngs(runs, figure=args.panel if args.panel in experiments.FIGURES else None)
    files = [f for run in runs.values() for f in (run.store_path, run.summary_path)] + pngs
    _wrote(args.out, files)
    return 0


def _reproduce_naitzat(args, experiments):
    run = experiments.reproduce("naitzat", quick=args.quick, out=args.out, data=args.data,
                                dataset=args.dataset, cls=args.cls, models=args.models,
                                exact=args.exact, budget_s=args.budget, jobs=args.jobs or 1,
                                scheduler=args.scheduler or args.cluster,
                                layer_jobs=args.layer_jobs or 1)["naitzat"]
    _wrote(args.out, run["paths"].values())
    return 0


def _profile_input(args):
    """The network and the points (of ``--class``) of ``profile``, checked."""
    if (args.labels is None) != (args.cls is None):
        raise UsageError("--labels needs --class C (the class whose points to keep)"
                         if args.cls is None else
                         "--class needs --labels FILE (the labels of the points)")
    check_complex_options(args)
    check_out(args.out)
    net, info = load_model(args.model)
    X = load_points(args.points)
    check_point_dimension(X, info["widths"][0])
    if args.labels is not None:
        y = load_labels_file(args.labels, n=len(X))
        check_class(args.cls, y, f"--labels {args.labels}")
        X = X[y == args.cls]
    need, why = (args.k + 1, f"the k-NN estimate with --n-neighbors {args.k}") \
        if args.k is not None else (14, "the knn complex (13 neighbours)") \
        if args.complex == "knn" else (6, "the k-NN estimate (k calibrated from 5 up)")
    check_n_points(len(X), need, why,
                   option="--points" if args.cls is None else f"--points of class {args.cls}")
    return net, info, X


def _cmd_profile(args):
    import json
    import pathlib

    from .experiments.store import json_safe

    from .analysis.profile import profile
    from .relu.load import format_description

    net, info, X = _profile_input(args)
    prof = profile(net, X, complex=args.complex, scale=args.scale, n_neighbors=args.k,
                   exact=args.exact, budget_s=args.budget, n_jobs=args.layer_jobs or 1)
    described = f"{args.model}: {format_description(info)}"
    if args.out:   # files first: a reader that stops early (| head) does not lose them
        from .plotting.depth import plot_profile

        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "profile.json").write_text(json.dumps(json_safe(
            {"model": described, **prof.to_dict()}), indent=1))
        title = (f"{pathlib.Path(args.model).name} ({'-'.join(map(str, info['widths']))})"
                 + ("" if args.cls is None else f", class {args.cls}")
                 + f": {len(X)} points, {prof.info['complex']} complex")
        plot_profile(prof, title=title).savefig(out / "profile.png", dpi=120,
                                                bbox_inches="tight")
    if args.out:   # said before the report, whose last lines are the verdict
        _wrote(out, ["profile.json", "profile.png"], sys.stderr if args.json else None)
    if args.json:
        print(json.dumps(json_safe({"model": described, **prof.to_dict()}), indent=1))
    else:
        print(described)
        print(prof)
    return 0


# --manifold -> (builder in topology.complexes, default resolution, smallest resolution);
# every built-in manifold is built at any resolution r >= smallest (``--resolution(s)``)
def _cmd_figure(args):
    import pathlib

    from .plotting.representation import figure1

    check_out(args.out)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for key, fig in figure1(random_state=args.seed).items():
        files.append(out / f"figure1{key}.png")
        fig.savefig(files[-1], dpi=110, bbox_inches="tight")
    _wrote(out, files)
    return 0


def _debug_option(parser, default):
    parser.add_argument("--debug", action="store_true", default=default,
                        help=f"show the full traceback of an error (or set {DEBUG_ENV}=1)")


_QUICK_HELP = ("small sizes (the summary says its verdicts are not at the paper's scale); "
               "on a 2-core machine about: fig2 10 s, fig3a/fig3b 15 s (MNIST), fig3c 15 s, "
               "fig4 20 s; naitzat: the first 5 models (seconds to minutes each, --exact "
               "longer; --exact on 3-D data: the first model, one ring, the exact route "
               "within 15 s, under a minute)")


def _add_reproduce(sub):
    p = sub.add_parser("reproduce", help="reproduce a figure of the paper",
                       description="Run (or resume) the sweep behind a figure of the paper, "
                                   "write its records (.jsonl), summary (.txt/.md) and PNG to "
                                   "--out, and print where. Rerunning resumes.")
    p.add_argument("panel", choices=["fig2a", "fig2b", "fig2c", "fig2d", "fig2",
                                     "fig3a", "fig3b", "fig3c", "fig4", "naitzat"],
                   help="a panel, fig2 (all four panels of Figure 2), or naitzat (a "
                        "dataset folder's trained networks, layer by layer)")
    p.add_argument("--quick", action="store_true", help=_QUICK_HELP)
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--seed", type=nonnegative_int,
                   help="run seed: every configuration's seed derives from it (default: 0)")
    p.add_argument("--jobs", type=positive_int, help="worker processes (default: 1)")
    p.add_argument("--data", default=None,
                   help="MNIST folder for fig3a/b (default: $TOPODESTRUCT_MNIST); "
                        "naitzat: dataset folder (data/, models/)")
    p.add_argument("--device", default=None, choices=["cpu", "cuda"],
                   help="torch device for fig3/fig4 training (default: cpu)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="compute on a running Dask scheduler, e.g. tcp://host:8786 "
                            "(needs topodestruct[dask])")
    where.add_argument("--cluster", metavar="local:N", type=local_cluster,
                       help="compute on a Dask LocalCluster of N worker processes")
    p.add_argument("--dataset", help="naitzat: dataset NAME (data/NAME-test.npy)")
    p.add_argument("--class", dest="cls", type=nonnegative_int,
                   help="naitzat: class (default: more homology)")
    p.add_argument("--models", help="naitzat: glob in DIR/models (default NAME_model_*.pth)")
    p.add_argument("--exact", action="store_true",
                   help="naitzat: exact image homology at every layer, and the exact quotient; "
                        "data of dimension <= 3; one to "
                        "several minutes per model for D-I, longer for D-II (use --budget)")
    p.add_argument("--budget", type=positive_float, default=None, metavar="SECONDS",
                   help="naitzat --exact: the exact route's time per model (default: no "
                        "limit); a model past it records the layer it reached")
    _layer_jobs_option(p, "naitzat --exact: ")
    p.set_defaults(func=_cmd_reproduce)
    return p


def _exact_options(p):
    """``--exact`` / ``--no-exact`` / ``--budget`` (``--exact-image``: the old name)."""
    how = p.add_mutually_exclusive_group()
    how.add_argument("--exact", "--exact-image", dest="exact", action="store_const", const=True,
                     default=None,
                     help="the exact route at every layer, with no time limit: an error where "
                          "it cannot finish (default: within --budget, else the vertex route, "
                          "and the report says where and why; --exact-image is its old name)")
    how.add_argument("--no-exact", dest="exact", action="store_const", const=False,
                     help="the vertex route only (certified vertex ranks, vertex overlaps)")
    p.add_argument("--budget", type=positive_float, default=None, metavar="SECONDS",
                   help="seconds for the exact route (default 60 for the whole call; with "
                        "--exact: no limit)")


def _layer_jobs_option(p, which=""):
    p.add_argument("--layer-jobs", type=positive_int, default=None, metavar="N",
                   help=f"{which}layers of the exact route computed at once, in N forked "
                        "processes (default 1); the same answers, sooner with cores to spare")


def _complex_options(p, default="alpha"):
    """``--complex`` / ``--scale``: the complex built on ``--points`` (``profile``, ``analyze``).

    ``default=None`` lets :func:`_analyze_input` tell a given ``--complex``
    from the default (alpha, as in :func:`topodestruct.profile`).
    """
    p.add_argument("--complex", choices=["alpha", "knn", "rips"], default=default,
                   help="complex on the points (default: alpha)")
    p.add_argument("--scale", type=positive_float,
                   help="radius (alpha) / hops (knn) / edge length (rips) of the complex on "
                        "the points (alpha: automatic, knn: 2.5 hops, rips: required)")


def _add_analyze(sub):
    p = sub.add_parser("analyze", help="does a layer change the topology of a manifold?",
                       description="Rank the pieces of a triangulated manifold (or of a "
                                   "complex built on a point cloud, as in profile) at one "
                                   "layer of a ReLU network, predict the "
                                   "layer's homology from the low-rank regions and check it "
                                   "on the image.")
    p.add_argument("--manifold", choices=sorted(_MANIFOLDS),
                   help="triangulated input manifold: circle in R^2; sphere, torus, klein "
                        "(an immersed Klein bottle) in R^3 (default: torus)")
    p.add_argument("--widths", type=widths,
                   help="network widths m,n1,... starting with the manifold's ambient "
                        "dimension (default: 3,5,5)")
    p.add_argument("--layer", type=layer_number, default=None,
                   help="1-based (default: last hidden)")
    p.add_argument("--seed", type=nonnegative_int, default=0,
                   help="seeds the random network (--widths), the rank sketch and the "
                        "image's subsample of the estimate (default: 0)")
    p.add_argument("--init", choices=["kaiming", "normal", "uniform_negative"],
                   help="weights of the random network: kaiming (N(0, 2/fan_in), the "
                        "paper's section 3.1), normal (weights and biases N(0, 0.1)) or "
                        "uniform_negative (weights U[-1, 0], zero biases: the inhibitory "
                        "networks of section 3.2) (default: kaiming)")
    p.add_argument("--resolution", type=positive_int, default=None,
                   help="triangulation size: vertices around the circle, grid points per "
                        "circle of the torus and Klein bottle, subdivisions of each cube face "
                        "of the sphere (defaults: circle 48, torus/klein 16, sphere 6)")
    p.add_argument("--resolutions", type=resolutions, default=None, metavar="R1,R2,...",
                   help="a mesh study (td.mesh_study): the exact and stable image homology "
                        "of the --manifold triangulated at each of these resolutions "
                        "(meaning as for --resolution; every manifold accepts one: circle >= 3, "
                        "sphere >= 1, torus/klein >= 3), at --layer (default: every hidden "
                        "layer); writes mesh_study.json and mesh_study.png to --out")
    p.add_argument("--scales", type=scales, default=None, metavar="S1,S2,...",
                   help="a scale study (td.scale_study) of the --points: the exact and stable "
                        "image homology of the --complex built on them at each of these "
                        "scales (meaning as for --scale; of dimension 1 or 2, run on its pure part "
                        "where it has loose edges or points and the pure part its homology), "
                        "at --layer (default: every hidden layer); writes scale_study.json and "
                        "scale_study.png to --out")
    p.add_argument("--rank", default="ambient", choices=["ambient", "intrinsic"],
                   help="ambient: the paper's rank of Q_K W_K ... Q_1 W_1 (default); "
                        "intrinsic: the rank of the layer map restricted to each piece of the "
                        "refined complex (the exact route: not with --no-exact)")
    p.add_argument("--model", help="torch.save'd nn.Sequential (instead of --widths)")
    p.add_argument("--points", help="(N, d) .npy point cloud, instead of --manifold: every "
                                    "point (of --class) is kept and the --complex on them "
                                    "(default alpha) is analysed like a manifold; the report "
                                    "states the complex")
    _complex_options(p, default=None)
    p.add_argument("--labels", help="labels .npy of the --points (0/1 vector or one-hot rows)")
    p.add_argument("--class", dest="cls", type=nonnegative_int,
                   help="keep the --points of this class (with --labels)")
    p.add_argument("--no-estimate", "--no-image", dest="no_estimate", action="store_true",
                   help="skip the estimate (persistent homology of the image; --no-image is "
                        "its old name)")
    _exact_options(p)
    p.add_argument("--out", help="folder for representation.json and representation.png")
    p.add_argument("--json", action="store_true",
                   help="print JSON instead of the report (overlaps and components: the "
                        "first 20 and their counts)")
    p.add_argument("--full-json", action="store_true",
                   help="list every overlap and component in the JSON (can be megabytes)")
    p.set_defaults(func=_cmd_analyze)
    return p


def _add_profile(sub):
    p = sub.add_parser("profile", help="Betti numbers of a point cloud through a saved network",
                       description="Betti numbers of a point cloud (an alpha, k-NN or Rips "
                                   "complex) at every layer of a saved network: the rank "
                                   "source's prediction, the quotient by both sources, the "
                                   "exact image homology and Naitzat's estimator.")
    p.add_argument("--model", required=True, help="torch.save'd state_dict or nn.Sequential")
    p.add_argument("--points", required=True, help="(N, d) .npy points")
    p.add_argument("--labels", help="labels .npy (0/1 vector or one-hot rows)")
    p.add_argument("--class", dest="cls", type=nonnegative_int,
                   help="keep the points of this class")
    _complex_options(p)
    p.add_argument("--n-neighbors", "--k", dest="k", type=positive_int, default=None,
                   help="k-NN neighbours of the knn complex (default 13) and of the kNN "
                        "estimate (default: calibrated on the input; --k is its old name)")
    _exact_options(p)
    _layer_jobs_option(p)
    p.add_argument("--out", help="folder for profile.json and profile.png")
    p.add_argument("--json", action="store_true",
                   help="print the profile as JSON instead of the table")
    p.set_defaults(func=_cmd_profile)
    return p


def _add_figure(sub):
    from .plotting.representation import FIGURE1_SEED

    p = sub.add_parser("figure", help="paper figures as PNGs",
                       description="Draw a figure of the paper from computations that take "
                                   "seconds (no stored results needed).")
    p.add_argument("number", choices=["1"], help="the figure (1: rank decomposition of a 2-3-2 "
                                                 "network, a circle and a torus)")
    p.add_argument("--out", default="figures",
                   help="folder for figure1A.png ... figure1D.png (default: figures)")
    p.add_argument("--seed", type=nonnegative_int, default=FIGURE1_SEED,
                   help=f"seed of the random 2-3-2 network of panels A and B (default: "
                        f"{FIGURE1_SEED}, a network with all three ranks)")
    p.set_defaults(func=_cmd_figure)
    return p


def build_parser():
    parser = Parser(
        prog="topodestruct",
        description="Where does a ReLU network change the topology of its input?")
    _debug_option(parser, False)
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("spaces", help="homology of the standard spaces (default)",
                       description="Print the integer homology of the circle, the 2-sphere, "
                                   "the torus, the Klein bottle, the projective plane, the "
                                   "Moebius band and the torus modulo a meridian: a check "
                                   "that the installation computes homology correctly.")
    p.set_defaults(func=_cmd_spaces)
    subparsers = [p]

    p = sub.add_parser("tables", help="verify the paper's appendix 7.2 tables by computation",
                       description="Compute the homology of every quotient space in the "
                                   "paper's appendix 7.2 tables and compare with the printed "
                                   "entries.")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text",
                   help="output format (default: text)")
    p.set_defaults(func=_cmd_tables)
    subparsers += [p, _add_reproduce(sub), _add_analyze(sub), _add_figure(sub),
                   _add_profile(sub)]
    for p in subparsers:   # --debug after the command too; SUPPRESS keeps a global --debug
        _debug_option(p, argparse.SUPPRESS)
    return parser


def _debug_requested(argv):
    return "--debug" in argv or os.environ.get(DEBUG_ENV, "").strip().lower() not in (
        "", "0", "false", "no")


def _run(argv):
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", _cmd_spaces)
    try:
        status = func(args)
        sys.stdout.flush()  # a closed pipe shows up here or in the subcommand's print
    except BrokenPipeError:
        # the reader left (``topodestruct tables | head``): stop quietly, as Unix tools do;
        # stdout goes to devnull so that the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return status


def main(argv=None):
    """Run the command line; a user's mistake ends in one line on stderr and exit status 2.

    Errors that are not recognised as a usage mistake print their type and
    message, a hint to rerun with ``--debug``, and return 1.  With ``--debug``
    (or ``TOPODESTRUCT_DEBUG=1``) the full traceback comes first (and other
    errors propagate).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = _debug_requested(argv)
    try:
        return _run(argv)
    except UsageError as exc:
        if debug:
            traceback.print_exc()
        print(f"topodestruct: error: {one_line(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        if debug:
            raise
        print("topodestruct: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the boundary: say what happened, in short
        if debug:
            raise
        print(f"topodestruct: error: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        print(f"topodestruct: this was not recognised as a usage mistake; rerun with --debug "
              f"(or {DEBUG_ENV}=1) for the traceback, and report it if the input is valid",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
