"""Shared test fixtures and helpers."""
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MNIST_DIR = SHARED / "data" / "mnist"

# tests/ mirrors the package, one folder per layer (tests/package: the whole package).  Test
# basenames are unique, so a test may import a helper from a test module in another folder by
# its basename (``from test_naitzat import _tiny_folder``): every folder is on sys.path.
for _folder in sorted(pathlib.Path(__file__).resolve().parent.iterdir()):
    if _folder.is_dir() and not _folder.name.startswith((".", "_")) and str(_folder) not in sys.path:
        sys.path.append(str(_folder))

# Keep BLAS/torch from oversubscribing the 2-core CI machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# Subprocesses (CLI runs, notebook kernels) must import this checkout's package, installed or not.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
