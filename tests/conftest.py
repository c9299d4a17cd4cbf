"""Shared test fixtures and helpers."""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MNIST_DIR = SHARED / "data" / "mnist"

# Keep BLAS/torch from oversubscribing the 2-core CI machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# Notebook kernels must import this checkout's package, installed or not.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)


def execute_notebook(path, timeout=600, cwd=None):
    """Execute a notebook top to bottom with nbclient; raise on the first failing cell."""
    import nbformat
    from nbclient import NotebookClient

    path = pathlib.Path(path)
    nb = nbformat.read(path, as_version=4)
    env_cwd = str(cwd or path.parent)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": env_cwd}})
    client.execute()
    return nb


@pytest.fixture
def run_notebook():
    return execute_notebook
