"""A tiny exact linear-programming feasibility test (simplex method, Bland's rule, rationals).

For the small problems of the exact 3-D image (:mod:`.image_complex_3d`: a
handful of unknowns, a dozen rows): whether ``{x >= 0 : A x = b}`` is
nonempty, decided by phase 1 of the simplex method in exact rational
arithmetic (``flint.fmpq``).  Bland's smallest-index rule makes it terminate
without cycling; no tolerance anywhere.

Examples
--------
>>> feasible([[1, 1]], [1])            # x + y = 1, x, y >= 0
True
>>> feasible([[1, 1], [1, -1]], [1, 2])  # x + y = 1, x - y = 2: x = 3/2, y = -1/2 < 0
False
"""
from flint import fmpq

from .exact import as_exact, pivot as _pivot

__all__ = ["feasible"]

_ZERO = fmpq(0)


def feasible(A, b):
    """Whether some ``x >= 0`` solves ``A x = b`` exactly.

    Parameters
    ----------
    A : list of rows of rationals (flint.fmpq, Fraction, int), shape (m, k)
    b : list of rationals, length m

    Returns
    -------
    bool
    """
    rows = [[as_exact(v) for v in r] for r in A]
    rhs = [as_exact(v) for v in b]
    if len(rows) != len(rhs):
        raise ValueError(f"A has {len(rows)} rows but b has {len(rhs)} entries")
    k = len(rows[0]) if rows else 0
    if any(len(r) != k for r in rows):
        raise ValueError("the rows of A must have equal lengths")
    m = len(rows)
    if m == 0:
        return True
    # phase 1: b >= 0 (rows negated where needed), one artificial per row, minimise their sum
    T = []
    for i, (r, c) in enumerate(zip(rows, rhs)):
        sign = -1 if c < 0 else 1
        T.append([sign * v for v in r] + [fmpq(int(i == j)) for j in range(m)] + [sign * c])
    basis = list(range(k, k + m))
    n = k + m
    # reduced costs of the objective sum(artificials), expressed in the nonbasic variables
    cost = [-sum((T[i][j] for i in range(m)), _ZERO) for j in range(k)] + [_ZERO] * m
    value = -sum((T[i][n] for i in range(m)), _ZERO)       # minus the objective
    while True:
        enter = next((j for j in range(n) if cost[j] < 0), None)   # Bland: smallest index
        if enter is None:
            return value == 0
        ratios = [(T[i][n] / T[i][enter], basis[i], i) for i in range(m) if T[i][enter] > 0]
        if not ratios:                       # unbounded below: impossible for phase 1
            raise AssertionError("phase 1 of the simplex method cannot be unbounded")
        _, _, r = min(ratios)                # ties: smallest basic index (Bland)
        _pivot(T, r, enter)
        f = cost[enter]
        cost = [c - f * t for c, t in zip(cost, T[r][:n])]
        value -= f * T[r][n]
        basis[r] = enter
