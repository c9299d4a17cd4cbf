"""MNIST loader errors and the quick Figure 3A/B run (real data: skipped when absent).

Label counts are the published class sizes of the MNIST training and test sets.
"""
import gzip
import struct

import numpy as np
import pytest

from conftest import MNIST_DIR
from topodestruct.datasets.mnist import load_mnist
from topodestruct.experiments import mnist_training as mt
from topodestruct.plotting import trained

needs_mnist = pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
                                 reason="MNIST files not found in ../shared/data/mnist")

TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


# -- loader -------------------------------------------------------------------
@needs_mnist
@pytest.mark.parametrize("kind,counts", [("test", TEST_COUNTS), ("train", TRAIN_COUNTS)])
def test_loader_shapes_and_label_counts(kind, counts):
    X, y = load_mnist(MNIST_DIR, kind=kind)
    assert X.shape == (sum(counts), 784) and X.dtype == np.float32
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y, minlength=10).tolist() == counts
    raw, _ = load_mnist(MNIST_DIR, kind=kind, flatten=False, scale=False)
    assert raw.shape == (sum(counts), 28, 28) and raw.dtype == np.uint8


def _write(folder, name, payload, compress=True):
    path = folder / name
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def _images(n, magic=2051, body=None):
    body = bytes(n * 4) if body is None else body
    return struct.pack(">iiii", magic, n, 2, 2) + body


def _labels(n, magic=2049):
    return struct.pack(">ii", magic, n) + bytes(range(n))


def _folder(tmp_path, images, labels, compress_images=True):
    _write(tmp_path, "t10k-images-idx3-ubyte.gz", images, compress_images)
    _write(tmp_path, "t10k-labels-idx1-ubyte.gz", labels)
    return tmp_path


def test_loader_reads_hand_written_files(tmp_path):
    body = bytes(range(12))
    X, y = load_mnist(_folder(tmp_path, _images(3, body=body), _labels(3)), kind="test")
    assert X.shape == (3, 4) and y.tolist() == [0, 1, 2]
    assert X[1].tolist() == pytest.approx([4 / 255, 5 / 255, 6 / 255, 7 / 255])


@pytest.mark.parametrize("images,labels,match", [
    (_images(3, magic=2049), _labels(3), "t10k-images.*bad IDX magic number 2049"),
    (_images(3), _labels(3, magic=2051), "t10k-labels.*bad IDX magic number 2051"),
    (_images(3, body=bytes(11)), _labels(3), "t10k-images.*expected 12 bytes.*got 11"),
    (_images(3)[:10], _labels(3), "t10k-images.*truncated IDX header"),
    (_images(3), _labels(2), "has 3 images but .*t10k-labels.* has 2 labels"),
])
def test_loader_bad_files_name_the_file(tmp_path, images, labels, match):
    with pytest.raises(ValueError, match=match):
        load_mnist(_folder(tmp_path, images, labels), kind="test")


def test_loader_missing_truncated_or_uncompressed(tmp_path):
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        load_mnist(tmp_path, kind="test")
    folder = _folder(tmp_path, _images(3), _labels(3), compress_images=False)
    with pytest.raises(ValueError, match="t10k-images.*not a complete gzip"):
        load_mnist(folder, kind="test")
    whole = gzip.compress(_images(3))
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(whole[:len(whole) - 12])
    with pytest.raises(ValueError, match="t10k-images.*not a complete gzip"):
        load_mnist(tmp_path, kind="test")
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="validation")


def test_mnist_data_folder_required(monkeypatch, tmp_path):
    monkeypatch.delenv(mt.ENV_DATA, raising=False)
    with pytest.raises(ValueError, match="--data"):
        mt.run_panel("fig3a", quick=True, out=tmp_path, progress=False)


# -- quick run ----------------------------------------------------------------
# quick net 784-256-128-64-32-10 on 2000 training images; ranks of 30 test
# images and 30 noise inputs keep the rank analysis to seconds
QUICK = dict(n_rank=30, n_noise=30)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mnist")
    return out, mt.run_panel("fig3a", quick=True, out=out, data=MNIST_DIR, progress=False,
                             **QUICK)


@needs_mnist
def test_quick_mnist_beats_chance_and_writes_outputs(quick_run):
    out, records = quick_run
    assert [r["result"]["epoch"] for r in records] == [0, 1, 2]
    first, last = records[0]["result"], records[-1]["result"]
    assert first["test_accuracy"] < 0.3 < 0.6 < last["test_accuracy"]  # chance: 0.1
    assert last["test_loss"] < first["test_loss"]
    for res in (first, last):
        for kind in ("test", "noise"):
            stats = res[kind]
            assert sum(stats["rank_hist"]) == 30 and len(stats["rank_hist"]) == 33
            assert stats["uncertified"] == 0
            # rank <= codeword size at every point, so also on average
            assert stats["mean_rank"] <= stats["mean_size"] + 1e-9
    assert mt.result_paths("fig3a", out, True)["checkpoint"].is_file()
    for panel in mt.PANELS:
        text = mt.summarize(panel, records)
        assert "mean rank" in text and "Claims" in text
        trained.plot_panel(panel, records, path=out / f"{panel}.png")
        assert (out / f"{panel}.png").stat().st_size > 0
    # fig3b shares the run: nothing is recomputed
    again = mt.run_panel("fig3b", quick=True, out=out, data=MNIST_DIR, progress=False, **QUICK)
    assert again == records


@pytest.mark.slow
@needs_mnist
def test_quick_mnist_resume_gives_identical_records(quick_run, tmp_path):
    _, straight = quick_run

    class Stop(Exception):
        pass

    def stop(record):
        if record["result"]["epoch"] == 1:
            raise Stop
    with pytest.raises(Stop):
        mt.run_panel("fig3a", quick=True, out=tmp_path, data=MNIST_DIR, progress=False,
                     on_record=stop, **QUICK)
    strip = lambda r: {k: r[k] for k in ("params", "seed", "result")}  # noqa: E731
    # a shorter run is a prefix: epochs 0, 1 are stored, nothing is trained
    short = mt.run_panel("fig3a", quick=True, out=tmp_path, data=MNIST_DIR, progress=False,
                         epochs=1, **QUICK)
    assert [strip(r) for r in short] == [strip(r) for r in straight[:2]]
    resumed = mt.run_panel("fig3a", quick=True, out=tmp_path, data=MNIST_DIR, progress=False,
                           **QUICK)
    assert [strip(r) for r in resumed] == [strip(r) for r in straight]
