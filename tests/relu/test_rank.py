"""Rank decomposition: analytic cases, independent Jacobian ranks, exact arithmetic."""
import itertools
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
import torch
from hypothesis import given, settings, strategies as st

import topodestruct as td
from topodestruct import _parallel, networks
from topodestruct.relu.certify import ROUTES
from topodestruct import rank as R
from topodestruct.algebra import modular as MA
from topodestruct.relu import tiers
from topodestruct.relu.forward import activation_patterns
from topodestruct.relu.parse import parse_network


def jacobian_ranks(net, X):
    """Independent route: per-point autograd Jacobian of every layer + SVD rank (float64)."""
    net = networks.from_weights(networks.to_weights(net)).double()
    mods = list(net)
    L = len(mods) // 2
    out = np.zeros((len(X), L), dtype=int)
    for i, x in enumerate(torch.as_tensor(np.asarray(X), dtype=torch.float64)):
        for K in range(1, L + 1):
            J = torch.func.jacrev(torch.nn.Sequential(*mods[:2 * K]))(x)
            out[i, K - 1] = int(torch.linalg.matrix_rank(J))
    return out


# --- analytic cases (paper §3.2) ---------------------------------------------------------
@pytest.mark.parametrize("widths", [[3, 20], [5, 50, 40], [10, 4, 30, 8]])
def test_uniform_negative_rank_zero_on_positive_orthant(widths):
    net = networks.mlp(widths, init="uniform_negative", random_state=0)
    X = np.random.default_rng(1).uniform(1e-3, 5, size=(200, widths[0]))
    rd = td.rank_decomposition(net, X)
    assert not rd.global_codewords.any()
    assert (rd.ranks == 0).all() and rd.certified.all()
    assert list(rd.regions(1)) == [0]


@pytest.mark.parametrize("m, n1, k", [(5, 12, 3), (10, 12, 9), (8, 30, 15), (4, 6, 0),
                                      (4, 6, 6), (25, 40, 10)])
def test_rank_selection_minimal_rank(m, n1, k):
    net = networks.rank_selection_layer(m, n1, k, random_state=2)
    rng = np.random.default_rng(3)
    pos = rng.uniform(0.01, 5, size=(50, m))
    X = np.vstack([pos, -pos])
    rd = td.rank_decomposition(net, X)
    cw = rd.codewords[0]
    # positive points: exactly the first k units; negative points: exactly the last n1-k
    assert (cw[:50, :k].all() and not cw[:50, k:].any())
    assert (cw[50:, k:].all() and not cw[50:, :k].any())
    assert (rd.ranks[:50, 0] == min(k, m)).all()
    assert (rd.ranks[50:, 0] == min(n1 - k, m)).all()
    assert rd.ranks[:, 0].min() == min(k, n1 - k, m)      # the bound of §3.2 is attained
    assert rd.certified.all()


@pytest.mark.parametrize("k, expect", [(8, 8), (0, 0)])
def test_dale_extremes(k, expect):
    # all-excitatory: every unit active on positive inputs (rank min(n1, m));
    # all-inhibitory: none active (rank 0)
    net = networks.dale_layer(8, 20, k, random_state=4)
    X = np.random.default_rng(5).uniform(0.01, 1, size=(60, 8))
    rd = td.rank_decomposition(net, X)
    assert (rd.ranks[:, 0] == expect).all() and rd.certified.all()


def test_dale_balanced_matches_svd_of_active_rows():
    net = networks.dale_layer(10, 30, 8, inhibition_ratio=4.0, random_state=6)
    W = networks.to_weights(net)[0][0].astype(np.float64)
    X = np.random.default_rng(7).uniform(0.01, 1, size=(150, 10))
    rd = td.rank_decomposition(net, X)
    svd = [np.linalg.matrix_rank(W[c]) if c.any() else 0 for c in rd.codewords[0]]
    np.testing.assert_array_equal(rd.ranks[:, 0], svd)
    assert rd.ranks[:, 0].min() < 10 <= rd.ranks[:, 0].max()   # both regimes present


@pytest.mark.parametrize("m, L", [(3, 1), (4, 3)])
def test_identity_like_network_keeps_rank_m(m, L):
    # layer 1 = [I; -I] splits x into (x+, x-); deeper layers [[I,-I],[-I,I]] map
    # (x+, x-) -> (x, -x) -> ReLU -> (x+, x-) again: rank m wherever no x_i = 0.
    I = np.eye(m)
    pairs = [(np.vstack([I, -I]), None)] + [(np.block([[I, -I], [-I, I]]), None)] * (L - 1)
    net = networks.from_weights(pairs)
    X = np.random.default_rng(8).normal(size=(80, m))
    rd = td.rank_decomposition(net, X)
    assert (rd.ranks == m).all() and rd.certified.all()
    assert (rd.codeword_sizes == m).all()


# --- agreement with an independent route ---------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(st.integers(1, 6), st.lists(st.integers(1, 9), min_size=1, max_size=3),
       st.sampled_from(["kaiming", "normal"]), st.integers(0, 10 ** 6))
def test_matches_autograd_jacobian_rank(m, widths, init, seed):
    kw = dict(mean=0.3, std=0.5) if init == "normal" else {}
    net = networks.mlp([m] + widths, init=init, random_state=seed, **kw)
    X = np.random.default_rng(seed).normal(scale=2.0, size=(12, m))
    rd = td.rank_decomposition(net, X)
    np.testing.assert_array_equal(rd.ranks, jacobian_ranks(net, X))
    assert rd.certified.all()


@pytest.mark.parametrize("widths", [[6, 12, 9, 7], [12, 5, 20]])
def test_certified_equals_exact_and_numerical(widths):
    net = networks.mlp(widths, random_state=11)
    X = np.random.default_rng(12).normal(size=(40, widths[0]))
    a = td.rank_decomposition(net, X)
    b = td.rank_decomposition(net, X, mode="exact")
    c = td.rank_decomposition(net, X, mode="numerical")
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.ranks, c.ranks)
    assert b.certified.all() and not c.certified.any()
    assert c.margins.shape == (40, len(widths) - 1, 2)


def test_layers_option_skips_other_layers():
    net = networks.mlp([5, 20, 10, 6], random_state=0)
    X = np.random.default_rng(0).normal(size=(30, 5))
    full = td.rank_decomposition(net, X)
    part = td.rank_decomposition(net, X, layers=[3])
    np.testing.assert_array_equal(part.ranks[:, 2], full.ranks[:, 2])
    assert (part.ranks[:, :2] == -1).all() and not part.certified[:, :2].any()
    with pytest.raises(ValueError, match="not computed"):
        part.regions(1)
    with pytest.raises(ValueError, match="1-based"):
        td.rank_decomposition(net, X, layers=[0])


# --- exact arithmetic on non-generic (rank-deficient) networks -----------------------------
def sympy_chain_rank(pairs, codewords, K):
    """Exact rank over Q of prod Q_k W_k with sympy rationals (independent of flint)."""
    M = None
    for (W, _), c in zip(pairs[:K], codewords[:K]):
        Wq = sympy.Matrix([[sympy.Rational(Fraction(float(v))) for v in row] for row in W])
        Qk = sympy.diag(*[int(v) for v in c])
        M = Qk * Wq if M is None else Qk * Wq * M
    return M.rank()


def certified_exact_ranks(net, X):
    """``rank_decomposition`` of a two-layer net, checked against sympy's exact ranks."""
    rd = td.rank_decomposition(net, X)
    W = networks.to_weights(net)
    expect = [[sympy_chain_rank(W, [c[i] for c in rd.codewords], K) for K in (1, 2)]
              for i in range(len(X))]
    np.testing.assert_array_equal(rd.ranks, expect)
    assert rd.certified.all()
    return rd


def test_rank_deficient_weights_fall_back_to_exact():
    # small integers / 8 keep products and sums exact in float32, so the dependencies are
    # exact (a float32-rounded u v^T would generically have full exact rank)
    rng = np.random.default_rng(21)
    u, v = rng.integers(-4, 5, size=(6, 1)), rng.integers(-4, 5, size=(1, 4))
    W1 = np.vstack([u @ v, rng.integers(-4, 5, size=(2, 4))]) / 8.0   # rank 3 < m = 4
    W2 = rng.integers(-4, 5, size=(5, 8)) / 8.0
    W2[3] = W2[0] + W2[1]                                               # dependent rows
    pairs = [(W1, rng.normal(size=8)), (W2, rng.normal(size=5))]
    net = networks.from_weights(pairs)
    X = rng.normal(size=(25, 4))
    rd = certified_exact_ranks(net, X)
    assert (rd.ranks <= rd.upper).all() and (rd.ranks < rd.upper).any()
    numer = td.rank_decomposition(net, X, fallback="numerical")
    assert not numer.certified[rd.ranks < rd.upper].any()


# --- modular machinery ------------------------------------------------------------------
def test_residues_are_exact_images_of_the_dyadic_integers():
    W = np.array([[0.1, -3.5e-7], [1e5, 0.0], [-2.0 ** -30, 7.25]], dtype=np.float32)
    mant, shift = MA.to_integer_parts(W.astype(np.float64))
    ints = [int(a) << int(s) for a, s in zip(mant.ravel(), shift.ravel())]
    # one common power-of-two scale maps the integer matrix onto the float values exactly
    ratios = {Fraction(float(w)) / q for w, q in zip(W.ravel(), ints) if q}
    assert len(ratios) == 1
    scale = ratios.pop()
    assert scale.numerator == 1 and scale.denominator & (scale.denominator - 1) == 0
    assert ints[3] == 0
    p = R.DEFAULT_PRIME
    np.testing.assert_array_equal(MA.residues(W, p).ravel(), [q % p for q in ints])


@pytest.mark.parametrize("p", [3, 251, R.DEFAULT_PRIME])
def test_compiled_residues_match_python_integers(p):
    # wide exponent ranges, signs, zeros and float64 subnormals
    rng = np.random.default_rng(p)
    W = rng.normal(size=(40, 30)) * 2.0 ** rng.integers(-1070, 1000, size=(40, 30))
    W[rng.random(W.shape) < 0.2] = 0.0
    W[0, :3] = [5e-324, -2.5e-320, 1.7e308]
    mant, shift = MA.to_integer_parts(W)
    expect = [(int(a) << int(s)) % p for a, s in zip(mant.ravel(), shift.ravel())]
    np.testing.assert_array_equal(MA.residues(W, p).ravel(), expect)


def test_mod_is_exact_near_2_pow_53():
    p = R.DEFAULT_PRIME
    xs = [2 ** 53 - p, -(2 ** 53 - p), -(2 ** 53 - p - 1), 2 ** 52 + 12345,
          p * 2 ** 32 - 1, p * 2 ** 32, -p, 0]
    got = MA.mod(torch.tensor(xs, dtype=torch.float64), p).long().tolist()
    assert got == [x % p for x in xs]


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 40), st.integers(0, 2 ** 31))
def test_full_column_rank_matches_flint(rows, cols, rank, seed):
    import flint

    rows, cols = max(rows, cols), min(rows, cols)
    rng = np.random.default_rng(seed)
    p = 101                                    # small prime: accidental deficiencies happen
    r = min(rank, cols)
    A = (rng.integers(0, p, (rows, r)) @ rng.integers(0, p, (r, cols))) % p
    expect = flint.nmod_mat(A.tolist(), p).rank() == cols
    for dtype in (torch.float64, torch.float32):     # float32 is exact here: 40 * 101**2 < 2**24
        got = MA.full_column_rank(torch.tensor(A[None], dtype=dtype), p, block=4)
        assert bool(got[0]) == expect


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 30), st.integers(0, 30)),
                min_size=1, max_size=6),
       st.sampled_from([101, 251, R.DEFAULT_PRIME]), st.integers(0, 2 ** 31))
def test_compiled_batch_rank_test_matches_flint(shapes, p, seed):
    # a batch of matrices of different sizes (signed residues, zero padding), each
    # oriented tall; the compiled elimination must agree with flint on every item
    from topodestruct.algebra._kernels import full_column_rank

    rng = np.random.default_rng(seed)
    mats = []
    for rows, cols, rank in shapes:
        rows, cols = max(rows, cols), min(rows, cols)
        r = min(rank, cols)
        mats.append(rng.integers(0, p, (rows, r)) @ rng.integers(0, p, (r, cols)) % p)
    T = np.zeros((len(mats), 30, 30))
    for t, A in enumerate(mats):
        T[t, :A.shape[0], :A.shape[1]] = np.where(A > p // 2, A - p, A)
    got = full_column_rank(T, np.array([A.shape[0] for A in mats]),
                           np.array([A.shape[1] for A in mats]), p)
    expect = [flint.nmod_mat(A.tolist(), p).rank() == A.shape[1] for A in mats]
    assert got.tolist() == expect


# --- flags, margins, tolerance convention ---------------------------------------------
def test_uncertain_codeword_flag():
    # 0.1 + 0.2 - 0.3 is 5.6e-17 in exact arithmetic on these doubles, below the
    # rounding bound of the dot product: the sign is not trustworthy.
    net = [(np.array([[1.0, 1.0]]), np.array([-0.3]))]
    rd = td.rank_decomposition(net, np.array([[0.1, 0.2], [1.0, 1.0], [-1.0, 0.2]]))
    assert rd.uncertain_codewords[:, 0].tolist() == [True, False, False]
    assert rd.ambiguous[:, 0].tolist() == [True, False, False]


def test_cheap_rounding_bound_gives_the_tight_flags():
    # points projected onto unit 0's hyperplane have pre-activations at rounding level:
    # the cheap (Hoelder) pass must hand them to the tight pass, and agree elsewhere
    net = networks.mlp([3, 6, 5, 4], random_state=2)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(60, 3))
    w, b = networks.to_weights(net)[0]
    w, b = w[0].astype(np.float64), float(b[0])
    X[:6] -= ((X[:6] @ w + b) / (w @ w))[:, None] * w[None, :]
    layers, _ = parse_network(net)
    cheap = activation_patterns(layers, torch.as_tensor(X))
    tight = activation_patterns(layers, torch.as_tensor(X), tight=True)
    for a, b_ in zip(cheap[0], tight[0]):
        np.testing.assert_array_equal(a, b_)
    np.testing.assert_array_equal(cheap[2], tight[2])
    assert tight[2][:6, 0].sum() >= 3 and not tight[2][6:, 0].any()


def test_numerical_margin_flags_nearly_dependent_rows():
    W = np.array([[1.0, 0.0], [1.0, 1e-14]])
    X = np.array([[1.0, 1.0]])
    num = td.rank_decomposition([(W, None)], X, mode="numerical")
    cert = td.rank_decomposition([(W, None)], X)
    # sigma_min ~ 7e-15, tol = sigma_max * 2 * eps ~ 6.3e-16: kept, but by < 100x
    assert num.ranks[0, 0] == 2 and 1 < num.margins[0, 0, 0] < 100
    assert num.ambiguous[0, 0]
    assert cert.ranks[0, 0] == 2 and cert.certified[0, 0] and not cert.ambiguous[0, 0]


# --- attributes, validation ---------------------------------------------------------------
def test_codewords_match_forward_preactivations():
    net = networks.mlp([3, 7, 5], random_state=3)
    X = np.random.default_rng(3).normal(size=(50, 3))
    rd = td.rank_decomposition(net, torch.as_tensor(X, dtype=torch.float32))
    h = torch.as_tensor(X, dtype=torch.float64)
    for K, lin in enumerate(m for m in net if isinstance(m, torch.nn.Linear)):
        z = h @ lin.weight.double().T + lin.bias.double()
        np.testing.assert_array_equal(rd.codewords[K], (z > 0).numpy())
        h = torch.relu(z)
    sizes = np.stack([c.sum(1) for c in rd.codewords], 1)
    np.testing.assert_array_equal(rd.codeword_sizes, sizes)
    np.testing.assert_array_equal(rd.global_codewords, np.hstack(rd.codewords))
    regions = rd.regions(2)
    assert sorted(np.concatenate(list(regions.values())).tolist()) == list(range(50))
    for n, idx in regions.items():
        assert (rd.ranks[idx, 1] == n).all()
    assert "RankDecomposition(network 3-7-5, 50 points" in repr(rd)
    assert "layer 2 (n=5)" in rd.summary()


def test_codewords_and_flags_with_inputs_zero_in_most_coordinates():
    # image-like inputs (most coordinates 0 at every point) take a shortened first
    # product; codewords and uncertainty flags must be those of the full computation
    rng = np.random.default_rng(4)
    net = networks.mlp([40, 30, 20], random_state=4)
    X = np.zeros((300, 40))
    X[:, 5:12] = rng.uniform(0, 1, size=(300, 7))
    X[:3, 5] = 0.0
    layers, _ = parse_network(net)
    cw, act, unc = activation_patterns(layers, torch.as_tensor(X))
    h = torch.as_tensor(X)
    for K, lay in enumerate(layers):
        z = h @ lay.W.double().T + lay.b.double()
        np.testing.assert_array_equal(cw[K], (z > 0).numpy())
        h = torch.relu(z)
    cw_t, _, unc_t = activation_patterns(layers, torch.as_tensor(X), tight=True)
    np.testing.assert_array_equal(unc, unc_t)
    for a, b in zip(cw, cw_t):
        np.testing.assert_array_equal(a, b)


def test_layer_ranks_batch_matches_single():
    rng = np.random.default_rng(9)
    W = rng.normal(size=(4, 7, 3))
    b = rng.normal(size=(4, 7))
    X = rng.uniform(-5, 5, size=(30, 3))
    ranks, cert = R.layer_ranks(W, X, b)
    for t in range(4):
        act = (X @ W[t].T + b[t]) > 0
        np.testing.assert_array_equal(ranks[t], [np.linalg.matrix_rank(W[t][a]) if a.any()
                                                 else 0 for a in act])
    assert cert.all()


def test_affine_last_layer_counts_all_units():
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 6), torch.nn.ReLU(),
                              torch.nn.Linear(6, 2))
    X = np.random.default_rng(0).normal(size=(10, 2, 2))
    rd = td.rank_decomposition(net, X)
    assert (rd.upper[:, 1] == np.minimum(rd.upper[:, 0], 2)).all()
    np.testing.assert_array_equal(rd.ranks, jacobian_ranks_affine(net, X.reshape(10, 4)))


def jacobian_ranks_affine(net, X):
    net = net.double()
    f1, f2 = torch.nn.Sequential(*list(net)[1:3]), torch.nn.Sequential(*list(net)[1:])
    xs = torch.as_tensor(X, dtype=torch.float64)
    return np.array([[int(torch.linalg.matrix_rank(torch.func.jacrev(f)(x))) for f in (f1, f2)]
                     for x in xs])


@pytest.mark.parametrize("module, name", [(torch.nn.Sigmoid(), "Sigmoid"),
                                          (torch.nn.Conv2d(1, 1, 3), "Conv2d"),
                                          (torch.nn.Tanh(), "Tanh")])
def test_unsupported_layers_are_named(module, name):
    net = torch.nn.Sequential(torch.nn.Linear(3, 3), module)
    with pytest.raises(ValueError, match=name):
        td.rank_decomposition(net, np.zeros((2, 3)))


@pytest.mark.parametrize("p, error, message", [
    (4, ValueError, "p must be a prime number, got 4"),
    (1048575, ValueError, "p must be a prime number, got 1048575"),
    (2, ValueError, r"p must be a prime in \[3, 2\*\*21\), got 2"),
    (2097169, ValueError, r"p must be a prime in \[3, 2\*\*21\), got 2097169"),
    (251.0, TypeError, "p must be an integer")])
def test_bad_prime_is_rejected_before_any_work(monkeypatch, p, error, message):
    from topodestruct.relu import rank as rank_module

    def no_work(*args, **kwargs):
        raise AssertionError("work started before p was checked")

    monkeypatch.setattr(rank_module, "as_network", no_work)
    with pytest.raises(error, match=message):
        td.rank_decomposition(networks.mlp([3, 4], random_state=0), np.ones((2, 3)), p=p)


def _sequential_jacobian_ranks(net, X):
    """Independent route for any Sequential: float64 autograd Jacobian rank of the prefix
    ending after each Linear (and its BatchNorm/ReLU/Dropout, eval mode)."""
    import copy

    net = copy.deepcopy(net).double().eval()
    mods = list(net)
    ends = [i for i, mod in enumerate(mods) if isinstance(mod, torch.nn.Linear)][1:] + [len(mods)]
    out = np.zeros((len(X), len(ends)), dtype=int)
    for i, x in enumerate(torch.as_tensor(np.asarray(X), dtype=torch.float64)):
        for K, end in enumerate(ends):
            J = torch.func.jacrev(lambda v: torch.nn.Sequential(*mods[:end])(v[None])[0])(x)
            out[i, K] = int(torch.linalg.matrix_rank(J))
    return out


@pytest.mark.parametrize("final", ["relu", None])
def test_list_sequential_and_mlp_share_one_final_activation_convention(final):
    rng = np.random.default_rng(11)
    net = networks.mlp([4, 7, 5, 3], random_state=3, final_activation=final)
    assert isinstance(net[-1], torch.nn.ReLU) == (final == "relu")
    pairs = networks.to_weights(net)
    assert all(isinstance(m, (torch.nn.Linear, torch.nn.ReLU))
               for m in networks.from_weights(pairs, final_activation=final))
    X = rng.normal(size=(60, 4))
    as_list = td.rank_decomposition(pairs, X, final_activation=final)
    as_seq = td.rank_decomposition(networks.from_weights(pairs, final_activation=final), X)
    np.testing.assert_array_equal(as_list.ranks, as_seq.ranks)
    for a, b in zip(as_list.codewords, as_seq.codewords):
        np.testing.assert_array_equal(a, b)
    # and both are the ranks of the function the Sequential computes
    np.testing.assert_array_equal(as_seq.ranks, _sequential_jacobian_ranks(net, X))
    if final is None:           # an affine last layer keeps all its units
        assert (as_list.upper[:, 2] == np.minimum(as_list.upper[:, 1], 3)).all()


def test_final_activation_default_and_conflicts():
    pairs = networks.to_weights(networks.mlp([3, 4, 2], random_state=0))
    X = np.random.default_rng(0).normal(size=(20, 3))
    default = td.rank_decomposition(pairs, X)
    explicit = td.rank_decomposition(pairs, X, final_activation="relu")
    np.testing.assert_array_equal(default.ranks, explicit.ranks)
    affine = networks.from_weights(pairs, final_activation=None)
    with pytest.raises(ValueError, match="final_activation='relu' contradicts .* affine"):
        td.rank_decomposition(affine, X, final_activation="relu")
    with pytest.raises(ValueError, match="final_activation must be 'relu' or None"):
        td.rank_decomposition(pairs, X, final_activation="sigmoid")
    with pytest.raises(ValueError, match="final_activation"):
        networks.mlp([3, 4], final_activation="tanh")


def _trained_style_net(seed=0):
    torch.manual_seed(seed)
    nn = torch.nn
    net = nn.Sequential(nn.Linear(4, 9), nn.BatchNorm1d(9), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(9, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.2),
                        nn.Linear(6, 3))
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for bn in (net[1], net[5]):
            n = bn.num_features
            bn.running_mean.copy_(torch.from_numpy(rng.normal(size=n)))
            bn.running_var.copy_(torch.from_numpy(rng.uniform(0.2, 3.0, size=n)))
            bn.weight.copy_(torch.from_numpy(rng.normal(size=n)))
            bn.bias.copy_(torch.from_numpy(rng.normal(size=n)))
        net[5].weight[0] = 0.0          # a unit BatchNorm turns into the constant beta
    return net


@pytest.mark.parametrize("training", [False, True])
def test_dropout_and_batchnorm_are_evaluated_in_eval_mode(training):
    net = _trained_style_net()
    net.train(training)
    X = np.random.default_rng(1).normal(scale=2.0, size=(80, 4))
    rd = td.rank_decomposition(net, X)
    assert net.training == training            # the module is left as it was
    # the codewords are the signs of the module's own eval-mode pre-activations
    probe = _trained_style_net().eval()
    with torch.no_grad():
        h = torch.as_tensor(X, dtype=torch.float32)
        pre = [probe[:2](h), probe[:6](h), probe(h)]
    for K, z in enumerate(pre):
        z = z.double().numpy()
        clear = np.abs(z) > 1e-4 * (1 + np.abs(z).max())   # float32 module vs folded float64
        np.testing.assert_array_equal(rd.codewords[K][clear], (z > 0)[clear])
    np.testing.assert_array_equal(rd.ranks, _sequential_jacobian_ranks(probe, X))
    assert rd.certified.all()


def test_batchnorm_that_cannot_be_folded_is_refused_clearly():
    nn = torch.nn
    X = np.zeros((2, 3))
    with pytest.raises(ValueError, match="directly after a Linear"):
        td.rank_decomposition(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4)), X)
    with pytest.raises(ValueError, match="running statistics"):
        td.rank_decomposition(nn.Sequential(nn.Linear(3, 4),
                                            nn.BatchNorm1d(4, track_running_stats=False)), X)


def test_input_validation():
    net = networks.mlp([3, 4, 2], random_state=0)
    with pytest.raises(ValueError, match="NaN or inf"):
        td.rank_decomposition(net, np.array([[0.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="network expects 3"):
        td.rank_decomposition(net, np.zeros((5, 4)))
    with pytest.raises(ValueError, match="2-D"):
        td.rank_decomposition(net, np.zeros(3))
    with pytest.raises(ValueError, match="no points"):
        td.rank_decomposition(net, np.zeros((0, 3)))
    with pytest.raises(TypeError, match="numeric"):
        td.rank_decomposition(net, [["a", "b", "c"]])
    with pytest.raises(ValueError, match="mode"):
        td.rank_decomposition(net, np.zeros((1, 3)), mode="fast")
    with pytest.raises(ValueError, match="expects 5 inputs"):
        td.rank_decomposition([(np.ones((4, 3)), None), (np.ones((2, 5)), None)],
                              np.zeros((1, 3)))
    with pytest.raises(TypeError, match="nn.Sequential or a list"):
        td.rank_decomposition(3.5, np.zeros((1, 3)))
    with pytest.raises(FileNotFoundError, match="'net' does not exist"):   # a str is a path
        td.rank_decomposition("net", np.zeros((1, 3)))
    rd = td.rank_decomposition(net, np.ones((2, 3)))
    for K in (0, 3):
        with pytest.raises(ValueError, match="1 <= K <= 2"):
            rd.regions(K)
    with pytest.raises(TypeError):
        rd.regions(1.0)


def test_smod_is_a_small_exact_representative():
    # Python integers are the independent truth for residues of float64-exact integers.
    p = R.DEFAULT_PRIME
    xs = [2 ** 53 - p, -(2 ** 53 - p), 2 ** 52 + 12345, p * 2 ** 32 - 1, p * 2 ** 32,
          -p, 0, p // 2, p // 2 + 1, -(p // 2) - 1]
    got = MA.smod(torch.tensor(xs, dtype=torch.float64), p).long().tolist()
    assert [g % p for g in got] == [x % p for x in xs]
    assert all(abs(g) <= p // 2 + 2 for g in got)


# --- the fast tier: int8 GEMMs mod 251, per-point chains, fallback to float64 ---------------
def _layout(M, how):
    """``M`` as an int8 tensor with the given memory layout."""
    M8 = M.astype(np.int8)
    if how == "C":
        return torch.from_numpy(np.ascontiguousarray(M8))
    if how == "F":
        return torch.from_numpy(np.asfortranarray(M8))
    if how == "T":      # transpose of torch memory: (1, n) views then have strides (1, 1)
        Tt = torch.empty(M.shape[::-1], dtype=torch.int8)
        return Tt.copy_(torch.from_numpy(np.ascontiguousarray(M8.T))).T
    big = np.zeros((M.shape[0] + 2, M.shape[1] + 3), dtype=np.int8)
    big[1:-1, 2:-1] = M8
    return torch.from_numpy(big)[1:-1, 2:-1]


@pytest.mark.parametrize("lay_a", ["C", "F", "T", "slice"])
@pytest.mark.parametrize("lay_b", ["C", "F", "T", "slice"])
def test_int8_matmul_mod_matches_integer_products(lay_a, lay_b):
    # oneDNN reads strides literally (without care, (1, n) views with strides (1, 1) gave
    # uninitialised output): every layout and degenerate shape must give A @ B mod p
    if MA.fast_dtype("cpu") != torch.int8:
        pytest.skip("torch._int_mm unavailable")
    p = MA.FAST_PRIME
    rng = np.random.default_rng(0)
    for m, k, n in itertools.product([0, 1, 2, 17, 64], [0, 1, 2, 33], [0, 1, 3, 52]):
        for _ in range(2):
            A = rng.integers(-(p // 2), p // 2 + 1, (m, k))
            B = rng.integers(-(p // 2), p // 2 + 1, (k, n))
            got = MA.matmul_mod(_layout(A, lay_a), _layout(B, lay_b), p)
            assert got.dtype == torch.int8 and got.shape == (m, n)
            assert ((got.numpy().astype(np.int64) - A @ B) % p == 0).all(), (m, k, n)


def test_int8_matmul_mod_chunks_long_inner_dimensions():
    if MA.fast_dtype("cpu") != torch.int8:
        pytest.skip("torch._int_mm unavailable")
    p = MA.FAST_PRIME
    A = np.full((3, 5000), p // 2)            # 5000 * 125**2 > 2**24: chunked
    B = np.full((5000, 2), p // 2)
    got = MA.matmul_mod(torch.from_numpy(A.astype(np.int8)), torch.from_numpy(B.astype(np.int8)), p)
    assert ((got.numpy().astype(np.int64) - A @ B) % p == 0).all()


def test_rank_drops_modulo_the_small_prime_fall_back_to_float64():
    # W2 row 2 = row 0 + row 1 + 251 e_0: independent over Q (where unit 0 is active),
    # dependent mod 251; the three rows are always active, so where the bound is 3 the
    # fast tier cannot certify; the float64 tier (p ~ 2**20) must, with exact answers
    rng = np.random.default_rng(5)
    W1 = rng.integers(-4, 5, size=(9, 4)) / 8.0
    W2 = rng.integers(-4, 5, size=(3, 9)).astype(float)
    W2[2] = W2[0] + W2[1]
    W2[2, 0] += MA.FAST_PRIME
    W2 /= 8.0
    pairs = [(W1, rng.normal(size=9)), (W2, np.abs(rng.normal(size=3)) + 1)]
    net = networks.from_weights(pairs)
    X = rng.normal(size=(40, 4))
    rd = certified_exact_ranks(net, X)
    assert rd.settled.get("float64 tier", 0) > 0
    W = networks.to_weights(net)
    # and the fast tier alone really does miss some of them
    layers, _ = parse_network(net)
    _, act, _ = activation_patterns(layers, torch.as_tensor(X))
    tier = tiers.Tier([w.astype(np.float64) for w, _ in W], MA.FAST_PRIME,
                   MA.fast_dtype("cpu"), [a.mean(0) for a in act], "cpu")
    low = tiers.chain_lower(tier, act, rd.upper, {1}, np.arange(tier.red.r))
    assert (low[:, 1] == -1).any() and (low[:, 1] == rd.upper[:, 1]).any()


def test_chain_uses_unit_rows_when_basis_units_are_active():
    # positive weights on positive inputs: every layer-1 unit is active, so no basis
    # unit is inactive and the sketch must use the unit rows of E[a1]
    rng = np.random.default_rng(8)
    net = networks.from_weights([(rng.uniform(0.1, 1, size=(6, 4)), None),
                                 (rng.normal(size=(5, 6)), None),
                                 (rng.normal(size=(4, 5)), None)])
    X = rng.uniform(0.1, 2, size=(30, 4))
    rd = td.rank_decomposition(net, X)
    assert rd.codewords[0].all()
    np.testing.assert_array_equal(rd.ranks, jacobian_ranks(net, X))
    assert rd.certified.all()


def test_float32_fast_tier_where_int8_products_are_unavailable(monkeypatch):
    # GPUs and CPUs without torch._int_mm run the fast tier in float32 (exact below 2**24)
    monkeypatch.setitem(MA._FAST_DTYPE, "cpu", torch.float32)
    net = networks.mlp([5, 30, 12, 6], random_state=4)
    X = np.random.default_rng(4).normal(size=(80, 5))
    rd = td.rank_decomposition(net, X)
    np.testing.assert_array_equal(rd.ranks, jacobian_ranks(net, X))
    assert rd.certified.all()


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6), st.lists(st.integers(2, 9), min_size=3, max_size=5),
       st.integers(0, 2 ** 31), st.data())
def test_chain_shortcuts_against_jacobian_with_rank_drops(m, widths, seed, data):
    # small dyadic weights with exact duplicate rows: where both copies are active the
    # rank falls below the combinatorial bound, so wrongly assembled chain products
    # (which look random, hence full rank) would be caught; every subset of layers
    # exercises the first-product and last-two-factor shortcuts of the chains
    rng = np.random.default_rng(seed)
    sizes = [m] + widths
    pairs = []
    for k in range(1, len(sizes)):
        W = rng.integers(-4, 5, size=(sizes[k], sizes[k - 1])) / 8.0
        if sizes[k] > 2 and rng.random() < 0.7:
            W[-1] = W[0]
        pairs.append((W, rng.integers(-2, 3, size=sizes[k]) / 4.0))
    net = networks.from_weights(pairs)
    X = rng.normal(scale=2.0, size=(25, m))
    L = len(pairs)
    want = data.draw(st.lists(st.integers(1, L), min_size=1, max_size=L, unique=True))
    rd = td.rank_decomposition(net, X, layers=want)
    ref = jacobian_ranks(net, X)
    cols = [K - 1 for K in sorted(want)]
    np.testing.assert_array_equal(rd.ranks[:, cols], ref[:, cols])
    assert rd.certified[:, cols].all()


def test_last_two_factor_shortcut_on_a_deep_network():
    # layers=[5] alone: the chain ends with Tier.top (layer 4 not wanted); duplicated
    # rows in W5 and W4 make the top ranks fall below the bound at many points
    rng = np.random.default_rng(3)
    sizes = [7, 30, 24, 20, 16, 12]
    pairs = []
    for k in range(1, len(sizes)):
        W = rng.integers(-4, 5, size=(sizes[k], sizes[k - 1])) / 8.0
        if k >= 4:
            W[1::2] = W[::2]
        pairs.append((W, rng.normal(size=sizes[k])))
    net = networks.from_weights(pairs)
    X = rng.normal(scale=2.0, size=(60, 7))
    rd = td.rank_decomposition(net, X, layers=[5])
    ref = jacobian_ranks(net, X)[:, 4]
    np.testing.assert_array_equal(rd.ranks[:, 4], ref)
    assert rd.certified[:, 4].all()
    assert (ref < rd.upper[:, 4]).any() and (ref == rd.upper[:, 4]).any()


@pytest.mark.parametrize("dtype", ["fast", "float64"])
@pytest.mark.parametrize("want", [[1], [2], [3], [1, 3], [1, 2, 3, 4], [4]])
def test_chain_products_equal_masked_products_times_the_sketch(dtype, want):
    # the chains' shortcuts (first product over S with P = W2[:, Hi] F[Hi]; the last two
    # factors over a_{K-1} xor Hi with Q = W_K[:, Hi] W_{K-1}[Hi]) must give exactly
    # Z_K = A_K ... A_2 E[a1][:, J] mod p, E the first-layer reduction (W1 = E W1[B])
    rng = np.random.default_rng(17)
    sizes = [6, 40, 30, 20, 10, 8]
    net = networks.mlp(sizes, random_state=2)
    X = rng.normal(size=(50, 6))
    layers, _ = parse_network(net)
    _, act, _ = activation_patterns(layers, torch.as_tensor(X))
    Ws = [lay.W.numpy().astype(np.float64) for lay in layers]
    p, dt = ((MA.FAST_PRIME, MA.fast_dtype("cpu")) if dtype == "fast"
             else (R.DEFAULT_PRIME, torch.float64))
    tier = tiers.Tier(Ws, p, dt, [a.mean(0) for a in act], "cpu")
    red = tier.red
    res = [MA.residues(W, p).astype(object) for W in Ws]
    E = np.zeros((sizes[1], red.r), dtype=object)
    E[red.rows, np.arange(red.r)] = 1
    E[red.non_B] = np.mod(red.F, p).astype(np.int64)
    assert (np.mod(E.dot(res[0][red.rows]), p) == res[0]).all()      # W1 = E W1[B]
    assert tier.hi.any() and not tier.hi.all()
    ks = [K - 1 for K in want if K >= 2]
    if not ks:
        return
    prio = rng.permutation(red.r)
    carry = np.full((len(X), len(sizes) - 1), 5)
    order = np.empty(red.r, dtype=np.int64)
    order[prio] = np.arange(red.r)
    actB = act[0][:, red.rows]
    for K, Zs in tiers._chain_batch(tier, act, carry, ks, prio):
        for i, Z in enumerate(Zs):
            J = np.argsort(~actB[i] * red.r + order)[:5]     # active first
            M = E[act[0][i]][:, J]
            for k in range(1, K + 1):
                M = res[k][np.ix_(act[k][i], act[k - 1][i])].dot(M) % p
            got = np.mod(Z[:act[K][i].sum(), :5].double().numpy().astype(np.int64), p)
            assert (got == M).all(), (K, i)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 70), st.integers(1, 40), st.integers(0, 40), st.sampled_from([251, 1048573]),
       st.integers(0, 2 ** 31))
def test_single_matrix_lu_mod_p(extra, cols, rank, p, seed):
    # A[perm] = L U mod p; ok iff full column rank (flint); the pivot of each column is the
    # first usable row, so when the leading m rows are independent they are the pivots
    rows = cols + extra - 1
    rng = np.random.default_rng(seed)
    rank = min(rank, cols)
    A = rng.integers(0, p, size=(rows, rank)) @ rng.integers(0, p, size=(rank, cols)) % p
    ok, perm, LU = MA.lu_mod(A, p)
    assert ok == (int(flint.nmod_mat(A.tolist(), p).rank()) == cols)
    if ok:
        Lm = np.tril(LU.astype(np.int64), -1)[:, :cols] + np.eye(rows, cols, dtype=np.int64)
        Um = np.triu(LU[:cols].astype(np.int64))
        np.testing.assert_array_equal((Lm @ Um - A[perm]) % p, 0)
        lead = int(flint.nmod_mat(A[:cols].tolist(), p).rank()) == cols
        if lead:
            np.testing.assert_array_equal(np.sort(perm[:cols]), np.arange(cols))


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _worker_net_and_points():
    net = networks.mlp([6, 40, 30, 20, 10], random_state=5)
    return net, np.random.default_rng(6).normal(size=(400, 6))


@pytest.mark.parametrize("layers", [None, [4]])
def test_forked_and_threaded_workers_match_serial(two_threads, monkeypatch, layers):
    net, X = _worker_net_and_points()
    calls = []
    forked = _parallel._iter_forked
    monkeypatch.setattr(_parallel, "_iter_forked",
                        lambda fn, items, n: calls.append(1) or forked(fn, items, n))
    rd_fork = td.rank_decomposition(net, X, layers=layers, n_jobs=2)
    assert calls, "no worker process was used"
    monkeypatch.setenv("TOPODESTRUCT_FORK", "0")
    rd_threads = td.rank_decomposition(net, X, layers=layers, n_jobs=2)
    assert len(calls) == 1
    torch.set_num_threads(1)
    rd_serial = td.rank_decomposition(net, X, layers=layers)
    for rd in (rd_fork, rd_threads):
        np.testing.assert_array_equal(rd.ranks, rd_serial.ranks)
        np.testing.assert_array_equal(rd.certified, rd_serial.certified)
    wanted = slice(None) if layers is None else slice(3, 4)
    assert rd_serial.certified[:, wanted].all()


def test_library_call_never_forks_by_itself(two_threads, monkeypatch):
    # torch on 2 threads used to make rank_decomposition fork workers on its own; now
    # only an explicit n_jobs > 1 does (surprising inside Jupyter, Dask or Ray workers)
    import os

    def no_fork():
        raise AssertionError("rank_decomposition forked without being asked to")

    net, X = _worker_net_and_points()
    monkeypatch.setattr(os, "fork", no_fork)
    rd = td.rank_decomposition(net, X)
    assert rd.certified.all()
    with pytest.raises(ValueError, match="n_jobs"):
        td.rank_decomposition(net, X, n_jobs=0)
    with pytest.raises(TypeError, match="n_jobs"):
        td.rank_decomposition(net, X, n_jobs=1.5)


@pytest.mark.parametrize("failure", ["reports", "dies"])
def test_failed_worker_shard_is_recomputed(two_threads, monkeypatch, failure):
    import os

    def broken(fn, shard, conn):
        if failure == "dies":
            os._exit(1)
        conn.send((False, None))
        conn.close()

    net, X = _worker_net_and_points()
    expect = td.rank_decomposition(net, X)
    monkeypatch.setattr(_parallel, "_forked_worker", broken)
    here, items = [], []
    forked = _parallel._iter_forked

    def counting(fn, shards, n):
        items.append(len(shards))
        return forked(lambda x: here.append(1) or fn(x), shards, n)

    monkeypatch.setattr(_parallel, "_iter_forked", counting)
    rd = td.rank_decomposition(net, X, n_jobs=2)
    assert items and len(here) == sum(items)      # every shard was computed here
    np.testing.assert_array_equal(rd.ranks, expect.ranks)
    assert rd.certified.all()


def _ranks_in_a_daemon(conn):
    torch.set_num_threads(2)
    net, X = _worker_net_and_points()
    conn.send((_parallel.can_fork(), td.rank_decomposition(net, X, n_jobs=2).ranks))


def test_daemonic_processes_use_threads_not_children(two_threads):
    # pool workers are daemonic and may not start processes: the chains fall back to threads
    # (the daemon is spawned: a forked child of this process must not run torch on 2 threads)
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_ranks_in_a_daemon, args=(send,), daemon=True)
    proc.start()
    got = recv.recv() if recv.poll(120) else None
    proc.join(10)
    net, X = _worker_net_and_points()
    assert got is not None and proc.exitcode == 0
    assert got[0] is False
    np.testing.assert_array_equal(got[1], td.rank_decomposition(net, X).ranks)


# --- inputs of small dimension: the dense chain ------------------------------------------
def _exact_chain_rank(pairs, codewords, K):
    """Exact rank over Q of ``D_K W_K ... D_1 W_1`` with python Fractions (no flint)."""
    M = None
    for (W, _), c in zip(pairs[:K], codewords[:K]):
        Wq = [[Fraction(float(v)) * int(ci) for v in row] for row, ci in zip(W, c)]
        M = Wq if M is None else [[sum(a * b for a, b in zip(r, col)) for col in zip(*M)]
                                  for r in Wq]
    return sympy.Matrix(M).rank()


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 7), min_size=1, max_size=4),
       st.integers(0, 2 ** 32 - 1))
def test_dense_chain_ranks_of_small_inputs_are_exact(m, widths, seed):
    # inputs of dimension <= 3 take the dense chain mod p first; integer weights / 8 with
    # repeated and summed rows make exact dependencies, so ranks fall below the bound
    rng = np.random.default_rng(seed)
    pairs, n_in = [], m
    for n in widths:
        W = rng.integers(-3, 4, size=(n, n_in)).astype(float)
        if n >= 3:
            W[2] = W[0] + W[1]
        pairs.append((W / 8.0, rng.normal(size=n)))
        n_in = n
    net = networks.from_weights(pairs)
    X = rng.normal(scale=2.0, size=(30, m))
    rd = td.rank_decomposition(net, X)
    assert rd.certified.all()
    for i in range(len(X)):
        got = [int(r) for r in rd.ranks[i]]
        assert got == [_exact_chain_rank(pairs, [c[i] for c in rd.codewords], K)
                       for K in range(1, len(widths) + 1)]
    met = rd.ranks == rd.upper
    assert (rd.routes[met] == ROUTES.index("dense chain")).all()


def test_dense_chain_falls_through_where_the_rank_drops_mod_p():
    # W2 row 2 = row 0 + row 1 + p e_0 (p the dense chain's prime): independent over Q
    # where unit 0 is active, dependent mod p; the later routes must settle those exactly
    from topodestruct.relu.rank import DEFAULT_PRIME

    rng = np.random.default_rng(5)
    W1 = rng.integers(-4, 5, size=(9, 3)) / 8.0
    W2 = rng.integers(-4, 5, size=(3, 9)).astype(float)
    W2[2] = W2[0] + W2[1]
    W2[2, 0] += DEFAULT_PRIME
    pairs = [(W1, rng.normal(size=9)), (W2 / 8.0, np.abs(rng.normal(size=3)) + 1)]
    net = networks.from_weights(pairs)
    X = rng.normal(size=(40, 3))
    rd = td.rank_decomposition(net, X)
    assert rd.certified.all()
    for i in range(len(X)):
        assert rd.ranks[i, 1] == _exact_chain_rank(pairs, [c[i] for c in rd.codewords], 2)
    assert rd.settled.get("dense chain", 0) > 0
    assert sum(n for r, n in rd.settled.items() if r != "dense chain") > 0
