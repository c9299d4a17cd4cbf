"""Which tier settles the certified ranks of trained networks (issue 26).

A modular rank is a proven lower bound of the exact rank, so where it meets the
combinatorial bound ``min(m, |a_1|, ..., |a_K|)`` the rank is certified; on
trained networks that is nearly every point, and the fast tier (mod 251, int8
chains) must settle all of them: none may reach the per-point path.
"""
import numpy as np
import pytest
import torch
from torch import nn

import topodestruct as td
from conftest import MNIST_DIR
from topodestruct.experiments.training import seeded, sequential_mlp, train


def _trained(widths, seed=0, steps=8, batch=32):
    """A ``sequential_mlp`` trained for ``steps`` Adam steps on a synthetic 3-class task;
    returns its hidden layers (every Linear followed by its ReLU) and the data."""
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(steps * batch, widths[0], generator=g)
    y = (X[:, :3].argmax(1) + (X[:, 3] > 0).long()) % 3
    with seeded(seed):
        net = sequential_mlp(list(widths) + [3])
    train(net, X, y, nn.CrossEntropyLoss(), epochs=1, batch_size=batch, seed=seed,
          progress=False)
    return nn.Sequential(*list(net)[:-1]), X


def _check_fast_tier(rd, layers):
    cols = [K - 1 for K in layers]
    met = rd.ranks[:, cols] == rd.upper[:, cols]
    assert rd.certified[:, cols].all()
    assert met.mean() > 0.5, "test network too degenerate to say anything"
    routes = rd.routes[:, cols]
    # a rank that meets its bound is settled by the fast tier, never per point
    assert (routes[met] == 0).all(), rd.settled


# n1 < m: W_1 has full row rank, the basis B is every first-layer unit (the quick MNIST
# network, 784-256-...); n1 > m: the paper's full architecture (784-2000-...)
@pytest.mark.parametrize("widths", [[40, 24, 16, 12, 8], [8, 40, 24, 16, 10]],
                         ids=["n1<m", "n1>m"])
@pytest.mark.parametrize("layers", [[4], [1, 2, 3, 4], [2]])
def test_fast_tier_certifies_every_point_at_its_bound(widths, layers):
    net, X = _trained(widths)
    rd = td.rank_decomposition(net, X, layers=layers)
    _check_fast_tier(rd, layers)
    assert rd.settled == {"fast tier": len(X) * len(layers)}


def test_routes_mark_the_per_point_path_where_the_bound_is_not_met():
    # duplicated rows (exact dependencies) put ranks below the bound: those, and only
    # those, go past the tiers
    rng = np.random.default_rng(0)
    W1 = rng.integers(-4, 5, size=(12, 5)) / 8.0
    W2 = rng.integers(-4, 5, size=(8, 12)) / 8.0
    W2[1::2] = W2[::2]
    net = td.networks.from_weights([(W1, rng.normal(size=12)), (W2, rng.normal(size=8))])
    X = rng.normal(size=(60, 5))
    rd = td.rank_decomposition(net, X, layers=[2])
    below = rd.ranks[:, 1] < rd.upper[:, 1]
    assert below.any() and (~below).any()
    assert (rd.routes[below, 1] >= 2).all() and (rd.routes[~below, 1] <= 1).all()
    assert (rd.routes[:, 0] == -1).all()
    assert sum(rd.settled.values()) == len(X)


@pytest.mark.skipif(not (MNIST_DIR / "t10k-images-idx3-ubyte.gz").is_file(),
                    reason="MNIST files not found in ../shared/data/mnist")
def test_quick_mnist_network_layer4_on_the_fast_tier():
    # the case: quick Figure 3 architecture, 500 test images, layer 4
    from topodestruct.datasets.mnist import load_mnist

    X, y = load_mnist(MNIST_DIR, kind="test")
    X, y = torch.from_numpy(X[:500]), torch.from_numpy(y[:500].astype(np.int64))
    with seeded(0):
        net = sequential_mlp([784, 256, 128, 64, 32, 10])
    train(net, X, y, nn.CrossEntropyLoss(), epochs=1, batch_size=64, seed=0, progress=False)
    rd = td.rank_decomposition(nn.Sequential(*list(net)[:8]), X, layers=[4])
    _check_fast_tier(rd, [4])
