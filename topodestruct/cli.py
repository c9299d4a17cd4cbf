"""Command-line interface: ``topodestruct [spaces|tables|reproduce|analyze|profile|figure] ...``.

The CLI only parses arguments and prints; every computation lives in the
library modules so that it is equally reachable from Python.
"""
import argparse
import os
import sys


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
    import pathlib

    from . import experiments

    if args.panel == "naitzat":
        return _reproduce_naitzat(args, experiments)
    from .plotting import fig2, trained

    scheduler = args.scheduler or args.cluster
    options = {k: v for k in ("data", "device") if (v := getattr(args, k)) is not None}
    runs = experiments.reproduce(args.panel, quick=args.quick, out=args.out,
                                 seed=args.seed, jobs=args.jobs, scheduler=scheduler, **options)
    write_pngs = trained.write_pngs if args.panel in trained.PANELS else fig2.write_pngs
    pngs = write_pngs(runs, figure=args.panel if args.panel in experiments.FIGURES else None)
    files = [f for run in runs.values() for f in (run.store_path, run.summary_path)] + pngs
    print(f"files written to {pathlib.Path(args.out).resolve()}: "
          + ", ".join(pathlib.Path(f).name for f in files))
    return 0


def _reproduce_naitzat(args, experiments):
    if not (args.data and args.dataset):
        raise SystemExit("reproduce naitzat needs --data DIR and --dataset NAME")
    experiments.reproduce("naitzat", quick=args.quick, out=args.out, data=args.data,
                          dataset=args.dataset, cls=args.cls, models=args.models,
                          exact=args.exact)
    return 0


def _cmd_profile(args):
    import json
    import pathlib

    import numpy as np

    from .analysis.profile import profile
    from .datasets.naitzat import load_labels
    from .relu.load import format_description, load_network

    net, info = load_network(args.model)
    X = np.load(args.points, allow_pickle=False)
    if args.labels is not None or args.cls is not None:
        if args.labels is None or args.cls is None:
            raise SystemExit("--labels and --class go together")
        y = load_labels(np.load(args.labels, allow_pickle=False), n=len(X), name=args.labels)
        X = X[y == args.cls]
        if not len(X):
            raise SystemExit(f"no point has class {args.cls}")
    prof = profile(net, X, complex=args.complex, scale=args.scale, k=args.k)
    described = f"{args.model}: {format_description(info)}"
    if args.json:
        print(json.dumps({"model": described, **prof.to_dict()}, indent=1))
    else:
        print(described)
        print(prof)
    if args.out:
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "profile.json").write_text(json.dumps({"model": described, **prof.to_dict()},
                                                     indent=1))
        prof.plot().savefig(out / "profile.png", dpi=120, bbox_inches="tight")
    return 0


def _local_cluster(value):
    n = value.split(":", 1)[1] if value.startswith("local:") else ""
    if not n.isdigit() or int(n) < 1:
        raise argparse.ArgumentTypeError(f"expected local:N with N >= 1 workers, got {value!r}")
    return value


_MANIFOLDS = {"circle": ("circle", 48), "sphere": ("cube_sphere", 6), "torus": ("torus", 16),
              "klein": ("klein_bottle", 16)}


def _cmd_analyze(args):
    """td.analyze from the command line: report, JSON, pictures."""
    import json
    import pathlib

    import numpy as np

    from .analysis.represent import analyze
    from .relu.networks import mlp
    from .topology import complexes as cx

    if args.model:
        import torch
        net = torch.load(args.model, weights_only=False)
    else:
        widths = [int(w) for w in args.widths.split(",")]
        net = mlp(widths, init=args.init, random_state=args.seed)
    if args.points:
        K = np.load(args.points)
    else:
        builder, res = _MANIFOLDS[args.manifold]
        res = args.resolution or res
        K = getattr(cx, builder)(res) if builder != "torus" and builder != "klein_bottle" \
            else getattr(cx, builder)(res, res)
    rep = analyze(net, K, layer=args.layer, rank=args.rank, image=not args.no_image,
                  random_state=args.seed, exact_image=args.exact_image)
    print(json.dumps(rep.to_dict(), indent=1) if args.json else rep)
    if args.out:
        from .plotting.representation import plot_representation
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "representation.json").write_text(json.dumps(rep.to_dict(), indent=1))
        if rep.complex is not None:
            plot_representation(rep).savefig(out / "representation.png", dpi=110)
    return 0


def _cmd_figure(args):
    import pathlib

    from .plotting.representation import figure1

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for key, fig in figure1(random_state=args.seed).items():
        path = out / f"figure1{key}.png"
        fig.savefig(path, dpi=110, bbox_inches="tight")
        print(path)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="topodestruct",
        description="Where does a ReLU network change the topology of its input?")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("spaces", help="homology of the standard spaces (default)")
    p.set_defaults(func=_cmd_spaces)

    p = sub.add_parser("tables", help="verify the paper's appendix 7.2 tables by computation")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text")
    p.set_defaults(func=_cmd_tables)

    p = sub.add_parser("reproduce", help="reproduce a figure of the paper")
    p.add_argument("panel", choices=["fig2a", "fig2b", "fig2c", "fig2d", "fig2",
                                     "fig3a", "fig3b", "fig3c", "fig4", "naitzat"])
    p.add_argument("--quick", action="store_true", help="small sweep, well under a minute")
    p.add_argument("--out", default="results", help="output folder (default: results)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default: 1)")
    p.add_argument("--data", default=None,
                   help="MNIST folder for fig3a/b (default: $TOPODESTRUCT_MNIST); "
                        "naitzat: dataset folder (data/, models/)")
    p.add_argument("--device", default=None, choices=["cpu", "cuda"],
                   help="torch device for fig3/fig4 training (default: cpu)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="compute on a running Dask scheduler, e.g. tcp://host:8786 "
                            "(needs topodestruct[dask])")
    where.add_argument("--cluster", metavar="local:N", type=_local_cluster,
                       help="compute on a Dask LocalCluster of N worker processes")
    p.add_argument("--dataset", help="naitzat: dataset NAME (data/NAME-test.npy)")
    p.add_argument("--class", dest="cls", type=int, help="naitzat: class (default: more homology)")
    p.add_argument("--models", help="naitzat: glob in DIR/models (default NAME_model_*.pth)")
    p.add_argument("--exact", action="store_true",
                   help="naitzat: exact image homology and quotient at every layer (2-D data; "
                        "about a minute per model for D-I)")
    p.set_defaults(func=_cmd_reproduce)

    p = sub.add_parser("analyze", help="does a layer change the topology of a manifold?")
    p.add_argument("--manifold", choices=sorted(_MANIFOLDS), default="torus")
    p.add_argument("--widths", default="3,5,5", help="network widths m,n1,...")
    p.add_argument("--layer", type=int, default=None, help="1-based (default: last hidden)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", default="kaiming", choices=["kaiming", "normal", "uniform_negative"])
    p.add_argument("--resolution", type=int, default=None, help="triangulation size")
    p.add_argument("--rank", default="ambient", choices=["ambient", "intrinsic"])
    p.add_argument("--model", help="torch.save'd nn.Sequential (instead of --widths)")
    p.add_argument("--points", help=".npy point cloud (instead of --manifold)")
    p.add_argument("--no-image", action="store_true", help="skip persistent homology")
    p.add_argument("--exact-image", action="store_true",
                   help="exact image homology and quotient by both sources (dimension <= 2)")
    p.add_argument("--out", help="folder for representation.json and representation.png")
    p.add_argument("--json", action="store_true", help="print JSON instead of the report")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser("figure", help="paper figures as PNGs")
    p.add_argument("number", choices=["1"])
    p.add_argument("--out", default="figures")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=_cmd_figure)

    p = sub.add_parser("profile", help="Betti numbers of a point cloud through a saved network")
    p.add_argument("--model", required=True, help="torch.save'd state_dict or nn.Sequential")
    p.add_argument("--points", required=True, help="(N, d) .npy points")
    p.add_argument("--labels", help="labels .npy (0/1 vector or one-hot rows)")
    p.add_argument("--class", dest="cls", type=int, help="keep the points of this class")
    p.add_argument("--complex", choices=["alpha", "knn", "rips"], default="alpha")
    p.add_argument("--scale", type=float, help="radius / hops / edge length (alpha: automatic)")
    p.add_argument("--k", type=int, default=13, help="k-NN neighbours (default 13)")
    p.add_argument("--out", help="folder for profile.json and profile.png")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_profile)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
