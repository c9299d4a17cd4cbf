"""Optimisation test functions (Surjanovic & Bingham's library) with domains, minima and samplers.

The formulas and domains are those of the Virtual Library of Simulation
Experiments (sfu.ca/~ssurjano), as used in the paper's §4 (sphere function)
and appendix 7.3 (Figure 4).  Every function takes points of shape ``(N, d)``
(or ``(d,)``) and returns ``(N,)`` (or a scalar) in float64.

Examples
--------
>>> import numpy as np
>>> from topodestruct.datasets.test_functions import FUNCTIONS, sample
>>> f = FUNCTIONS["rosenbrock"]
>>> float(f(np.ones(20))), f.domain
(0.0, (-5.0, 10.0))
>>> X, y = sample("sphere", 5, d=20, random_state=0)
>>> X.shape, y.shape, bool((np.abs(X) <= 5.12).all())
((5, 20), (5,), True)
"""
import dataclasses

import numpy as np

from .._validation import check_integer, check_random_state

__all__ = ["TestFunction", "FUNCTIONS", "FIGURE4_FUNCTIONS", "sample", "discretise", "sphere",
           "ackley", "rastrigin", "griewank", "schwefel", "levy", "rosenbrock", "styblinski_tang",
           "zakharov", "dixon_price", "michalewicz", "sum_of_different_powers"]


def _points(x):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim not in (1, 2) or x.shape[-1] < 1:
        raise ValueError(f"x must have shape (d,) or (N, d) with d >= 1, got {x.shape}")
    return x


def _out(x, value):
    return float(value) if x.ndim == 1 else value


def _index(x):
    return np.arange(1, x.shape[-1] + 1, dtype=np.float64)


def sphere(x):
    """Sphere function sum x_i^2."""
    x = _points(x)
    return _out(x, np.sum(x ** 2, axis=-1))


def ackley(x, a=20.0, b=0.2, c=2 * np.pi):
    """Ackley function."""
    x = _points(x)
    d = x.shape[-1]
    value = (-a * np.exp(-b * np.sqrt(np.sum(x ** 2, axis=-1) / d))
             - np.exp(np.sum(np.cos(c * x), axis=-1) / d) + a + np.e)
    return _out(x, value)


def rastrigin(x):
    """Rastrigin function 10 d + sum (x_i^2 - 10 cos(2 pi x_i))."""
    x = _points(x)
    return _out(x, 10.0 * x.shape[-1] + np.sum(x ** 2 - 10.0 * np.cos(2 * np.pi * x), axis=-1))


def griewank(x):
    """Griewank function sum x_i^2 / 4000 - prod cos(x_i / sqrt(i)) + 1."""
    x = _points(x)
    return _out(x, np.sum(x ** 2, axis=-1) / 4000.0
                - np.prod(np.cos(x / np.sqrt(_index(x))), axis=-1) + 1.0)


def schwefel(x):
    """Schwefel function 418.9829 d - sum x_i sin(sqrt|x_i|)."""
    x = _points(x)
    return _out(x, 418.9829 * x.shape[-1] - np.sum(x * np.sin(np.sqrt(np.abs(x))), axis=-1))


def levy(x):
    """Levy function with w_i = 1 + (x_i - 1) / 4."""
    x = _points(x)
    w = 1.0 + (x - 1.0) / 4.0
    head = np.sin(np.pi * w[..., 0]) ** 2
    mid = np.sum((w[..., :-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[..., :-1] + 1) ** 2),
                 axis=-1)
    tail = (w[..., -1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[..., -1]) ** 2)
    return _out(x, head + mid + tail)


def rosenbrock(x):
    """Rosenbrock function sum 100 (x_{i+1} - x_i^2)^2 + (x_i - 1)^2."""
    x = _points(x)
    return _out(x, np.sum(100.0 * (x[..., 1:] - x[..., :-1] ** 2) ** 2
                          + (x[..., :-1] - 1.0) ** 2, axis=-1))


def styblinski_tang(x):
    """Styblinski-Tang function (1/2) sum (x_i^4 - 16 x_i^2 + 5 x_i)."""
    x = _points(x)
    return _out(x, 0.5 * np.sum(x ** 4 - 16.0 * x ** 2 + 5.0 * x, axis=-1))


def zakharov(x):
    """Zakharov function sum x_i^2 + s^2 + s^4 with s = sum 0.5 i x_i."""
    x = _points(x)
    s = np.sum(0.5 * _index(x) * x, axis=-1)
    return _out(x, np.sum(x ** 2, axis=-1) + s ** 2 + s ** 4)


def dixon_price(x):
    """Dixon-Price function (x_1 - 1)^2 + sum_{i>=2} i (2 x_i^2 - x_{i-1})^2."""
    x = _points(x)
    i = _index(x)[1:]
    return _out(x, (x[..., 0] - 1.0) ** 2
                + np.sum(i * (2.0 * x[..., 1:] ** 2 - x[..., :-1]) ** 2, axis=-1))


def michalewicz(x, m=10):
    """Michalewicz function -sum sin(x_i) sin^{2m}(i x_i^2 / pi), steepness m = 10."""
    x = _points(x)
    return _out(x, -np.sum(np.sin(x) * np.sin(_index(x) * x ** 2 / np.pi) ** (2 * m), axis=-1))


def sum_of_different_powers(x):
    """Sum of different powers sum |x_i|^{i+1}."""
    x = _points(x)
    return _out(x, np.sum(np.abs(x) ** (_index(x) + 1), axis=-1))


@dataclasses.dataclass(frozen=True)
class TestFunction:
    """A test function with its usual (SSJ) box domain ``[low, high]^d``.

    Attributes
    ----------
    name : str
    func : callable
        ``(N, d) -> (N,)`` in float64.
    domain : (float, float)
        Lower and upper bound of every coordinate.
    minimiser : callable
        ``d -> x*`` (a global minimiser in ``d`` dimensions), or None where it
        has no closed form (Michalewicz).
    """

    __test__ = False  # not a pytest test class

    name: str
    func: object
    domain: tuple
    minimiser: object = None

    def __call__(self, x):
        return self.func(x)


def _constant(value):
    return lambda d: np.full(d, float(value))


def _dixon_price_minimiser(d):
    i = np.arange(1, d + 1, dtype=np.float64)
    return 2.0 ** (-(2.0 ** i - 2.0) / 2.0 ** i)


FUNCTIONS = {f.name: f for f in [
    TestFunction("sphere", sphere, (-5.12, 5.12), _constant(0.0)),
    TestFunction("ackley", ackley, (-32.768, 32.768), _constant(0.0)),
    TestFunction("rastrigin", rastrigin, (-5.12, 5.12), _constant(0.0)),
    TestFunction("griewank", griewank, (-600.0, 600.0), _constant(0.0)),
    TestFunction("schwefel", schwefel, (-500.0, 500.0), _constant(420.9687)),
    TestFunction("levy", levy, (-10.0, 10.0), _constant(1.0)),
    TestFunction("rosenbrock", rosenbrock, (-5.0, 10.0), _constant(1.0)),
    TestFunction("styblinski_tang", styblinski_tang, (-5.0, 5.0), _constant(-2.903534)),
    TestFunction("zakharov", zakharov, (-5.0, 10.0), _constant(0.0)),
    TestFunction("dixon_price", dixon_price, (-10.0, 10.0), _dixon_price_minimiser),
    TestFunction("michalewicz", michalewicz, (0.0, np.pi), None),
    TestFunction("sum_of_different_powers", sum_of_different_powers, (-1.0, 1.0),
                 _constant(0.0)),
]}

# the functions of the paper's Figure 4 (appendix 7.3)
FIGURE4_FUNCTIONS = ("dixon_price", "rosenbrock", "zakharov", "michalewicz", "schwefel",
                     "styblinski_tang", "sphere")


def sample(name, n, d=20, random_state=None):
    """Points uniform on a function's domain and the function's values there.

    Parameters
    ----------
    name : str
        A key of :data:`FUNCTIONS`.
    n : int
        Number of points.
    d : int
        Dimension.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X : (n, d) float64 ndarray
    y : (n,) float64 ndarray
    """
    if name not in FUNCTIONS:
        raise ValueError(f"unknown test function {name!r}; expected one of "
                         f"{', '.join(FUNCTIONS)}")
    n = check_integer(n, "n", minimum=1)
    d = check_integer(d, "d", minimum=1)
    rng = check_random_state(random_state)
    f = FUNCTIONS[name]
    low, high = f.domain
    X = rng.uniform(low, high, size=(n, d))
    return X, f(X)


def discretise(f_ref, f, n):
    """The n-th discretisation: ``k/n`` where ``P_{k/n} <= f < P_{(k+1)/n}`` of ``f_ref``.

    Parameters
    ----------
    f_ref : 1-D array_like
        Values whose percentiles define the levels (the training set).
    f : array_like
        Values to discretise.
    n : int
        Number of levels (>= 2).

    Returns
    -------
    ndarray
        Levels in ``{0, 1/n, ..., (n-1)/n}``.

    Examples
    --------
    >>> np.median(np.arange(8.0))  # the 50th percentile: the only cut of n = 2
    np.float64(3.5)
    >>> discretise(np.arange(8.0), [0.0, 3.4, 3.5, 7.0], 2).tolist()
    [0.0, 0.0, 0.5, 0.5]
    """
    n = check_integer(n, "n", minimum=2)
    f_ref = np.asarray(f_ref, dtype=np.float64)
    if f_ref.ndim != 1 or f_ref.size < n:
        raise ValueError(f"f_ref must be 1-D with at least n = {n} values")
    cuts = np.quantile(f_ref, np.arange(1, n) / n)
    return np.searchsorted(cuts, np.asarray(f, dtype=np.float64), side="right") / n


def __dir__():  # dir() shows the public names only
    return __all__
