"""Minimal loader for the original MNIST IDX files (gzip-compressed).

The package never hard-codes where the data lives: pass the folder holding
``train-images-idx3-ubyte.gz`` etc., or set the environment variable
``TOPODESTRUCT_MNIST`` to it (in this project's layout the folder is
``<repository>/../shared/data/mnist``, which the tests use too).

Examples
--------
>>> from topodestruct.datasets.mnist import load_mnist
>>> X, y = load_mnist("path/to/mnist", kind="test")    # doctest: +SKIP
>>> X.shape, X.dtype, y.shape                            # doctest: +SKIP
((10000, 784), dtype('float32'), (10000,))
"""
import gzip
import os
from pathlib import Path

import numpy as np

__all__ = ["load_mnist"]

ENV_VAR = "TOPODESTRUCT_MNIST"

_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
          "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}


def _read_idx(path, magic, ndim):
    """The array of an IDX file; ValueError naming the file if it is not a complete one."""
    try:
        with gzip.open(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:  # not gzip, or a truncated gzip stream
        raise ValueError(f"{path}: not a complete gzip-compressed IDX file ({exc})") from None
    if len(data) < 4 * (1 + ndim):
        raise ValueError(f"{path}: truncated IDX header ({len(data)} bytes, expected "
                         f"{4 * (1 + ndim)})")
    head = np.frombuffer(data, dtype=">i4", count=1 + ndim)
    if head[0] != magic:
        raise ValueError(f"{path}: bad IDX magic number {head[0]} (expected {magic})")
    shape = tuple(int(d) for d in head[1:])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 * (1 + ndim))
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: truncated or oversized IDX data: expected "
                         f"{int(np.prod(shape))} bytes for shape {shape}, got {body.size}")
    return body.reshape(shape)


def load_mnist(path=None, kind="test", flatten=True, scale=True):
    """Load MNIST images and labels from the IDX ``.gz`` files in ``path``.

    Parameters
    ----------
    path : str or Path, optional
        Folder containing the four original files. Default: the folder named
        by the environment variable ``TOPODESTRUCT_MNIST``.
    kind : {"test", "train"}
    flatten : bool
        Return images as (N, 784) rather than (N, 28, 28).
    scale : bool
        Float32 in [0, 1] if True, else the raw uint8 values.

    Returns
    -------
    images : ndarray
    labels : (N,) uint8 ndarray
    """
    if kind not in _FILES:
        raise ValueError(f"kind must be 'test' or 'train', got {kind!r}")
    if path is None:
        path = os.environ.get(ENV_VAR)
        if not path:
            raise ValueError(f"no MNIST folder given: pass load_mnist(path=...) or set the "
                             f"environment variable {ENV_VAR} to the folder holding the "
                             f"IDX .gz files")
    folder = Path(path)
    img_name, lab_name = _FILES[kind]
    for name in (img_name, lab_name):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"MNIST file {name} not found in {folder}")
    images = _read_idx(folder / img_name, 2051, 3)
    labels = _read_idx(folder / lab_name, 2049, 1)
    if len(images) != len(labels):
        raise ValueError(f"{folder / img_name} has {len(images)} images but "
                         f"{folder / lab_name} has {len(labels)} labels")
    if flatten:
        images = images.reshape(len(images), -1)
    if scale:
        images = images.astype(np.float32) / 255.0
    return images, labels


def __dir__():  # dir() shows the public names only
    return __all__
