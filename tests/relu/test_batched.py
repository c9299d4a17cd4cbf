"""Batched one-layer ranks (relu.batched): identical to rank_decomposition, exact against flint."""
import flint
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import topodestruct as td
from topodestruct.algebra import _kernels
from topodestruct.experiments import fig2
from topodestruct.relu import batched
from topodestruct.relu.batched import one_layer_ranks


def per_network(W, X, B=None, p=batched.DEFAULT_PRIME):
    """The reference: one rank_decomposition per network."""
    B = np.zeros(W.shape[:2]) if B is None else B
    out = [td.rank_decomposition([(w, b.astype(w.dtype))], x, p=p) for w, b, x in zip(W, B, X)]
    return (np.stack([rd.ranks[:, 0] for rd in out]), np.stack([rd.certified[:, 0] for rd in out]),
            np.stack([rd.uncertain_codewords[:, 0] for rd in out]))


def assert_same(W, X, B=None, p=batched.DEFAULT_PRIME):
    got, ref = one_layer_ranks(W, X, B, p=p), per_network(W, X, B, p=p)
    for name, g, r in zip(("ranks", "certified", "uncertain"), got, ref):
        assert g.shape == r.shape and (g == r).all(), name
    return got


def dyadic_points(rng, shape, bits=16):
    """Points k / 2**bits (exact in float64) and their integer numerators."""
    K = rng.integers(-2 ** (bits + 3), 2 ** (bits + 3), size=shape)
    return K / 2.0 ** bits, K


def flint_ranks(W, X):
    """Independent truth for integer W and integer (numerators of) X: exact codewords
    and exact ranks over Q."""
    W, X = np.asarray(W, dtype=np.int64), np.asarray(X, dtype=np.int64)
    out = np.zeros((len(W), X.shape[1]), dtype=int)
    for t in range(len(W)):
        active = X[t] @ W[t].T > 0
        for i, a in enumerate(active):
            A = W[t][a]
            out[t, i] = flint.fmpz_mat(A.tolist()).rank() if len(A) else 0
    return out


def panel_batch(panel, n_configs=6, n_points=150, seed=0):
    """Weights and points of random configurations of a full Figure 2 panel that share a shape."""
    cfgs = fig2.panel_configs(panel)
    rng = np.random.default_rng(seed)
    first = cfgs[int(rng.integers(len(cfgs)))]
    same = [c for c in cfgs if (c["m"], c["n1"]) == (first["m"], first["n1"])]
    pick = [same[i] for i in rng.choice(len(same), min(n_configs, len(same)), replace=False)]
    W, X = [], []
    for c in pick:
        r = np.random.default_rng(fig2.config_seed(c))
        W.append(fig2._network(c, r)[0].weight.detach().numpy())
        X.append(fig2._points(dict(c, n_points=n_points), r))
    return np.stack(W), np.stack(X)


# --- the four panels' network kinds ------------------------------------------------------
@pytest.mark.parametrize("panel, seed", [("fig2a", 0), ("fig2a", 1), ("fig2a", 2),
                                         ("fig2b", 0), ("fig2b", 3), ("fig2c", 0),
                                         ("fig2c", 4), ("fig2d", 0)])
def test_panels_match_rank_decomposition(panel, seed):
    W, X = panel_batch(panel, seed=seed)
    assert W.dtype == np.float32
    assert_same(W, X)


@pytest.mark.parametrize("m, n1", [(25, 100), (50, 100)])
def test_rank_selection_layers_attain_the_bound(m, n1):
    # R(k, n1) W with W > 0: positive points have exactly the first k units active,
    # negative points the last n1 - k (paper §3.2), so the ranks are min(k, m), min(n1 - k, m)
    ks = [0, 10, 30, 50, 75, 100]
    W = np.stack([td.networks.rank_selection_layer(m, n1, k, random_state=k)[0].weight
                  .detach().numpy() for k in ks])
    pos = np.random.default_rng(1).uniform(0.01, 5, size=(len(ks), 40, m))
    ranks, certified, _ = assert_same(W, np.concatenate([pos, -pos], 1))
    for t, k in enumerate(ks):
        assert (ranks[t, :40] == min(k, m)).all() and (ranks[t, 40:] == min(n1 - k, m)).all()
    assert certified.all()


def test_dale_layers_all_inhibitory_and_all_excitatory():
    m, n1 = 50, 100
    W = np.stack([td.networks.dale_layer(m, n1, k, random_state=k)[0].weight.detach().numpy()
                  for k in (0, 20, 40, 50)])
    X = np.random.default_rng(2).uniform(0.01, 5, size=(4, 80, m))
    ranks = assert_same(W, X)[0]
    assert (ranks[0] == 0).all()          # all inhibitory: nothing active on (0, 5]^m
    assert (ranks[-1] == m).all()         # all excitatory: everything active, rank m


# --- structured weights: duplicate, zero, dependent rows; the exact fallback ------------
def structured_weights(rng, T, n1, m, r):
    """Small-integer weights of rank <= r with repeated, zero and scaled rows."""
    W = rng.integers(-2, 3, size=(T, n1, r)) @ rng.integers(-2, 3, size=(T, r, m))
    W[:, 1] = W[:, 0]
    W[:, 2] = 0
    W[:, 3] = 2 * W[:, 4]
    return W.astype(np.float64)


@pytest.mark.parametrize("n1, m, r", [(12, 5, 3), (6, 8, 4), (20, 6, 6), (30, 4, 2), (60, 20, 12),
                                     (80, 30, 30)])
def test_structured_weights_exact(n1, m, r):
    rng = np.random.default_rng(n1 * m + r)
    W = structured_weights(rng, 5, n1, m, r)
    X, K = dyadic_points(rng, (5, 60, m))
    X[:, :10], K[:, :10] = X[:, 10:20], K[:, 10:20]             # duplicate points
    assert not batched._codewords(W, np.zeros(W.shape[:2]), X)[1].all()   # batched route
    ranks, _, uncertain = assert_same(W, X)
    assert (ranks[~uncertain] == flint_ranks(W, K)[~uncertain]).all()


def test_small_prime_forces_the_exact_fallback():
    # det [[1, 0], [0, 3]] = 3 and det [[3, 6], [1, 4]] = 6: singular mod 3, rank 2 over Q
    W = np.array([[[1.0, 0.0], [0.0, 3.0]], [[3.0, 6.0], [1.0, 4.0]]])
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0]])
    ranks = assert_same(W, np.stack([X, X]), p=3)[0]
    assert ranks.tolist() == [[2, 1, 1], [2, 0, 2]]
    assert (one_layer_ranks(W, X, p=3)[0] == one_layer_ranks(W, X)[0]).all()


def test_uncertain_codewords_fall_back_to_the_per_network_route():
    rng = np.random.default_rng(5)
    W = rng.normal(size=(3, 7, 4))
    X = rng.uniform(-5, 5, size=(3, 30, 4))
    W[1, 0] = [1.0, -1.0, 0.0, 0.0]
    X[1, 3] = [2.0, 2.0, 1.0, 1.0]                  # pre-activation exactly 0
    X[1, 4] = [1.0, 1.0 + 2.0 ** -50, 0.0, 3.0]     # within rounding of 0
    W[2, 5] = 0.0                                   # zero row, zero bias: never uncertain
    ranks, certified, uncertain = assert_same(W, X)
    assert uncertain[1, 3] and uncertain[1, 4] and not uncertain[[0, 2]].any()


def test_points_at_every_distance_from_a_hyperplane():
    # pre-activations from exactly 0 up to far beyond the rounding bound: wherever the
    # widened test and the per-network test disagree about a point, the network must
    # still come out identical (it is handed to rank_decomposition whole)
    rng = np.random.default_rng(8)
    W = rng.normal(size=(12, 6, 3))
    X = rng.uniform(-5, 5, size=(12, 20, 3))
    for t in range(12):
        v = np.cross(W[t, 0], rng.normal(size=3))               # W[t, 0] . v ~ 0
        u = W[t, 0] / np.linalg.norm(W[t, 0])
        near = np.logspace(-18, -9, 10) if t % 2 else np.logspace(-12, -8, 10)
        X[t, :10] = v + near[:, None] * 10.0 ** (t % 4 - 2) * u
    uncertain = assert_same(W, X)[2]
    assert uncertain[1::2].any(1).all()             # the networks with points within rounding
    assert batched._codewords(W, np.zeros((12, 6)), X)[1].tolist() != [True] * 12


def test_biases_and_float32_points():
    rng = np.random.default_rng(6)
    W = rng.normal(size=(4, 30, 6)).astype(np.float32)
    B = rng.normal(size=(4, 30))                     # rounded to float32, as rank_decomposition does
    X = rng.uniform(-1, 1, size=(30, 6)).astype(np.float32)     # shared points
    assert_same(W, np.broadcast_to(X, (4, 30, 6)), B)
    assert (one_layer_ranks(W, X, B)[0] == one_layer_ranks(W, np.broadcast_to(X, (4, 30, 6)),
                                                          B)[0]).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 9), st.integers(1, 7), st.integers(1, 3), st.integers(0, 2 ** 32 - 1))
def test_random_integer_networks(n1, m, T, seed):
    rng = np.random.default_rng(seed)
    W = rng.integers(-2, 3, size=(T, n1, m)).astype(np.float64)   # zero, equal, dependent rows
    X, K = dyadic_points(rng, (T, 25, m), bits=int(rng.integers(0, 12)))   # exact zeros too
    ranks, certified, uncertain = one_layer_ranks(W, X)
    ref = per_network(W, X)
    assert (ranks == ref[0]).all() and (certified == ref[1]).all() and (uncertain == ref[2]).all()
    assert (ranks[~uncertain] == flint_ranks(W, K)[~uncertain]).all()


# --- the sweep's batched route gives the per-configuration records -----------------------
@pytest.mark.parametrize("panel", fig2.PANELS)
def test_evaluate_many_equals_evaluate(panel):
    cfgs = fig2.panel_configs(panel, quick=True)
    rng = np.random.default_rng(7)
    items = [(c, fig2.config_seed(c)) for c in (cfgs[i] for i in rng.choice(len(cfgs), 5,
                                                                          replace=False))]
    assert fig2.evaluate_many(items) == [fig2.evaluate(p, s) for p, s in items]


# --- kernels and input checks ---------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 9), st.sampled_from([3, 7, 1048573]),
       st.integers(0, 2 ** 32 - 1))
def test_rref_mod_rank_and_pivots(m, n, p, seed):
    A = np.random.default_rng(seed).integers(0, 3, size=(2, m, n)).astype(np.float64) % p
    pivots = np.zeros((2, min(m, n)), dtype=np.int64)
    ranks = _kernels.rref_mod(A.copy(), p, pivots)
    for b in range(2):
        ref, r = flint.nmod_mat(A[b].astype(int).tolist(), p).rref()
        assert ranks[b] == r
        lead = [next(j for j in range(n) if int(ref[i, j])) for i in range(r)]
        assert pivots[b, :r].tolist() == lead


def test_leading_minor_singular_but_block_full_rank():
    F = np.array([[[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]]])
    rows, cols = np.array([[True, True, True]]), np.array([[True, True]])
    assert batched._block_tests(F, np.array([0]), rows, cols, np.array([2]), 7).tolist() == [True]
    assert batched._block_tests(F[:, :2], np.array([0]), rows[:, :2], cols, np.array([2]),
                                7).tolist() == [False]


@pytest.mark.parametrize("kwargs, match", [
    (dict(weights=np.zeros((2, 3))), "shape"),
    (dict(weights=np.zeros((2, 3, 4), dtype=int)), "float"),
    (dict(X=np.zeros((5, 3))), "X must have shape"),
    (dict(biases=np.zeros((2, 4))), "biases"),
    (dict(p=4), "prime"),
    (dict(p=2097169), r"2\*\*21"),     # the first prime above 2**21
    (dict(X=np.full((5, 4), np.nan)), "NaN"),
])
def test_bad_input(kwargs, match):
    args = dict(weights=np.ones((2, 3, 4)), X=np.ones((5, 4)))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        one_layer_ranks(**args)


@pytest.mark.parametrize("build", [
    lambda rs, a: td.networks.mlp([4, 6, 3], random_state=rs, as_weights=a),
    lambda rs, a: td.networks.mlp([5, 7], init="normal", mean=0.1, bias=False,
                                  random_state=rs, as_weights=a),
    lambda rs, a: td.networks.rank_selection_layer(5, 8, 3, random_state=rs, as_weights=a),
    lambda rs, a: td.networks.dale_layer(6, 4, 2, random_state=rs, as_weights=a)])
def test_builders_as_weights_are_the_networks_weights(build):
    got, ref = build(3, True), td.networks.to_weights(build(3, False))
    assert len(got) == len(ref)
    for (W, b), (W0, b0) in zip(got, ref):
        assert W.dtype == W0.dtype == np.float32 and np.array_equal(W, W0)
        assert b.dtype == b0.dtype and np.array_equal(b, b0)
