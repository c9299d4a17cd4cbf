"""The exact points of the image complex, with ids, merged by exact coordinates.

Helper of :func:`topodestruct.geometry.image_complex.refine_image`.
"""
import numpy as np

from .exact_rows import ExactRows, take as _take


class _Points:
    """Exact points with ids, merged by exact coordinates (hashed by their float values,
    which is much cheaper than hashing rationals; equal floats are compared exactly)."""

    def __init__(self):
        self.ids, self.exact, self.floats = {}, [], []

    def add(self, p):
        key = tuple(map(float, p))
        bucket = self.ids.setdefault(key, [])
        i = _equal_in(bucket, p, self.exact.__getitem__)
        if i is not None:
            return i
        bucket.append(len(self.exact))
        self.exact.append(p)
        self.floats.append(key)
        return len(self.exact) - 1

    def add_all(self, rows, F):
        """Ids of the points ``rows`` (floats ``F``), as :meth:`add` one by one would give;
        exact rows stay lazy (:class:`ExactRows`: rationals made only where floats are equal
        and the points are compared; folded layers map many vertices to one point)."""
        keys = list(map(tuple, F.tolist()))
        if self.exact:
            return np.array([self.add(p) for p in rows], dtype=np.int64)
        ids, buckets, first = np.empty(len(keys), dtype=np.int64), {}, []
        for i, k in enumerate(keys):
            bucket = buckets.setdefault(k, [])
            u = _equal_in(bucket, rows[i], lambda u: rows[first[u]]) if bucket else None
            if u is None:
                u = len(first)
                bucket.append(u)
                first.append(i)
            ids[i] = u
        self.ids, self.floats = buckets, [keys[i] for i in first]
        rows = rows if len(first) == len(keys) else _take(rows, first)
        self.exact = rows if isinstance(rows, ExactRows) else list(rows)
        return ids


def _equal_in(bucket, p, point):
    """The first id in ``bucket`` (points of equal floats) whose exact point equals ``p``."""
    return next((i for i in bucket if point(i) == p), None)
