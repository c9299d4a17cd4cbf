"""Network builders: shapes, distributions and the analytic structure of §3.2."""
import numpy as np
import pytest
import torch

import topodestruct as td
from topodestruct import networks


def test_mlp_structure_and_reproducibility():
    net = networks.mlp([4, 6, 3], random_state=7)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU"]
    shapes = [tuple(m.weight.shape) for m in net if isinstance(m, torch.nn.Linear)]
    assert shapes == [(6, 4), (3, 6)]
    again = networks.mlp([4, 6, 3], random_state=7)
    for a, b in zip(networks.to_weights(net), networks.to_weights(again)):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    other = networks.mlp([4, 6, 3], random_state=8)
    assert not np.array_equal(networks.to_weights(other)[0][0], networks.to_weights(net)[0][0])


def test_kaiming_scale():
    # Kaiming-normal for ReLU: std sqrt(2 / fan_in); 200*400 samples pin it to ~1%.
    W = networks.to_weights(networks.mlp([400, 200], random_state=0))[0][0]
    assert abs(W.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
    assert abs(W.mean()) < 0.005


def test_normal_mean_shift_and_uniform_negative():
    W, b = networks.to_weights(networks.mlp([300, 300], init="normal", mean=0.5, std=0.1,
                                            random_state=1))[0]
    assert abs(W.mean() - 0.5) < 0.005 and abs(W.std() - 0.1) < 0.005
    W, b = networks.to_weights(networks.mlp([50, 60, 70], init="uniform_negative",
                                            random_state=2))[1]
    assert W.max() <= 0 and W.min() >= -1 and not b.any()
    W, b = networks.to_weights(networks.mlp([5, 5], bias=False, random_state=3))[0]
    assert not b.any()


def test_rank_selection_matrix_eq10():
    R = networks.rank_selection_matrix(2, 5)
    np.testing.assert_array_equal(np.diag(R), [1, 1, -1, -1, -1])
    assert np.count_nonzero(R - np.diag(np.diag(R))) == 0
    np.testing.assert_array_equal(networks.rank_selection_matrix(0, 2), -np.eye(2))
    with pytest.raises(ValueError, match="k must be"):
        networks.rank_selection_matrix(6, 5)


def test_rank_selection_layer_signs():
    W, b = networks.to_weights(networks.rank_selection_layer(4, 7, 3, random_state=0))[0]
    assert (W[:3] > 0).all() and (W[3:] < 0).all() and not b.any()


def test_dale_layer_columns():
    W, b = networks.to_weights(networks.dale_layer(10, 6, 4, inhibition_ratio=4.0,
                                                   random_state=0))[0]
    assert (W[:, :4] > 0).all() and (W[:, 4:] < 0).all() and not b.any()
    # same underlying positive draw scaled by the ratio: mean magnitude about 4x
    ratio = np.abs(W[:, 4:]).mean() / W[:, :4].mean()
    assert 2.5 < ratio < 6.5


def test_from_to_weights_round_trip_and_errors():
    pairs = [(np.arange(6.0).reshape(3, 2), np.ones(3)), (np.ones((1, 3)), None)]
    back = networks.to_weights(networks.from_weights(pairs))
    np.testing.assert_array_equal(back[0][0], pairs[0][0])
    np.testing.assert_array_equal(back[1][1], [0.0])
    with pytest.raises(ValueError, match="layer 2: W has 2 columns"):
        networks.from_weights([(np.ones((3, 2)), None), (np.ones((1, 2)), None)])
    with pytest.raises(ValueError, match="bias shape"):
        networks.from_weights([(np.ones((3, 2)), np.ones(2))])
    with pytest.raises(ValueError, match="NaN"):
        networks.from_weights([(np.array([[np.nan]]), None)])


@pytest.mark.parametrize("bad, err", [([3], ValueError), ([3, 0], ValueError),
                                      ("32", TypeError), ([2.5, 3], ValueError)])
def test_mlp_validation(bad, err):
    with pytest.raises(err):
        networks.mlp(bad)


def test_mlp_option_validation():
    with pytest.raises(ValueError, match="init"):
        networks.mlp([2, 2], init="xavier")
    with pytest.raises(ValueError, match="mean and std"):
        networks.mlp([2, 2], mean=1.0)
    with pytest.raises(TypeError, match="random_state"):
        networks.mlp([2, 2], random_state="seed")


def test_lazy_namespace():
    assert td.networks is networks


def test_load_mnist(tmp_path):
    import gzip
    import pathlib

    from topodestruct.datasets.mnist import load_mnist

    # a tiny IDX pair written by hand (independent of the loader)
    imgs = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    head = np.array([2051, 2, 28, 28], dtype=">i4").tobytes()
    with gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "wb") as fh:
        fh.write(head + imgs.tobytes())
    with gzip.open(tmp_path / "t10k-labels-idx1-ubyte.gz", "wb") as fh:
        fh.write(np.array([2049, 2], dtype=">i4").tobytes() + bytes([7, 3]))
    X, y = load_mnist(tmp_path, kind="test")
    assert X.shape == (2, 784) and X.dtype == np.float32
    np.testing.assert_allclose(X[1, 0], imgs[1, 0, 0] / 255)
    assert y.tolist() == [7, 3]
    raw, _ = load_mnist(tmp_path, kind="test", flatten=False, scale=False)
    np.testing.assert_array_equal(raw, imgs)
    with pytest.raises(FileNotFoundError, match="train-images"):
        load_mnist(tmp_path, kind="train")
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="val")
    real = pathlib.Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mnist"
    if (real / "t10k-images-idx3-ubyte.gz").is_file():
        X, y = load_mnist(real, kind="test")
        assert X.shape == (10000, 784) and 0 <= X.min() and X.max() <= 1
        assert np.bincount(y).sum() == 10000 and set(np.unique(y)) == set(range(10))
