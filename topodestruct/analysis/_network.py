"""The network as float64 numpy layers for the analysis, read from the one network object."""
from ..relu.network import check_layer, default_layer  # noqa: F401 - re-exported for analysis
from ..relu.network import activations as forward  # noqa: F401 - Phi^k(X), k = 1..upto
from ..relu.network import jacobian as jacobians  # noqa: F401


def network_layers(net):
    """``[(W, b, relu), ...]`` in float64 numpy (exact copies of float32/float64 weights).

    ``net`` is anything :func:`topodestruct.as_network` reads; a
    :class:`~topodestruct.relu.network.Network` is not converted again.
    Raises the same TypeError/ValueError as :func:`topodestruct.rank_decomposition`
    for unsupported networks.
    """
    from ..relu.network import as_network

    return list(as_network(net).layers)
