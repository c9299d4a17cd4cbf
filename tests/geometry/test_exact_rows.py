"""Exact rows in integers (geometry.exact_rows) against rationals computed independently."""
import math
from fractions import Fraction

import numpy as np
from flint import fmpq
from hypothesis import given, settings, strategies as st

from topodestruct.geometry.exact_rows import (ExactRows, homogeneous, in_segment, integer_affine,
                                             integer_rows, signs)
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


def _on_closed_segment(p, a, b):
    """Reference: p = a + t (b - a) for one t in [0, 1], with Fractions."""
    d = [y - x for x, y in zip(a, b)]
    k = next(r for r, x in enumerate(d) if x)
    t = (p[k] - a[k]) / d[k]
    return 0 <= t <= 1 and all(p[r] - a[r] == t * d[r] for r in range(len(a)))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_in_segment_against_fractions(data):
    """Points on the segment, on its line beyond it, and off it (near misses by one unit in
    a large denominator), as lazy rows and as lists of rationals."""
    n = data.draw(st.integers(1, 4))
    frac = st.fractions(min_value=-8, max_value=8, max_denominator=10 ** 9)
    a = data.draw(st.lists(frac, min_size=n, max_size=n))
    b = data.draw(st.lists(frac, min_size=n, max_size=n).filter(lambda b: b != a))
    pts = []
    for t in data.draw(st.lists(st.fractions(-1, 2, max_denominator=10 ** 6), max_size=8)):
        p = [x + t * (y - x) for x, y in zip(a, b)]
        if data.draw(st.booleans()):              # nudged off the line in one coordinate
            r = data.draw(st.integers(0, n - 1))
            p[r] += Fraction(data.draw(st.sampled_from([1, -1])), 10 ** 30)
        pts.append(p)
    pts += data.draw(st.lists(st.lists(frac, min_size=n, max_size=n), max_size=4))
    want = [_on_closed_segment(p, a, b) for p in pts]
    fa, fb = (tuple(fmpq(x.numerator, x.denominator) for x in v) for v in (a, b))
    rows = [tuple(fmpq(x.numerator, x.denominator) for x in p) for p in pts]
    for where in (rows, ExactRows(*homogeneous(rows)) if rows else rows):
        got = in_segment(*integer_rows(where, range(len(rows))), fa, fb)
        assert got.tolist() == want
