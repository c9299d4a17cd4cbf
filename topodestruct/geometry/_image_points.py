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
        bucket = self.ids.get(key)
        if bucket is None:
            bucket = self.ids[key] = []
        for i in bucket:
            if self.exact[i] == p:
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
            for u in bucket:
                if rows[first[u]] == rows[i]:
                    ids[i] = u
                    break
            else:
                ids[i] = len(first)
                bucket.append(len(first))
                first.append(i)
        self.ids, self.floats = buckets, [keys[i] for i in first]
        rows = rows if len(first) == len(keys) else _take(rows, first)
        self.exact = rows if isinstance(rows, ExactRows) else list(rows)
        return ids
