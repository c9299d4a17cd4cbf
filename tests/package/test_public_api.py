"""Public modules show only their API; lazy submodules load; the CLI survives a closed pipe; MNIST path rules."""
import subprocess
import sys
import types

import pytest

import topodestruct as td
from conftest import MNIST_DIR, ROOT

# short public names of the topology, algebra, paper and datasets modules (issue 15, item 12)
PUBLIC_MODULES = ["complexes", "cubical", "chains", "linalg", "classifying", "mnist"]


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_public_modules_show_only_their_api(name):
    module = getattr(td, name)
    shown = dir(module)
    assert sorted(shown) == sorted(module.__all__)
    for helper in ("np", "sp", "itertools", "csgraph", "os", "gzip"):
        assert helper not in shown
    for public in module.__all__:  # every advertised name exists and is not a module
        assert not isinstance(getattr(module, public), types.ModuleType), public


def test_mnist_is_a_lazy_submodule():
    assert callable(td.mnist.load_mnist)
    assert "mnist" in dir(td)


def test_load_mnist_without_path_names_the_environment_variable(monkeypatch):
    monkeypatch.delenv("TOPODESTRUCT_MNIST", raising=False)
    with pytest.raises(ValueError, match="TOPODESTRUCT_MNIST"):
        td.mnist.load_mnist()


def test_load_mnist_reads_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("TOPODESTRUCT_MNIST", str(tmp_path))   # a folder without the files
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        td.mnist.load_mnist()
    if not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"shared MNIST data not found in {MNIST_DIR}")
    monkeypatch.setenv("TOPODESTRUCT_MNIST", str(MNIST_DIR))
    X, y = td.mnist.load_mnist(kind="test")
    assert X.shape == (10000, 784) and y.shape == (10000,)


@pytest.mark.parametrize("argv", [["tables", "--format", "json"], ["spaces"]])
def test_cli_closed_pipe_is_quiet(argv):
    """``topodestruct tables --format json | head`` must not end in a BrokenPipeError traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "topodestruct", *argv], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()   # the reader leaves before anything is written, like `head` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "BrokenPipeError" not in err and "Traceback" not in err, err
    assert proc.returncode == 1
