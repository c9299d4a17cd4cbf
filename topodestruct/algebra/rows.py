"""Integer row tables: sorted unique rows and row look-up (the package's one implementation).

Simplices, cubical cells and ReLU codewords are rows of small non-negative
integers; these helpers sort, de-duplicate and locate such rows with scalar
keys (a mixed-radix code in ``int64`` when it fits, big-endian bytes otherwise).
"""
import numpy as np

__all__ = ["unique_rows", "locate_rows", "row_keys", "sorted_unique"]


def sorted_unique(x):
    """Sorted unique values of a 1D array.

    Sort-based: numpy's hash-based unique is slow on millions of int64 keys.

    Examples
    --------
    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    x = np.sort(x, kind="stable" if x.dtype.kind == "V" else None)
    if len(x) <= 1:
        return x
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def row_keys(a, base):
    """Order-preserving scalar keys of the rows of ``a`` (entries in ``[0, base)``).

    Examples
    --------
    >>> row_keys(np.array([[0, 1], [1, 0]]), 2).tolist()
    [1, 2]
    """
    k = a.shape[1]
    if k == 0:
        return np.zeros(len(a), dtype=np.int64)
    if base ** k < 2 ** 62:  # exact mixed-radix code fits in int64
        keys = np.zeros(len(a), dtype=np.int64)
        for j in range(k):
            keys = keys * base + a[:, j]
        return keys
    # big-endian bytes compare like the integers they encode (entries are >= 0)
    return np.ascontiguousarray(a.astype(">i8")).view(f"V{8 * k}").ravel()


def unique_rows(a, return_index=False, return_inverse=False):
    """Lexicographically sorted unique rows of a 2D non-negative integer array.

    Parameters
    ----------
    a : int array, shape (n, k), entries >= 0
    return_index : bool
        Also return the position in ``a`` of the first occurrence of each unique row.
    return_inverse : bool
        Also return, for every row of ``a``, the index of its unique row.

    Returns
    -------
    rows : int64 array, shape (n_unique, k)
    index, inverse : int64 arrays, only when requested (in that order)

    Examples
    --------
    >>> unique_rows(np.array([[1, 2], [0, 5], [1, 2]])).tolist()
    [[0, 5], [1, 2]]
    >>> _, first, inverse = unique_rows(np.array([[1, 2], [0, 5], [1, 2]]),
    ...                                 return_index=True, return_inverse=True)
    >>> first.tolist(), inverse.tolist()
    ([1, 0], [1, 0, 1])
    """
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"unique_rows expects a 2D array, got shape {a.shape}")
    extra = return_index or return_inverse
    if not extra and len(a) <= 1:
        return a.astype(np.int64, copy=True)
    if extra:
        if len(a) == 0:
            empty = np.zeros(0, dtype=np.int64)
            out = (a.astype(np.int64),)
        else:
            keys = row_keys(a.astype(np.int64), int(a.max()) + 1)
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            out = (a[first].astype(np.int64),)
            empty = None
        if return_index:
            out += (empty if empty is not None else first.astype(np.int64),)
        if return_inverse:
            out += (empty if empty is not None else inverse.reshape(-1).astype(np.int64),)
        return out
    k = a.shape[1]
    base = int(a.max()) + 1
    if base ** k < 2 ** 62:  # sort scalar keys, then decode them
        keys = sorted_unique(row_keys(a, base))
        out = np.empty((len(keys), k), dtype=np.int64)
        for j in range(k - 1, -1, -1):
            keys, out[:, j] = np.divmod(keys, base)
        return out
    order = np.lexsort(a.T[::-1])
    a = a[order]
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.any(a[1:] != a[:-1], axis=1, out=keep[1:])
    return a[keep]


def locate_rows(table, rows):
    """Positions of ``rows`` in the lexicographically sorted, duplicate-free ``table``.

    Returns ``(index, found)``; ``index`` is meaningful where ``found``.

    Examples
    --------
    >>> idx, found = locate_rows(np.array([[0, 1], [1, 2]]), np.array([[1, 2], [2, 3]]))
    >>> idx.tolist()[0], found.tolist()
    (1, [True, False])
    """
    if len(table) == 0:
        return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
    base = int(max(table.max(initial=0), rows.max(initial=0))) + 1
    tk, rk = row_keys(table, base), row_keys(rows, base)
    idx = np.searchsorted(tk, rk)
    idx_c = np.minimum(idx, len(table) - 1)
    found = (idx < len(table)) & (tk[idx_c] == rk)
    return idx_c.astype(np.int64), found


def __dir__():  # dir() shows the public names only
    return __all__
