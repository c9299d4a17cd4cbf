"""Array conversions between gudhi ``SimplexTree`` objects and sorted simplex tables.

Reading: gudhi pickles a simplex tree as a byte array (``__getstate__``): a
small header, then depth-first, for every node its number of children and
their ``(vertex: int32, filtration: float64)`` records, children sorted by
vertex. A compiled pass (:func:`_parse`) walks it once and writes the
simplices of each dimension, already in lexicographic order. The layout is
checked (header, exact length, count per dimension, order); anything
unexpected falls back to gudhi's own iterator, so a change in gudhi's format
costs speed, never correctness.

Writing: ``SimplexTree.insert_batch`` of the top simplices of each dimension
(faces come with them), one call per dimension.
"""
import sys

import numpy as np
from numba import njit

_HEADER = bytes([1, 0, 1, 0, 0, 0])  # layout this parser was checked against (gudhi 3.10+)
_RECORD = 12                          # int32 vertex + float64 filtration


@njit(cache=True, nogil=True, inline="always")
def _i32(b, pos):
    v = np.int64(b[pos]) | (np.int64(b[pos + 1]) << 8) | (np.int64(b[pos + 2]) << 16) \
        | (np.int64(b[pos + 3]) << 24)
    return v - (np.int64(1) << 32) if v >= (np.int64(1) << 31) else v


@njit(cache=True, nogil=True)
def _parse(b, start, offsets, max_dim):
    """Simplices of the serialized tree ``b`` into the flat table ``out``.

    Dimension ``d`` is written from ``offsets[d]`` (``d + 1`` ids per simplex).
    Returns ``(status, out, cursor)``; status 0 when the buffer was consumed
    exactly and every dimension fit.
    """
    out = np.empty(offsets[-1], np.int64)
    cursor = offsets[:-1].copy()
    f_start = np.empty(max_dim + 2, np.int64)
    f_n = np.empty(max_dim + 2, np.int64)
    f_i = np.empty(max_dim + 2, np.int64)
    prefix = np.empty(max_dim + 2, np.int64)
    end = len(b)
    pos = start
    if pos + 4 > end:
        return 1, out, cursor
    n = _i32(b, pos)
    pos += 4
    f_start[0], f_n[0], f_i[0] = pos, n, 0
    pos += n * _RECORD
    depth = 0
    while depth >= 0:
        if f_i[depth] == f_n[depth]:
            depth -= 1
            continue
        i = f_i[depth]
        f_i[depth] += 1
        prefix[depth] = _i32(b, f_start[depth] + i * _RECORD)
        if depth > max_dim or cursor[depth] + depth + 1 > offsets[depth + 1] or pos + 4 > end:
            return 1, out, cursor
        for k in range(depth + 1):
            out[cursor[depth] + k] = prefix[k]
        cursor[depth] += depth + 1
        n = _i32(b, pos)
        pos += 4
        if n < 0 or pos + n * _RECORD > end:
            return 1, out, cursor
        if n:
            depth += 1
            f_start[depth], f_n[depth], f_i[depth] = pos, n, 0
            pos += n * _RECORD
    return (0 if pos == end else 1), out, cursor


def _is_sorted_unique(a):
    if len(a) < 2:
        return True
    diff = a[1:] - a[:-1]
    first = np.argmax(diff != 0, axis=1)  # first differing column (0 if equal rows)
    return bool(np.all(diff[np.arange(len(diff)), first] > 0))


def simplex_arrays(simplex_tree):
    """Sorted ``(n_d, d + 1)`` int64 arrays of the simplices of a SimplexTree, by dimension."""
    counts = [int(c) for c in simplex_tree.num_simplices_by_dimension()] \
        if simplex_tree.num_simplices() else []
    arrays = _from_serialization(simplex_tree, counts) if counts else None
    if arrays is None:
        arrays = _from_iterator(simplex_tree, len(counts) - 1)
    return arrays


def _from_serialization(simplex_tree, counts):
    if sys.byteorder != "little" or not hasattr(simplex_tree, "__getstate__"):
        return None
    try:
        buf = np.asarray(simplex_tree.__getstate__())
    except Exception:  # noqa: BLE001 - any failure means: use the iterator instead
        return None
    if buf.ndim != 1 or buf.dtype.itemsize != 1 or bytes(buf[:len(_HEADER)].tobytes()) != _HEADER:
        return None
    sizes = np.array([c * (d + 1) for d, c in enumerate(counts)], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    status, out, cursor = _parse(buf.view(np.uint8), len(_HEADER), offsets, len(counts) - 1)
    if status or np.any(cursor != offsets[1:]):
        return None
    arrays = [out[offsets[d]:offsets[d + 1]].reshape(counts[d], d + 1)
              for d in range(len(counts))]
    if not all(_is_sorted_unique(a) for a in arrays):
        return None
    return arrays


def _from_iterator(simplex_tree, dim):
    groups = [[] for _ in range(dim + 1)]
    for s, _ in simplex_tree.get_simplices():
        groups[len(s) - 1].extend(s)
    arrays = []
    for d, flat in enumerate(groups):
        a = np.array(flat, dtype=np.int64).reshape(-1, d + 1)
        a.sort(axis=1)
        order = np.lexsort(a.T[::-1]) if len(a) else np.zeros(0, np.int64)
        arrays.append(a[order])
    return arrays


@njit(cache=True, nogil=True, inline="always")
def _put_i32(b, pos, v):
    for k in range(4):
        b[pos + k] = (v >> (8 * k)) & 255


@njit(cache=True, nogil=True)
def _serialize(last, child_start, dim_offsets, header):
    """Byte layout of :func:`_parse` (all filtration values 0) from the simplex tables.

    ``last[dim_offsets[d] + i]`` is the last vertex of the ``i``-th ``d``-simplex;
    its children are the ``(d+1)``-simplices ``child_start[g] .. child_start[g+1]``
    (``g = dim_offsets[d] + i``; children indices are global too).
    """
    n_total = dim_offsets[-1]
    b = np.zeros(len(header) + 4 + 16 * n_total, np.uint8)
    for k in range(len(header)):
        b[k] = header[k]
    max_dim = len(dim_offsets) - 1
    f_lo = np.empty(max_dim + 1, np.int64)
    f_hi = np.empty(max_dim + 1, np.int64)
    pos = len(header)
    n0 = dim_offsets[1] - dim_offsets[0]
    _put_i32(b, pos, n0)
    pos += 4
    for g in range(n0):
        _put_i32(b, pos, last[g])
        pos += _RECORD
    f_lo[0], f_hi[0] = 0, n0
    depth = 0
    while depth >= 0:
        if f_lo[depth] == f_hi[depth]:
            depth -= 1
            continue
        g = f_lo[depth]
        f_lo[depth] += 1
        lo, hi = child_start[g], child_start[g + 1]
        _put_i32(b, pos, hi - lo)
        pos += 4
        for c in range(lo, hi):
            _put_i32(b, pos, last[c])
            pos += _RECORD
        if hi > lo:
            depth += 1
            f_lo[depth], f_hi[depth] = lo, hi
    return b


def _serialized(arrays):
    """Serialized simplex tree (gudhi's pickle layout) of closed, sorted simplex tables."""
    from ..algebra.rows import locate_rows
    counts = [len(a) for a in arrays]
    dim_offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    last = np.concatenate([a[:, -1] for a in arrays]).astype(np.int64)
    child_start = np.empty(dim_offsets[-1] + 1, np.int64)
    for d, a in enumerate(arrays):
        lo, hi = dim_offsets[d], dim_offsets[d + 1]
        if d + 1 < len(arrays) and len(arrays[d + 1]):
            parent, _ = locate_rows(a, arrays[d + 1][:, :d + 1])
            first = np.searchsorted(parent, np.arange(len(a)))  # children are contiguous
            child_start[lo:hi] = dim_offsets[d + 1] + first
        else:
            child_start[lo:hi] = dim_offsets[d + 1] if d + 1 < len(arrays) else dim_offsets[-1]
    child_start[-1] = dim_offsets[-1]
    b = _serialize(last, child_start, dim_offsets, np.frombuffer(_HEADER, np.uint8))
    return b.view(np.int8)


_LAYOUT_OK = None


def _layout_ok(gudhi):
    """Whether this gudhi serializes trees exactly as :func:`_serialize` does (checked once)."""
    global _LAYOUT_OK
    if _LAYOUT_OK is None:
        try:
            st = gudhi.SimplexTree()
            for s in ([0, 1, 2], [1, 2, 3], [2, 5], [7]):
                st.insert(s)
            arrays = simplex_arrays(st)
            _LAYOUT_OK = (sys.byteorder == "little"
                          and np.array_equal(np.asarray(st.__getstate__()), _serialized(arrays)))
        except Exception:  # noqa: BLE001 - any surprise: use insert_batch
            _LAYOUT_OK = False
    return _LAYOUT_OK


def to_tree(arrays):
    """A gudhi SimplexTree (filtration values 0) holding the closed, sorted simplex tables."""
    import gudhi
    if arrays and len(arrays[0]) and _layout_ok(gudhi):
        buf = _serialized(arrays)
        buf.flags.writeable = False
        st = gudhi.SimplexTree.__new__(gudhi.SimplexTree)
        st.__setstate__(buf)
        if [int(c) for c in st.num_simplices_by_dimension()] == [len(a) for a in arrays]:
            return st
    st = gudhi.SimplexTree()
    for a in arrays[::-1]:  # top first: lower simplices are then mostly present already
        if len(a):
            st.insert_batch(np.ascontiguousarray(a.T), np.zeros(len(a)))
    return st
