"""The command line reads models and checks layers with the package's own code (issue 22).

``topodestruct._cli_checks`` only turns the package's refusals into one-line usage
errors: the file goes through :func:`topodestruct.relu.load.read_saved` once, the
layer through :meth:`topodestruct.Network.check_layer`.
"""
import inspect

import pytest
import torch
from torch import nn

import topodestruct as td
from topodestruct import _cli_checks
from topodestruct.relu import load
from topodestruct.relu.network import Network


def test_a_model_is_read_once_by_the_package_loader(tmp_path, monkeypatch):
    torch.manual_seed(0)
    path = tmp_path / "net.pt"
    torch.save(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)).state_dict(), path)
    calls = []
    read = load.read_saved
    monkeypatch.setattr(load, "read_saved", lambda p: calls.append(p) or read(p))
    net, info = _cli_checks.load_model(str(path))
    assert calls == [str(path)]
    assert isinstance(net, Network) and net == td.load_network(path)
    assert info["source"] == str(path) and info["widths"] == [2, 3, 2]
    assert "torch.load" not in inspect.getsource(_cli_checks)      # no second loader


def test_the_layer_is_checked_by_the_network(monkeypatch):
    net = td.as_network(td.networks.mlp([2, 3, 3], random_state=0))
    calls = []
    check = Network.check_layer
    monkeypatch.setattr(Network, "check_layer", lambda self, k: calls.append(k) or check(self, k))
    assert _cli_checks.check_layer(net, None) == 2                 # the last hidden layer
    with pytest.raises(_cli_checks.UsageError, match=r"--layer 3 is out of range: this "
                                                     r"network has 2 layer\(s\), numbered 1..2"):
        _cli_checks.check_layer(net, 3)
    assert calls == [None, 3]
