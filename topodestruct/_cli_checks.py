"""Checks for the command line: turn a user's mistake into one line ``topodestruct: error: ...``.

:mod:`topodestruct.cli` parses with :class:`Parser` (whose errors are
:class:`UsageError`), converts option values with the ``argparse`` types
below, and loads the user's files with :func:`load_model`,
:func:`load_points` and :func:`load_labels_file`, which check what the
library would otherwise reject deep inside a computation (with a traceback).
Every check raises :class:`UsageError` with a message that says what is wrong
and what to do; ``main`` prints it as one line and exits with status 2.
"""
import argparse
import math
import os

import numpy as np

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
SUPPORTED_MODULES = ("a model must be an nn.Sequential of Linear and ReLU modules (Dropout, "
                     "Flatten, Identity and BatchNorm1d right after a Linear are accepted too), "
                     "or the state_dict of such a network")


class UsageError(Exception):
    """A mistake in the command line or in its input files (reported as one line, exit 2)."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are :class:`UsageError` (one line, not the usage)."""

    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def one_line(text):
    """``text`` with its whitespace runs (newlines included) made single spaces."""
    return " ".join(str(text).split())


# -- argparse types --------------------------------------------------------------------------
def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def positive_int(text):
    """An integer >= 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def nonnegative_int(text):
    """An integer >= 0 (seeds)."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def layer_number(text):
    """A 1-based layer number."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a layer number (1 = the first Linear), "
                                         f"got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"layers are numbered from 1 (the first Linear), "
                                         f"got {value}")
    return value


def positive_float(text):
    """A finite number > 0 (scales)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return value


def widths(text):
    """Comma-separated positive integers, at least two (``3,5,5``)."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers such as "
                                         f"3,5,5 (inputs, then each layer's width), got {text!r}")
    if len(parts) < 2:
        raise argparse.ArgumentTypeError(f"expected the input width and at least one layer's "
                                         f"width, such as 3,5,5, got {text!r}")
    return [int(p) for p in parts]


def resolutions(text):
    """Comma-separated distinct positive integers (``8,12,16``), returned in increasing order."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers such as "
                                         f"8,12,16 (one triangulation per resolution), got "
                                         f"{text!r}")
    values = [int(p) for p in parts]
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"a resolution is listed twice in {text!r}: list each "
                                         "once")
    return sorted(values)


def scales(text):
    """Comma-separated distinct positive numbers (``0.1,0.2,0.3``), returned in increasing order."""
    try:
        values = [float(p) for p in text.split(",")]
    except ValueError:
        values = None
    if values is None or not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive numbers such as "
                                         f"0.1,0.2,0.3 (one complex per scale), got {text!r}")
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"a scale is listed twice in {text!r}: list each once")
    return sorted(values)


def local_cluster(text):
    """``local:N`` with N >= 1 workers."""
    n = text.split(":", 1)[1] if text.startswith("local:") else ""
    if not n.isdigit() or int(n) < 1:
        raise argparse.ArgumentTypeError(f"expected local:N with N >= 1 workers, got {text!r}")
    return text


# -- options and folders ---------------------------------------------------------------------
def check_out(path, option="--out"):
    """An output folder: missing (created later) or a folder, not an existing file."""
    if path is not None and os.path.exists(path) and not os.path.isdir(path):
        raise UsageError(f"{option} {path} is an existing file, not a folder: name a folder "
                         "(it is created if missing)")


def reject_options(args, options, why):
    """UsageError naming the given ``options`` (``{"--flag": dest}``) that do not apply."""
    given = [flag for flag, dest in options.items()
             if getattr(args, dest, None) not in (None, False)]
    if given:
        verb = "does" if len(given) == 1 else "do"
        raise UsageError(f"{', '.join(given)} {verb} not apply {why}: leave "
                         f"{'it' if len(given) == 1 else 'them'} out")


def check_device(device):
    """``cuda`` only where torch sees a CUDA device."""
    if device == "cuda":
        import torch
        if not torch.cuda.is_available():
            raise UsageError(f"--device cuda: CUDA is not available here (torch "
                             f"{torch.__version__}): use --device cpu or leave --device out")


def check_folder(path, option, what):
    if not os.path.exists(path):
        raise UsageError(f"{option} {path}: no such folder ({what})")
    if not os.path.isdir(path):
        raise UsageError(f"{option} {path} is a file, not a folder ({what})")


# -- input files -----------------------------------------------------------------------------
def _check_file(path, option, what):
    if not os.path.exists(path):
        raise UsageError(f"{option} {path}: no such file (expected {what})")
    if os.path.isdir(path):
        raise UsageError(f"{option} {path} is a folder, not a file (expected {what})")
    try:
        with open(path, "rb") as fh:
            return fh.read(8)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot read it ({exc.strerror})") from exc


def load_model(path, option="--model"):
    """``(net, info)`` of a saved network: a :class:`~topodestruct.relu.network.Network`,
    read and converted once by the package's loader (:func:`topodestruct.load_network`,
    :func:`topodestruct.relu.load.read_saved`), and what was inferred.

    The checks here only say in one line what the loader refuses: the file's own
    problems (missing, a folder, a ``.npy``, a truncated archive) before it runs,
    the loader's exceptions after.
    """
    import zipfile

    from .relu.load import SavedModelError
    from .relu.network import load_network

    head = _check_file(path, option, "a model written by torch.save")
    if head.startswith(NPY_MAGIC):
        raise UsageError(f"{option} {path} is a NumPy array (.npy), not a model: pass the file "
                         "written by torch.save(net, PATH) or torch.save(net.state_dict(), PATH)")
    if head.startswith(ZIP_MAGIC) and not zipfile.is_zipfile(path):
        raise UsageError(f"{option} {path} is truncated or corrupted (an incomplete torch.save "
                         "archive): save the model again")
    try:
        net = load_network(path)
    except SavedModelError as exc:
        if exc.refused is not None:
            raise UsageError(f"{option} {path}: unsupported module {exc.refused}: "
                             f"{SUPPORTED_MODULES}") from exc
        raise UsageError(f"{option} {path} is not a model written by torch.save: "
                         f"{SUPPORTED_MODULES}") from exc
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{option} {path}: {exc}") from exc
    return net, net.info


def _load_npy(path, option, what):
    head = _check_file(path, option, what)
    if not head.startswith(NPY_MAGIC):
        base = os.path.basename(path)
        raise UsageError(f"{option} {path} is not a .npy file (NumPy's format, written by "
                         f"numpy.save); a CSV converts with numpy.save('{os.path.splitext(base)[0]}"
                         f".npy', numpy.loadtxt('{base}', delimiter=','))")
    try:
        A = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise UsageError(f"{option} {path} holds Python objects, not numbers: save a numeric "
                         "array") from exc
    except (OSError, EOFError) as exc:
        raise UsageError(f"{option} {path} is truncated or not a readable .npy file") from exc
    if not (np.issubdtype(A.dtype, np.number) or A.dtype == bool):
        raise UsageError(f"{option} {path} holds {A.dtype} values, not numbers")
    return A


def load_points(path, option="--points"):
    """A finite ``(N, d)`` float64 array with N >= 1 and d >= 1 from a ``.npy`` file."""
    X = _load_npy(path, option, "an (N, d) .npy point cloud")
    if X.ndim != 2:
        hint = " (one point per row: reshape it to (N, d))" if X.ndim < 2 else ""
        raise UsageError(f"{option} {path}: expected an (N, d) array of N points in d dimensions, "
                         f"got shape {X.shape}{hint}")
    if X.shape[0] == 0:
        raise UsageError(f"{option} {path} holds no points (shape {X.shape})")
    if X.shape[1] == 0:
        raise UsageError(f"{option} {path}: the points have no coordinates (shape {X.shape})")
    X = X.astype(np.float64)
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        raise UsageError(f"{option} {path}: {int(bad.sum())} point(s) contain NaN or inf (first: "
                         f"row {int(np.argmax(bad))}): remove or fix them")
    return X


def check_point_dimension(X, m, option="--points"):
    """The points' dimension is the network's input width ``m``."""
    if X.shape[1] != m:
        raise UsageError(f"{option}: the points have {X.shape[1]} coordinates but the network "
                         f"expects {m} inputs: pass points of dimension {m} or another model")


def check_n_points(n, minimum, why, option="--points"):
    if n < minimum:
        raise UsageError(f"{option}: {n} point(s), but {why} needs at least {minimum}")


def load_labels_file(path, n, option="--labels"):
    """Integer labels of ``n`` points (0/1 or integer vector, or one-hot rows)."""
    from .datasets.naitzat import load_labels

    y = _load_npy(path, option, "a .npy label vector")
    try:
        return load_labels(y, n=n, name=f"{option} {path}")
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from exc


def check_class(cls, y, where, option="--class"):
    classes = sorted(set(y.tolist()))
    if cls not in classes:
        raise UsageError(f"{option} {cls} does not occur in {where} (classes present: "
                         f"{', '.join(map(str, classes))})")


def check_layer(net, layer, option="--layer"):
    """``net.check_layer(layer)`` (:meth:`topodestruct.Network.check_layer`: ``None`` is the
    last hidden layer), its refusal said as a usage mistake."""
    try:
        return net.check_layer(layer)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{option} {layer} is out of range: this network has {net.n_layers} "
                         f"layer(s), numbered 1..{net.n_layers}") from exc


# -- reproduce -------------------------------------------------------------------------------
_REPRODUCE_OPTIONS = {"--seed": "seed", "--jobs": "jobs", "--data": "data", "--device": "device",
                      "--scheduler": "scheduler", "--cluster": "cluster", "--dataset": "dataset",
                      "--class": "cls", "--models": "models", "--exact": "exact",
                      "--budget": "budget", "--layer-jobs": "layer_jobs"}
_FIG2 = {"--seed", "--jobs", "--scheduler", "--cluster"}
_REPRODUCE_APPLIES = {
    **{p: _FIG2 for p in ("fig2", "fig2a", "fig2b", "fig2c", "fig2d")},
    "fig3a": {"--seed", "--data", "--device"}, "fig3b": {"--seed", "--data", "--device"},
    "fig3c": _FIG2 | {"--device"}, "fig4": _FIG2 | {"--device"},
    "naitzat": _FIG2 - {"--seed"} | {"--data", "--dataset", "--class", "--models", "--exact",
                                     "--budget", "--layer-jobs"},
}
_WHY_NOT = {"fig3a": " (one sequential training run)", "fig3b": " (one sequential training run)"}


def check_reproduce(args):
    """Options that apply to the panel, the device, and the panel's data."""
    applies = _REPRODUCE_APPLIES[args.panel]
    reject_options(args, {f: d for f, d in _REPRODUCE_OPTIONS.items() if f not in applies},
                   f"to reproduce {args.panel}{_WHY_NOT.get(args.panel, '')}")
    check_out(args.out)
    check_device(args.device)
    if args.panel in ("fig3a", "fig3b"):
        check_mnist(args.data, args.panel)
    elif args.panel == "naitzat":
        check_naitzat(args)


def check_mnist(data, panel="fig3a"):
    """The MNIST folder of fig3a/b: given (or in the environment) and holding the IDX files."""
    from .datasets.mnist import _FILES
    from .experiments.mnist_training import ENV_DATA

    option = "--data"
    if data is None:
        data, option = os.environ.get(ENV_DATA) or None, f"${ENV_DATA}"
    if data is None:
        raise UsageError(f"reproduce {panel} needs the MNIST folder: pass --data DIR (the "
                         f"folder holding the four IDX .gz files) or set {ENV_DATA}")
    check_folder(data, option, "the MNIST folder")
    names = [name for pair in _FILES.values() for name in pair]
    missing = [name for name in names if not os.path.isfile(os.path.join(data, name))]
    if missing:
        raise UsageError(f"{option} {data} is not an MNIST folder: missing {', '.join(missing)} "
                         "(pass the folder holding the four IDX .gz files)")


def check_naitzat(args):
    """``reproduce naitzat``: the folder, the dataset, its class and models, ``--exact``."""
    from .datasets.naitzat import dataset_names, load_points, model_paths

    if not (args.data and args.dataset):
        raise UsageError("reproduce naitzat needs --data DIR (a folder with data/ and models/) "
                         "and --dataset NAME (data/NAME-test.npy)")
    layout = "DIR/data/NAME-test.npy, DIR/data/NAME-test-labels.npy, DIR/models/*.pth"
    check_folder(args.data, "--data", f"a dataset folder: {layout}")
    data = os.path.join(args.data, "data")
    names = dataset_names(args.data) if os.path.isdir(data) else []
    if not names:
        raise UsageError(f"--data {args.data} holds no dataset: expected {layout}")
    if args.dataset not in names:
        raise UsageError(f"unknown dataset {args.dataset!r} in {data}: choose --dataset from "
                         f"{', '.join(names)}")
    try:
        X, y = load_points(args.data, args.dataset, "test")
        paths = model_paths(args.data, args.dataset, args.models)
    except (ValueError, TypeError, OSError) as exc:
        if args.models is not None and "no model matches" in str(exc):
            raise UsageError(f"--models {args.models!r} matches no file in "
                             f"{os.path.join(args.data, 'models')}") from exc
        raise UsageError(f"--data {args.data}: {exc}") from exc
    if args.exact and X.shape[1] > 3:
        raise UsageError(f"--exact needs data of dimension <= 3 (the exact route refines "
                         f"complexes of dimension <= 3), but {args.dataset} is "
                         f"{X.shape[1]}-D: leave --exact out")
    if args.budget is not None and not args.exact:
        raise UsageError("--budget is the exact route's time per model: give --exact too")
    if args.layer_jobs is not None and not args.exact:
        raise UsageError("--layer-jobs runs the exact route's layers at once: give --exact too")
    if args.cls is not None:
        check_class(args.cls, y, f"the labels of {args.dataset}")
    return paths


def check_complex_options(args):
    """A Rips complex has no automatic scale."""
    if args.complex == "rips" and args.scale is None:
        raise UsageError("--complex rips needs --scale (the longest edge of the Rips complex)")
