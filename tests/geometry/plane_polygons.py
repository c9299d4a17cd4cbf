"""Exact plane geometry for the tests of the plane decompositions (planar, _triangle_cuts):
points of fractions, orientation, area, strict containment, written from first principles."""
from flint import fmpq


def q(x, y):
    return (fmpq(x), fmpq(y))


def orient(a, b, c):
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def area(poly):
    k = len(poly)
    return sum(poly[i][0] * poly[(i + 1) % k][1] - poly[(i + 1) % k][0] * poly[i][1]
               for i in range(k)) / 2


def strictly_inside(p, poly):
    o = [orient(poly[i], poly[(i + 1) % len(poly)], p) for i in range(len(poly))]
    return all(x > 0 for x in o) or all(x < 0 for x in o)


def strictly_on(p, a, b):
    """``p`` in the open segment ``(a, b)`` (exact)."""
    if orient(a, b, p) != 0 or p in (a, b):
        return False
    k = 0 if a[0] != b[0] else 1
    return min(a[k], b[k]) < p[k] < max(a[k], b[k])
