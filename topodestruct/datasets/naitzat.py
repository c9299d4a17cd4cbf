"""Loader for dataset folders laid out like the Naitzat data: points, labels and saved models.

A dataset folder ``DIR`` holds::

    DIR/data/NAME-train.npy          (N, d) float points
    DIR/data/NAME-train-labels.npy   (N,) integer/0-1 labels or (N, C) one-hot rows
    DIR/data/NAME-test.npy, DIR/data/NAME-test-labels.npy
    DIR/models/NAME_model_*.pth      torch-saved networks (state_dicts or Sequentials)

as the D-I / D-II data of Naitzat, Zhitnikov & Lim (JMLR 2020) in the
subsamples of Beshkov's QuotientHomology repository.  The package never
hard-codes where the folder lives: pass it.

Examples
--------
>>> from topodestruct.datasets.naitzat import load_points, model_paths
>>> X, y = load_points("path/to/naitzat", "D-I", split="test")   # doctest: +SKIP
>>> X.shape, sorted(set(y.tolist()))                             # doctest: +SKIP
((2200, 2), [0, 1])
"""
import glob
import os
import re
from pathlib import Path

import numpy as np

__all__ = ["load_points", "load_labels", "model_paths", "dataset_names"]

_SPLITS = ("train", "test")


def _folder(directory):
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a path, got {type(directory).__name__}")
    root = Path(directory)
    if not root.is_dir():
        raise FileNotFoundError(f"dataset folder {str(root)!r} does not exist")
    return root


def _load(path, what):
    if not path.is_file():
        raise FileNotFoundError(f"missing {what} file {str(path)!r} (expected layout: "
                                "DIR/data/NAME-{train,test}[-labels].npy)")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path}: not a readable .npy array ({exc})") from None


def load_labels(labels, n=None, name="labels"):
    """Integer class labels from a 0/1 (or integer) vector or from one-hot rows.

    Parameters
    ----------
    labels : array_like
        ``(N,)`` integer-valued labels, or ``(N, C)`` rows with exactly one 1.
    n : int, optional
        Expected number of labels.
    name : str
        Used in error messages (e.g. the file name).

    Returns
    -------
    (N,) int64 array

    Examples
    --------
    >>> load_labels([[1, 0], [0, 1.0]]).tolist(), load_labels([0.0, 1.0, 1.0]).tolist()
    ([0, 1], [0, 1, 1])
    """
    y = np.asarray(labels)
    if y.dtype == object or not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise TypeError(f"{name}: labels must be numeric, got dtype {y.dtype}")
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        raise ValueError(f"{name}: labels contain NaN or inf")
    if y.ndim == 2:
        if not (np.isin(y, (0.0, 1.0)).all() and (y.sum(1) == 1).all()):
            raise ValueError(f"{name}: 2-D labels must be one-hot rows (one 1, zeros elsewhere)")
        y = y.argmax(1).astype(np.float64)
    elif y.ndim != 1:
        raise ValueError(f"{name}: labels must have shape (N,) or (N, C), got {y.shape}")
    if (y != np.round(y)).any() or (y < 0).any():
        raise ValueError(f"{name}: labels must be non-negative integers (or one-hot rows)")
    if n is not None and len(y) != n:
        raise ValueError(f"{name}: {len(y)} labels for {n} points")
    return y.astype(np.int64)


def load_points(directory, name, split="test"):
    """Points and integer labels of one split of a dataset folder.

    Parameters
    ----------
    directory : str or os.PathLike
        Folder with ``data/`` (and ``models/``) as in the module docstring.
    name : str
        Dataset name, e.g. ``"D-I"``.
    split : {"train", "test"}

    Returns
    -------
    X : (N, d) float64 array
    y : (N,) int64 array
    """
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, got {split!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"dataset name must be a non-empty string, got {name!r}")
    data = _folder(directory) / "data"
    pts, lab = data / f"{name}-{split}.npy", data / f"{name}-{split}-labels.npy"
    X = _load(pts, "points")
    if X.ndim != 2 or 0 in X.shape or not np.issubdtype(X.dtype, np.number):
        raise ValueError(f"{pts}: points must be a non-empty numeric (N, d) array, got shape "
                         f"{X.shape} and dtype {X.dtype}")
    X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"{pts}: points contain NaN or inf")
    y = load_labels(_load(lab, "labels"), n=len(X), name=str(lab))
    return X, y


def model_paths(directory, name, pattern=None):
    """Saved models of a dataset folder, in natural order (model_2 before model_10).

    Parameters
    ----------
    directory : str or os.PathLike
    name : str
        Dataset name; the default pattern is ``"NAME_model_*.pth"``.
    pattern : str, optional
        Glob relative to ``DIR/models`` (e.g. ``"D-II-2_model_*.pth"``).

    Returns
    -------
    list of pathlib.Path
    """
    models = _folder(directory) / "models"
    if not models.is_dir():
        raise FileNotFoundError(f"missing models folder {str(models)!r}")
    pattern = pattern or f"{glob.escape(name)}_model_*.pth"
    paths = [Path(p) for p in glob.glob(str(models / pattern))]
    if not paths:
        raise FileNotFoundError(f"no model matches {str(models / pattern)!r}")
    return sorted(paths, key=lambda p: [int(t) if t.isdigit() else t
                                        for t in re.split(r"(\d+)", p.name)])


def dataset_names(directory):
    """Names ``NAME`` with both ``data/NAME-test.npy`` and its labels in a folder."""
    data = _folder(directory) / "data"
    names = [p.name[:-len("-test.npy")] for p in data.glob("*-test.npy")]
    return sorted(n for n in names if (data / f"{n}-test-labels.npy").is_file())
