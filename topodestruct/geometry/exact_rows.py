"""Exact points as integer rows over one denominator each; rationals made only where read.

A ReLU network with float (dyadic) weights maps a rational point ``P / q`` (integer
vector ``P``, one positive integer ``q``) to a point with denominator ``q * 2**s``.
So the exact images of many points are an integer matrix and one denominator per row:
an affine layer is one integer matrix product (:func:`integer_affine`, flint's fmpz
matrices: no gcd per entry), and a point on a segment is an integer combination of its
ends (:func:`combine`).  :class:`ExactRows` holds such rows and makes the rationals
(``flint.fmpq``, whose construction costs a gcd per entry) only for the rows a decision
reads; its floats are the correct roundings (Python's integer division rounds
correctly).

Examples
--------
>>> import numpy as np
>>> rows = ExactRows(np.array([[1, -6], [4, 2]], dtype=object), np.array([2, 8], dtype=object))
>>> [str(x) for x in rows[0]], rows.floats().tolist()
(['1/2', '-3'], [[0.5, -3.0], [0.5, 0.25]])
>>> len(rows), rows.shape, [str(x) for x in rows.take([1])[0]]
(2, (2, 2), ['1/2', '1/4'])
"""
import math

import numpy as np
from flint import fmpq, fmpz, fmpz_mat

__all__ = ["ExactRows", "take", "integer_rows", "in_segment", "in_segments", "in_triangle",
           "barycentric", "integer_affine", "homogeneous", "signs", "float_ratios", "ratio"]


class ExactRows:
    """A sequence of exact points, row ``i`` being ``num[i] / den[i]``.

    Indexing by an integer gives the row as a tuple of ``flint.fmpq`` (made once,
    cached); by an index array or slice, those rows as ExactRows, without making any
    rationals; :meth:`append` adds a row of rationals (the points an intersection
    creates).  ``num`` is an ``(N, n)`` object array of integers (Python's or
    ``flint.fmpz``), ``den`` an ``(N,)`` object array of positive ones.
    """

    dtype = np.dtype(object)
    ndim = 2

    def __init__(self, num, den):
        num, den = np.asarray(num, dtype=object), np.asarray(den, dtype=object)
        if num.ndim != 2 or den.shape != (len(num),):
            raise ValueError(f"num must be (N, n) and den (N,), got {num.shape}, {den.shape}")
        self.num, self.den, self.width = num, den, num.shape[1]
        self._rows, self._more = {}, []        # rationals made; appended (num, den) rows

    def __len__(self):
        return len(self.num) + len(self._more)

    @property
    def shape(self):
        return (len(self), self.width)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.take(np.arange(len(self))[i])
        if not isinstance(i, (int, np.integer)):
            return self.take(i)
        i = int(i)
        if i < 0:
            i += len(self)
        row = self._rows.get(i)
        if row is None:
            if not 0 <= i < len(self):
                raise IndexError(f"row {i} of {len(self)}")
            p, d = self.integers(i)
            row = self._rows[i] = tuple(fmpq(x, d) for x in p)
        return row

    def integers(self, i):
        """Row ``i`` (an int, ``0 <= i < len(self)``) as ``(integers, denominator)``, no
        rationals made."""
        if i < len(self.num):
            return self.num[i].tolist(), int(self.den[i])
        return self._more[i - len(self.num)]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def append(self, row):
        """Add the point ``row`` (rationals)."""
        row = tuple(x if type(x) is fmpq else fmpq(x) for x in row)
        d = math.lcm(*(int(x.q) for x in row)) if row else 1
        self._rows[len(self)] = row
        self._more.append(([int(x.p) * (d // int(x.q)) for x in row], d))

    def _arrays(self):
        if self._more:
            num = np.empty((len(self._more), self.width), dtype=object)
            num[:] = [p for p, _ in self._more]
            den = np.array([d for _, d in self._more] + [0], dtype=object)[:-1]
            self.num = np.concatenate([self.num, num])
            self.den = np.concatenate([self.den, den])
            self._more = []
        return self.num, self.den

    def take(self, index):
        """The rows ``index`` (ints), as ExactRows; rationals already made are kept."""
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        num, den = self._arrays()
        out = ExactRows(num[index], den[index])
        if self._rows:
            out._rows = {k: self._rows[i] for k, i in enumerate(index.tolist())
                         if i in self._rows}
        return out

    def floats(self):
        """The rows rounded to float64 (correctly: Python's int division rounds so)."""
        num, den = self._arrays()
        return float_ratios(num, den)

    def array(self):
        """An ``(N, n)`` object array of ``flint.fmpq`` (every rational made)."""
        out = np.empty(self.shape, dtype=object)
        for i in range(len(self)):
            out[i] = self[i]
        return out

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype).kind == "f":
            return self.floats().astype(dtype)
        out = self.array()
        return out if dtype is None else out.astype(dtype)

    def __repr__(self):
        return f"ExactRows({len(self)} rows of width {self.width})"


def take(rows, index):
    """The rows ``index`` of a sequence of exact points: ExactRows stay lazy, lists stay
    lists of tuples."""
    if isinstance(rows, ExactRows):
        return rows.take(index)
    return [rows[u] for u in np.asarray(index).tolist()]


def integer_rows(rows, index):
    """``(num, den)`` of the rows ``index`` of a sequence of exact points (ExactRows: no
    rationals made; a list of rational tuples: :func:`homogeneous`)."""
    index = np.asarray(index, dtype=np.int64).reshape(-1)
    if isinstance(rows, ExactRows):
        num, den = rows._arrays()
        return num[index], den[index]
    if not len(index):
        return np.empty((0, len(rows[0]) if len(rows) else 0), dtype=object), \
            np.empty(0, dtype=object)
    return homogeneous([rows[u] for u in index.tolist()])


def in_segment(num, den, a, b):
    """Which points ``num[i] / den[i]`` lie in the closed segment ``[a, b]`` (exact points,
    ``a != b``), decided in integers for all rows at once (:func:`in_segments`).

    Examples
    --------
    >>> from flint import fmpq
    >>> a, b = (fmpq(0), fmpq(1, 2)), (fmpq(2), fmpq(3, 2))
    >>> num = np.array([[1, 1], [3, 4], [0, 1], [4, 3], [6, 4]], dtype=object)
    >>> in_segment(num, np.array([1, 2, 2, 2, 2], dtype=object), a, b).tolist()  # (3, 2): past b
    [True, False, True, True, False]
    """
    H, h = homogeneous([a, b])
    return in_segments(num, den, H[:1], h[:1], H[1:], h[1:])


def in_segments(num, den, anum, aden, bnum, bden):
    """Row by row, whether the point ``num[i] / den[i]`` lies in the closed segment from
    ``anum[i] / aden[i]`` to ``bnum[i] / bden[i]`` (distinct points; rows of one segment
    broadcast), in integers.

    With ``a = A / α``, ``b = B / β``, ``p = P / q``, ``V = α P - q A`` is ``q α (p - a)``
    and ``E = α B - β A`` is ``α β (b - a)``: ``p`` is on the line iff ``V`` is parallel to
    ``E`` (``V_r E_k = V_k E_r`` for every ``r``, ``E_k != 0``), and then
    ``p = a + t (b - a)`` with ``t = β V_k / (q E_k)``, in ``[0, 1]`` iff
    ``0 <= β V_k sign(E_k) <= q |E_k|``. No rationals, so no gcd per entry.
    """
    num, den = np.asarray(num, dtype=object), _fmpz_array(den)
    if not len(num):
        return np.zeros(0, dtype=bool)
    A, al, B, be = (_fmpz_array(x) for x in (anum, aden, bnum, bden))
    E = al[:, None] * B - be[:, None] * A
    k = np.argmax(E != 0, axis=1)[:, None]                  # first nonzero entry per row
    V = al[:, None] * num - den[:, None] * A
    Ek = np.take_along_axis(E, k, axis=1)
    Vk = np.take_along_axis(V, np.broadcast_to(k, (len(V), 1)), axis=1)
    on_line = (V * Ek == Vk * E).all(axis=1)
    Ek, Vk = Ek[:, 0], Vk[:, 0]
    s = np.where(Ek > 0, be * Vk, -be * Vk)
    return np.asarray(on_line & (s >= 0) & (s <= den * abs(Ek)), dtype=bool)


def in_triangle(num, den, a, b, c, ax=None):
    """Which points ``num[i] / den[i]`` lie in the closed triangle ``a, b, c`` (exact,
    affinely independent points), decided in integers for all rows at once
    (:func:`barycentric`: in its plane, no coordinate negative).

    Examples
    --------
    >>> from flint import fmpq
    >>> a, b, c = [tuple(map(fmpq, p)) for p in ((0, 0, 0), (2, 0, 0), (0, 2, 2))]
    >>> num = np.array([[1, 1, 1], [1, 1, 2], [2, 0, 0], [1, 1, 1], [3, 1, 1]], dtype=object)
    >>> in_triangle(num, np.array([2, 1, 1, 1, 1], dtype=object), a, b, c).tolist()  # vertex, edge
    [True, False, True, True, False]
    """
    in_plane, L = barycentric(num, den, a, b, c, ax)
    return np.asarray(in_plane & (L >= 0).all(axis=1), dtype=bool)


def barycentric(num, den, a, b, c, ax=None):
    """Whether each point ``num[i] / den[i]`` lies in the plane of the triangle ``a, b, c``
    (exact, affinely independent), and its barycentric coordinates there times a positive
    integer of its row (so their signs and ratios are exact): ``(in_plane, L)``, ``L`` an
    ``(m, 3)`` object array of integers (meaningless off the plane).

    With ``a = A / α``, ``b = B / β``, ``c = C / γ`` in lowest homogeneous terms,
    ``U = α B - β A = αβ (b - a)``, ``V = α C - γ A = αγ (c - a)`` and
    ``W = α P - q A = qα (p - a)``: ``p = a + s (b - a) + t (c - a)`` iff
    ``W = σ U + τ V`` with ``s = σ β / q``, ``t = τ γ / q``. Cramer's rule in two
    coordinates ``i, j`` where ``D = U_i V_j - U_j V_i != 0`` gives ``S = σ D`` and
    ``T = τ D`` in integers; ``p`` is in the plane iff ``D W = S U + T V`` in every
    coordinate, and then ``(1 - s - t, s, t) q |D| = ±(q D - S β - T γ, S β, T γ)`` (the
    sign of ``D``). ``ax``: :func:`~.exact.axes` of the triangle where the caller has it
    (its ``i, j``).
    """
    from .exact import axes, homogeneous as point

    i, j = (axes(a, b, c) if ax is None else ax)[:2]
    (A, al), (B, be), (C, ga) = [(h[:-1], h[-1]) for h in map(point, (a, b, c))]
    U = np.array([al * y - be * x for x, y in zip(A, B)], dtype=object)
    V = np.array([al * y - ga * x for x, y in zip(A, C)], dtype=object)
    D = U[i] * V[j] - U[j] * V[i]
    num, den = np.asarray(num, dtype=object), _fmpz_array(den)
    if not len(num):
        return np.zeros(0, dtype=bool), np.empty((0, 3), dtype=object)
    W = al * num - den[:, None] * np.array(A, dtype=object)
    S, T = W[:, i] * V[j] - W[:, j] * V[i], U[i] * W[:, j] - U[j] * W[:, i]
    in_plane = (D * W == np.multiply.outer(S, U) + np.multiply.outer(T, V)).all(axis=1)
    if D < 0:
        S, T, D = -S, -T, -D
    S, T = S * be, T * ga
    return np.asarray(in_plane, dtype=bool), np.stack([den * D - S - T, S, T], axis=1)


def _fmpz_array(x):
    """An object array of ``flint.fmpz`` (products of integers of thousands of bits, as
    exact tests at depth make, are several times faster in flint than in Python)."""
    x = np.asarray(x, dtype=object)
    out = np.empty(x.shape, dtype=object)
    out.ravel()[:] = [v if type(v) is fmpz else fmpz(v) for v in x.ravel().tolist()]
    return out


def integer_affine(num, M, c, den):
    """``num @ M.T + den * c`` in integers (an ``(N, n')`` object array of ``flint.fmpz``).

    ``num`` is ``(N, n)``, ``den`` ``(N,)`` (object arrays of integers, Python's or
    flint's), ``M`` an ``(n', n)`` and ``c`` an ``(n',)`` sequence of ints: one fmpz
    matrix product (fmpz in, as it gives them out, is the cheapest conversion).
    """
    N, n = num.shape
    out = np.empty((N, len(M)), dtype=object)
    if N == 0 or len(M) == 0:
        return out
    A = np.empty((N, n + 1), dtype=object)
    A[:, :n], A[:, n] = num, den
    B = fmpz_mat(n + 1, len(M), [int(M[j][i]) for i in range(n) for j in range(len(M))]
                 + [int(x) for x in c])
    out.ravel()[:] = (fmpz_mat(N, n + 1, A.ravel().tolist()) * B).entries()
    return out


def homogeneous(Q):
    """Rows of rationals (``fmpq``, ints or floats) as ``(num, den)``: ``den`` the least
    common denominator of each row, so that ``num / den`` is in lowest terms
    (:func:`.exact.homogeneous` of each row, as Python ints)."""
    from .exact import as_exact, homogeneous as point

    Q = np.asarray(Q)
    if Q.ndim != 2:
        raise ValueError(f"expected a 2D array of points, got shape {Q.shape}")
    num = np.empty(Q.shape, dtype=object)
    den = np.empty(len(Q), dtype=object)
    for i, row in enumerate(Q.tolist()):
        h = point([x if type(x) is fmpq else as_exact(x) for x in row])
        num[i], den[i] = [int(x) for x in h[:-1]], int(h[-1])
    return num, den


def float_ratios(num, den):
    """``num / den`` row by row, correctly rounded (object arrays of integers, Python's or
    flint's; ``den`` ``(V,)``)."""
    out = np.empty(num.shape)
    if num.size:
        try:
            out[:] = [[int(x) / d for x in row] for row, d in zip(num.tolist(), map(int, den))]
        except OverflowError:       # beyond float64: +-inf, for the callers' finiteness checks
            out[:] = [[ratio(int(x), d) for x in row]
                      for row, d in zip(num.tolist(), map(int, den))]
    return out


def ratio(x, d):
    """``x / d`` for integers, correctly rounded; +-inf beyond float64."""
    try:
        return x / d
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def signs(num):
    """Signs (int8, -1/0/1) of an object array of ints."""
    num = np.asarray(num, dtype=object)
    return (num > 0).astype(np.int8) - (num < 0).astype(np.int8)


def __dir__():  # dir() shows the public names only
    return __all__
