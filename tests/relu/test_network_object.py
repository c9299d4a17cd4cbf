"""One network object (issue 22, item 1): td.Network, td.as_network, td.load_network.

Every supported form gives the same float64 layers and the same results; the
object is immutable; errors name the offending module or key; and one call of
``td.profile`` or ``td.analyze`` converts the network exactly once.
"""
import numpy as np
import pytest
import torch
from torch import nn

import topodestruct as td
from topodestruct.relu import parse

FORMS = ["sequential", "weights", "state_dict", "saved module", "saved state_dict", "network"]


def _bn_net(seed=0):
    """Linear, BatchNorm1d, ReLU, Dropout, Linear with non-trivial running statistics."""
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(2, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.3),
                        nn.Linear(6, 6), nn.ReLU(), nn.Linear(6, 3))
    with torch.no_grad():
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(0.5, 2)
        net[1].weight.uniform_(0.5, 1.5)
        net[1].bias.uniform_(-0.5, 0.5)
    return net


def _form(form, net, tmp_path):
    """``net`` (a Sequential with an affine last layer) in the given form."""
    if form == "sequential":
        return net
    if form == "weights":
        return td.networks.to_weights(net)
    if form == "state_dict":
        return net.state_dict()
    if form == "network":
        return td.as_network(net)
    path = tmp_path / f"{form.replace(' ', '_')}.pt"
    torch.save(net if form == "saved module" else net.state_dict(), path)
    return str(path)


@pytest.mark.parametrize("form", FORMS)
def test_every_form_gives_the_same_network_and_results(form, tmp_path):
    seq = td.networks.mlp([2, 5, 4, 3], random_state=3, final_activation=None)
    ref = td.as_network(seq)
    final = None if form == "weights" else td.relu.parse.AS_BUILT
    net = td.as_network(_form(form, seq, tmp_path), final_activation=final)
    assert isinstance(net, td.Network) and net == ref
    for a, b in zip(net.layers, ref.layers):
        assert a.W.dtype == np.float64 and np.array_equal(a.W, b.W)
        assert np.array_equal(a.b, b.b) and a.relu == b.relu
    # exact copies of the float32 weights
    assert np.array_equal(net.layers[0].W, seq[0].weight.detach().numpy().astype(np.float64))
    X = np.random.default_rng(0).uniform(-2, 2, size=(200, 2))
    rd, rd_ref = td.rank_decomposition(net, X), td.rank_decomposition(seq, X)
    assert np.array_equal(rd.ranks, rd_ref.ranks)
    assert all(np.array_equal(a, b) for a, b in zip(rd.codewords, rd_ref.codewords))
    with torch.no_grad():
        out = seq(torch.as_tensor(X, dtype=torch.float32)).double().numpy()
    assert np.allclose(net.forward(X), out, atol=1e-5)


@pytest.mark.parametrize("form", ["sequential", "state_dict", "saved module",
                                  "saved state_dict"])
def test_batchnorm_and_dropout_fold_the_same_in_every_form(form, tmp_path):
    seq = _bn_net()
    seq.train()                       # eval semantics whatever the flag
    net = td.as_network(_form(form, seq, tmp_path))
    assert net == td.as_network(seq) and net.widths == [2, 6, 6, 3] and net.n_hidden == 2
    X = np.random.default_rng(1).normal(size=(50, 2))
    with torch.no_grad():
        ref = seq.eval()(torch.as_tensor(X, dtype=torch.float32)).double().numpy()
    assert np.allclose(net.forward(X), ref, atol=1e-5)
    assert seq.training is False      # the test put it in eval mode, not as_network
    rd = td.rank_decomposition(net, X)
    assert np.array_equal(rd.ranks, td.rank_decomposition(seq, X).ranks)


def test_network_api():
    seq = td.networks.mlp([2, 15, 15, 2], random_state=0, final_activation=None)
    net = td.as_network(seq)
    assert repr(net) == "Network(2-15-15-2, relu after layers 1-2)"
    assert repr(td.as_network([(np.eye(2), None)])) == "Network(2-2, relu after layer 1)"
    assert repr(td.as_network([(np.eye(2), None)], final_activation=None)) == \
        "Network(2-2, no relu)"
    assert net.widths == [2, 15, 15, 2] and net.n_hidden == 2 and net.n_layers == 3
    assert net.relus == [True, True, False] and net.input_dim == 2
    assert net.check_layer(None) == 2 and net.check_layer(3) == 3
    with pytest.raises(ValueError, match="1 <= layer <= 3"):
        net.check_layer(4)
    with pytest.raises(TypeError, match="int"):
        net.check_layer(1.5)
    X = np.random.default_rng(0).normal(size=(30, 2))
    with torch.no_grad():
        h1 = torch.relu(seq[0](torch.as_tensor(X, dtype=torch.float32))).double().numpy()
    assert net.forward(X, 1).shape == (30, 15) and np.allclose(net.forward(X, 1), h1, atol=1e-5)
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        net.forward(np.zeros((3, 4)))
    # exact forward: the same rationals as the analysis function, close to the float pass
    from topodestruct.relu.network import exact_forward
    Y = net.exact_forward(X, 2)
    assert np.array_equal(Y, exact_forward(seq, X, layer=2))
    assert np.allclose(Y.astype(float), net.forward(X, 2), rtol=1e-12, atol=1e-12)
    # the Jacobian of a region has the rank that rank_decomposition certifies
    rd = td.rank_decomposition(net, X)
    for i in range(5):
        J = net.jacobian([rd.codewords[k][i] for k in range(3)], 2)
        assert J.shape == (15, 2) and np.linalg.matrix_rank(J) == rd.ranks[i, 1]
    assert td.as_network(net) is net
    assert td.as_network(net, final_activation=None) is net
    with pytest.raises(ValueError, match="contradicts"):
        td.as_network(net, final_activation="relu")
    # built directly from float layers
    direct = td.Network([(lay.W, lay.b, lay.relu) for lay in net.layers])
    assert direct == net and hash(direct) == hash(net)


def test_network_is_immutable():
    net = td.as_network(td.networks.mlp([2, 3, 2], random_state=0))
    W = net.layers[0].W
    assert not W.flags.writeable and not net.layers[0].b.flags.writeable
    with pytest.raises(ValueError):
        W[0, 0] = 1.0
    with pytest.raises(AttributeError, match="immutable"):
        net.flatten = True
    with pytest.raises(AttributeError):
        net.layers = ()
    with pytest.raises(AttributeError):
        del net.layers
    with pytest.raises(TypeError):
        net.layers[0] = None           # a tuple
    info = net.info
    info["widths"].append(99)          # a copy
    assert net.info["widths"] == [2, 3, 2]
    # the weights are copies: changing the module later does not change the Network
    seq = td.networks.mlp([2, 3, 2], random_state=0)
    frozen = td.as_network(seq)
    with torch.no_grad():
        seq[0].weight.zero_()
    assert frozen == net
    import pickle
    assert pickle.loads(pickle.dumps(net)) == net


class Custom(nn.Module):
    def forward(self, x):
        return x


@pytest.mark.parametrize("module, name", [
    (nn.Sigmoid(), "Sigmoid"), (nn.Conv2d(1, 1, 2), "Conv2d"), (Custom(), "Custom"),
    (nn.LeakyReLU(), "LeakyReLU")])
def test_unsupported_modules_are_named(module, name):
    net = nn.Sequential(nn.Linear(2, 3), module, nn.Linear(3, 2))
    with pytest.raises(ValueError, match=rf"layer 1 \({name}\) is not supported"):
        td.as_network(net)
    with pytest.raises(ValueError, match=f"{name} is not supported"):
        td.as_network(module)            # not a Sequential


@pytest.mark.parametrize("key, value, message", [
    ("0.scale", torch.ones(3), "'0.scale' is neither a weight nor a bias"),
    ("conv.weight", torch.zeros(3, 2, 2, 2), "conv.weight: expected a 2-D Linear weight"),
    ("1.weight", torch.ones(3), r"1.weight: a 1-D weight without running statistics"),
    ("5.bias", torch.ones(2), r"bias without a weight for module\(s\) \['5'\]")])
def test_bad_state_dict_keys_are_named(key, value, message):
    sd = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).state_dict()
    sd[key] = value
    with pytest.raises(ValueError, match=message):
        td.as_network(sd)


def test_bad_batchnorm_state_dicts_are_named():
    sd = _bn_net().state_dict()
    bad = dict(sd, **{"1.running_mean": torch.zeros(4)})
    with pytest.raises(ValueError, match=r"1.running_mean has shape \(4,\)"):
        td.as_network(bad)
    first = {("a." if k.startswith("1.") else "b.") + k: v for k, v in sd.items()}  # BN first
    with pytest.raises(ValueError, match="before the first Linear"):
        td.as_network(first)


def test_load_network_says_what_it_inferred(tmp_path):
    seq = _bn_net()
    torch.save(seq, tmp_path / "seq.pt")
    torch.save(seq.state_dict(), tmp_path / "sd.pt")
    a = td.load_network(tmp_path / "seq.pt")
    b = td.load_network(str(tmp_path / "sd.pt"))
    assert a == b == td.as_network(seq)
    assert a.info["format"] == "module" and b.info["format"] == "state_dict"
    assert a.info["source"] == str(tmp_path / "seq.pt")
    assert a.info["widths"] == b.info["widths"] == [2, 6, 6, 3]
    assert a.info["final_activation"] is None and a.info["n_hidden"] == 2
    assert "Dropout taken as the identity" in a.description
    assert "BatchNorm1d folded" in a.description
    assert b.info["keys"] == ["0", "4", "6"] and b.info["batchnorm"] == ["1"]
    assert "ReLU after every Linear but the last" in b.description
    assert "BatchNorm1d 1" in b.description and b.names[0].startswith("0.weight")
    # a state_dict can be told that the last Linear has a ReLU too
    c = td.load_network(tmp_path / "sd.pt", final_relu=True)
    assert c.relus == [True, True, True] and c.info["final_activation"] == "relu"
    assert td.as_network(tmp_path / "sd.pt", final_activation="relu") == c
    with pytest.raises(FileNotFoundError, match="does not exist"):
        td.load_network(tmp_path / "missing.pt")
    torch.save(nn.Sequential(nn.Linear(2, 2), nn.Sigmoid()), tmp_path / "sig.pt")
    with pytest.raises(ValueError, match="unsupported module Sigmoid"):
        td.load_network(tmp_path / "sig.pt")
    torch.save(nn.Sequential(nn.Linear(2, 2), Custom()), tmp_path / "custom.pt")
    with pytest.raises(ValueError, match="unsupported module Custom"):
        td.as_network(tmp_path / "custom.pt")
    # the internal loader keeps its (module, info) form
    from topodestruct.relu.load import load_network
    module, info = load_network(tmp_path / "seq.pt")
    assert isinstance(module, nn.Sequential) and info["widths"] == [2, 6, 6, 3]


@pytest.fixture
def conversions(monkeypatch):
    """Counts the conversions of a network: every one goes through parse_network."""
    calls = []
    real = parse.parse_network

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(parse, "parse_network", counted)
    return calls


@pytest.mark.parametrize("form", ["sequential", "weights"])
def test_one_profile_call_converts_once(form, conversions):
    seq = td.networks.mlp([2, 5, 5], random_state=1)
    net = seq if form == "sequential" else td.networks.to_weights(seq)
    K = td.complexes.circle(24)
    exact = td.profile(net, K)                       # the exact route at every layer
    assert len(conversions) == 1
    conversions.clear()
    vertex = td.profile(net, K, exact=False)        # vertex ranks, vertex overlaps
    assert len(conversions) == 1
    conversions.clear()
    again = td.profile(td.as_network(seq), K)
    assert len(conversions) == 1                     # as_network's, none in profile
    keys = ("predicted", "quotient", "image_homology", "estimate")
    assert [[r[k] for k in keys] for r in again.rows] == [[r[k] for k in keys] for r in exact.rows]
    assert len(vertex.rows) == 3


@pytest.mark.parametrize("form", ["sequential", "weights"])
def test_one_analyze_call_converts_once(form, conversions):
    seq, K = td.constructions.circle_arcs(3)
    net = seq if form == "sequential" else td.networks.to_weights(seq)
    rep = td.analyze(net, K, layer=1, exact=True)     # refinement, ranks, exact image
    assert len(conversions) == 1
    conversions.clear()
    verts = td.analyze(net, K, layer=1, refine=False, estimate=None)
    assert len(conversions) == 1
    conversions.clear()
    network = td.as_network(seq)
    conversions.clear()
    same = td.analyze(network, K, layer=1, exact=True)
    assert conversions == []                         # a Network is never converted again
    assert str(same.predicted) == str(rep.predicted) == "H0 = Z, H1 = Z^3"
    assert str(same.image_homology) == str(rep.image_homology)
    assert np.array_equal(verts.ranks, td.analyze(network, K, 1, refine=False,
                                                  estimate=None).ranks)


def test_rank_and_polytopes_convert_once(conversions):
    seq = td.networks.mlp([2, 3, 2], random_state=13)
    td.rank_decomposition(seq, np.ones((4, 2)))
    td.polytopes.polytope_decomposition(seq, box=2)
    assert len(conversions) == 2
    net = td.as_network(seq)
    conversions.clear()
    td.rank_decomposition(net, np.ones((4, 2)))
    td.polytopes.polytope_decomposition(net, box=2)
    assert conversions == []
