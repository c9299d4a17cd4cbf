"""Input validation shared by every public entry point (scikit-learn style).

One place decides what an integer argument or a ``random_state`` is, so that
every function rejects bad input with the same clear message.
"""
import numbers

import numpy as np


def is_integer(value):
    """Whether ``value`` is an integer scalar (``bool`` excluded)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_integer(value, name, minimum=None, why=""):
    """Return ``int(value)``; TypeError if not an integer, ValueError if below ``minimum``."""
    if not is_integer(value):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}: {value!r}")
    if minimum is not None and value < minimum:
        bound = {0: "non-negative", 1: "positive"}.get(minimum, f">= {minimum}")
        raise ValueError(f"{name} must be {bound}{why}, got {value}")
    return int(value)


def check_random_state(random_state):
    """A numpy Generator from ``None``, an int seed or a Generator (returned as is)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or is_integer(random_state):
        return np.random.default_rng(random_state)
    raise TypeError("random_state must be None, an int or a numpy.random.Generator, "
                    f"got {type(random_state).__name__}")
