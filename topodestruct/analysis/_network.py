"""The network as float64 numpy layers, read through the package's parser (relu.parse)."""
import numpy as np


def network_layers(net):
    """``[(W, b, relu), ...]`` in float64 numpy (exact copies of float32/float64 weights).

    Raises the same TypeError/ValueError as :func:`topodestruct.rank_decomposition`
    for unsupported networks.
    """
    from ..relu.parse import parse_network

    layers, _ = parse_network(net)
    return [(lay.W.detach().cpu().to(dtype=lay.W.dtype).double().numpy(),
             lay.b.detach().cpu().double().numpy(), bool(lay.relu)) for lay in layers]


def default_layer(layers):
    """The last hidden layer: the last layer followed by a ReLU (1-based), else the last."""
    relu = [k for k, (_, _, r) in enumerate(layers, start=1) if r]
    return relu[-1] if relu else len(layers)


def check_layer(layer, layers):
    """1-based layer index in ``1..len(layers)`` (``None``: :func:`default_layer`)."""
    from .._validation import is_integer

    L = len(layers)
    if layer is None:
        return default_layer(layers)
    if not is_integer(layer):
        raise TypeError(f"layer must be an int (1-based), got {type(layer).__name__}")
    if not 1 <= int(layer) <= L:
        raise ValueError(f"layer is 1-based (Omega_n^K of the paper): expected 1 <= layer <= "
                         f"{L} for this {L}-layer network, got {layer}")
    return int(layer)


def forward(layers, X, upto):
    """Post-activations ``Phi^k(X)`` for k = 1..upto, float64."""
    h = np.asarray(X, dtype=np.float64)
    out = []
    for W, b, relu in layers[:upto]:
        z = h @ W.T + b
        h = np.maximum(z, 0.0) if relu else z
        out.append(h)
    return out


def jacobians(layers, codes, upto):
    """Float64 Jacobian ``D_K W_K ... D_1 W_1`` of ``Phi^upto`` for one list of codewords."""
    J = None
    for k in range(upto):
        W, _, relu = layers[k]
        M = W if J is None else W @ J
        if relu:
            M = M * codes[k][:, None]
        J = M
    return J
