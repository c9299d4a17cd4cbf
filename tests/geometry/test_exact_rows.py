"""Exact rows in integers (geometry.exact_rows) against rationals computed independently."""
import math
from fractions import Fraction

import numpy as np
from flint import fmpq
from hypothesis import given, settings, strategies as st

from topodestruct.geometry.exact_rows import ExactRows, homogeneous, integer_affine, signs
from topodestruct.relu.exact import dyadic_layer, exact_forward

big = st.integers(-(2 ** 300), 2 ** 300)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_integer_affine_is_the_rational_affine_map(data):
    # num / den through W = M / 2**e, b = c / 2**e, against Fractions entry by entry
    N, n, m = (data.draw(st.integers(0, 5)), data.draw(st.integers(1, 4)),
               data.draw(st.integers(1, 4)))
    num = np.array([[data.draw(big) for _ in range(n)] for _ in range(N)],
                   dtype=object).reshape(N, n)
    den = np.array([data.draw(st.integers(1, 2 ** 200)) for _ in range(N)], dtype=object)
    M = [[data.draw(st.integers(-(2 ** 40), 2 ** 40)) for _ in range(n)] for _ in range(m)]
    c = [data.draw(st.integers(-(2 ** 40), 2 ** 40)) for _ in range(m)]
    Z = integer_affine(num, M, c, den)
    assert Z.shape == (N, m)
    for i in range(N):
        for j in range(m):
            want = sum(Fraction(num[i, k], den[i]) * M[j][k] for k in range(n)) + c[j]
            assert Fraction(int(Z[i, j]), den[i]) == want
    assert signs(Z).tolist() == [[(z > 0) - (z < 0) for z in row] for row in Z.tolist()]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.fractions(max_denominator=10 ** 12), min_size=2, max_size=2),
                min_size=1, max_size=6))
def test_rows_hold_their_rationals_in_lowest_terms(rows):
    Q = np.array([[fmpq(x.numerator, x.denominator) for x in r] for r in rows], dtype=object)
    num, den = homogeneous(Q)
    for r, p, d in zip(rows, num.tolist(), den.tolist()):
        assert [Fraction(x, d) for x in p] == r
        assert math.gcd(d, *p) == 1                      # lowest common denominator
    R = ExactRows(num * 3, den * 3)                     # not in lowest terms: same points
    assert [tuple(map(Fraction, map(str, R[i]))) for i in range(len(R))] == \
        [tuple(r) for r in rows]
    assert R.floats().tolist() == [[float(x) for x in r] for r in rows]   # correctly rounded
    sub = R.take([len(rows) - 1, 0])
    assert sub[0] == R[len(rows) - 1] and sub[1] == R[0] and len(sub) == 2
    R.append((fmpq(1, 3), fmpq(-2, 7)))
    assert len(R) == len(rows) + 1 and R[-1] == (fmpq(1, 3), fmpq(-2, 7))
    both = R.take([len(rows), 0])                       # an appended row and a first one
    assert both[0] == (fmpq(1, 3), fmpq(-2, 7)) and both[1] == R[0]
    assert both.floats()[0].tolist() == [1 / 3, -2 / 7]
    assert (np.asarray(R) == R.array()).all() and np.asarray(R).shape == (len(rows) + 1, 2)


def test_dyadic_layer_and_forward_against_fractions():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 3)) * np.array([1e-30, 1.0, 3e5])   # a wide range of exponents
    b = rng.normal(size=4)
    M, c, e = dyadic_layer(W, b)
    for j in range(4):
        for k in range(3):
            assert Fraction(int(M[j, k]), 2 ** e) == Fraction(W[j, k])
        assert Fraction(c[j], 2 ** e) == Fraction(b[j])
    X, W2, b2 = rng.normal(size=(5, 3)), rng.normal(size=(2, 4)), rng.normal(size=2)
    Y = exact_forward([(W, b, True), (W2, b2, False)], X)
    for i in range(5):
        h = [max(Fraction(0), sum(Fraction(W[j, k]) * Fraction(X[i, k]) for k in range(3))
                 + Fraction(b[j])) for j in range(4)]
        z = [sum(Fraction(W2[j, k]) * h[k] for k in range(4)) + Fraction(b2[j]) for j in range(2)]
        assert [Fraction(str(y)) for y in Y[i]] == z
