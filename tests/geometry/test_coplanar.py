"""Exact plane keys and the coplanar shortcut of the image complex (issue 23, speed).

Folded layers of trained networks map many regions into one plane; their image triangles
are clipped in a chart of that plane (``intersect_coplanar``) instead of by the general
intersection. Checked here against the general routine on random exact configurations,
and the plane key against its definition (equal exactly when the planes are equal).
"""
import random
from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq, fmpq_mat

from topodestruct.geometry import exact as E


def _q(x):
    x = Fraction(x)
    return fmpq(x.numerator, x.denominator)


def _plane(rng, n):
    """A random plane in R^n: a point and two directions with small rational entries."""
    pick = lambda: _q(Fraction(rng.randint(-6, 6), rng.randint(1, 3)))  # noqa: E731
    return [pick() for _ in range(n)], [[pick() for _ in range(n)] for _ in range(2)]


def _point(plane, s, t):
    o, (u, v) = plane
    return tuple(a + _q(s) * x + _q(t) * y for a, x, y in zip(o, u, v))


def _triangle(rng, plane, small=False):
    r = (lambda: Fraction(rng.randint(-4, 4), 2)) if small else \
        (lambda: Fraction(rng.randint(-8, 8), rng.randint(1, 4)))
    while True:
        st = [(r(), r()) for _ in range(3)]
        (a, b), (c, d), (e, f) = st
        if (c - a) * (f - b) - (d - b) * (e - a) != 0:
            return [_point(plane, s, t) for s, t in st], st


@pytest.mark.parametrize("seed", range(6))
def test_plane_key_identifies_planes(seed):
    rng = random.Random(seed)
    for _ in range(20):
        n = rng.randint(3, 6)
        plane = _plane(rng, n)
        if fmpq_mat(plane[1]).rank() < 2:
            continue
        T1, _ = _triangle(rng, plane)
        T2, _ = _triangle(rng, plane)
        assert E.plane_key(*T1) == E.plane_key(*T2)
        # the same triangle with one vertex moved off the plane by a tiny rational amount
        off = list(T1[2])
        off[rng.randrange(n)] += fmpq(1, 10 ** 12)
        rows = [[b - a for a, b in zip(T1[0], q)] for q in (T1[1], T1[2], off)]
        in_plane = fmpq_mat(rows).rank() == 2     # independent of plane_key
        assert (E.plane_key(T1[0], T1[1], tuple(off)) == E.plane_key(*T1)) == in_plane


@pytest.mark.parametrize("seed", range(8))
def test_intersect_coplanar_equals_general_intersection(seed):
    # small half-integer grids make shared vertices, touching edges and equal triangles
    rng = random.Random(100 + seed)
    kinds = set()
    for _ in range(40):
        n = rng.randint(2, 5)
        plane = _plane(rng, n)
        if fmpq_mat(plane[1]).rank() < 2:
            continue
        P, sp = _triangle(rng, plane, small=True)
        Q, sq = _triangle(rng, plane, small=True)
        assert E.plane_key(*P) == E.plane_key(*Q)
        got = E.intersect_coplanar(P, Q, E.plane_key(*P))
        want = E.intersect(P, Q)
        assert len(got) == len(want) and all(any(p == q for q in want) for p in got)
        kinds.add(len(want) if len(want) < 3 else 3)
    assert kinds >= {0, 3}      # disjoint and overlapping pairs both occurred


class _Pieces:
    """The fields of the image complex's pieces that ``_overlap_in_area`` reads."""

    def __init__(self, triangles):
        pts = sorted({p for T in triangles for p in T})
        index = {p: i for i, p in enumerate(pts)}
        self.P = type("P", (), {"exact": pts})()
        self.Xu = np.array([[float(x) for x in p] for p in pts])
        self.pad = np.array([[index[p] for p in T] for T in triangles], dtype=np.int64)


@pytest.mark.parametrize("seed", range(4))
def test_overlap_in_area_agrees_with_the_general_intersection(seed):
    """Two triangles of one plane overlap in area exactly when the general intersection
    (:func:`intersect`, a linear solve sharing nothing with the separating-axis signs) has a
    2-dimensional set of corners; half-integer grids and shared corners make touching,
    edge-sharing and folded pairs common."""
    from topodestruct.geometry._image_pairs import _overlap_in_area

    rng = random.Random(100 + seed)
    triangles, kinds = [], []
    n = 3 + seed % 3                                 # one ambient dimension per run
    for _ in range(60):
        plane = _plane(rng, n)
        if fmpq_mat(plane[1]).rank() < 2:
            continue
        T1, _ = _triangle(rng, plane, small=True)
        T2, _ = _triangle(rng, plane, small=True)
        share = rng.randint(0, 2)                    # corners of T1 that T2 reuses
        T2 = T1[:share] + T2[share:]
        rows = [[b - a for a, b in zip(T2[0], q)] for q in T2[1:]]
        if fmpq_mat(rows).rank() < 2:
            continue
        I = E.intersect(list(T1), list(T2))
        flat = len(I) < 3 or fmpq_mat([[b - a for a, b in zip(I[0], q)] for q in I[1:]]
                                       ).rank() < 2
        triangles += [tuple(T1), tuple(T2)]
        kinds.append(not flat)
    pc = _Pieces(triangles)
    pairs = np.arange(len(triangles)).reshape(-1, 2)
    planes = {f: E.plane_key(*triangles[f]) for f in range(len(triangles))}
    assert _overlap_in_area(pairs, pc, planes).tolist() == kinds
    assert 5 < sum(kinds) < len(kinds) - 5          # both answers occur
