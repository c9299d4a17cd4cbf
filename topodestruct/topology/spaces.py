"""Standard triangulations with vertex coordinates: circle, spheres, torus, Klein bottle, RP^2, ...

Every builder returns a :class:`~topodestruct.topology.simplicial.SimplicialComplex`
with ``coordinates`` (an embedding or the usual picture of the space).
"""
import itertools

import numpy as np

from .._validation import check_integer
from .operations import barycentric_subdivision
from .simplicial import SimplicialComplex

__all__ = ["circle", "sphere", "torus", "klein_bottle", "projective_plane", "mobius_band",
           "disk", "simplex", "cube_sphere"]


def _check_size(name, value, minimum):
    return check_integer(value, name, minimum, why=" for a valid triangulation")


def circle(n=8):
    """Triangulated circle: ``n`` vertices at angles ``2 pi i / n``, edges ``(i, i+1 mod n)``.

    Examples
    --------
    >>> circle(5).f_vector
    (5, 5)
    """
    n = _check_size("n", n, 3)
    i = np.arange(n)
    t = 2 * np.pi * i / n
    return SimplicialComplex(np.stack([i, (i + 1) % n], axis=1),
                             coordinates=np.stack([np.cos(t), np.sin(t)], axis=1))


def sphere(d=2):
    """The ``d``-sphere as the boundary of the ``(d+1)``-simplex (``d + 2`` vertices).

    Coordinates: the vertices of a regular simplex inscribed in the unit sphere
    of R^(d+1).

    Examples
    --------
    >>> sphere(2).f_vector
    (4, 6, 4)
    """
    d = _check_size("d", d, 0)
    n = d + 2
    tops = list(itertools.combinations(range(n), d + 1))
    E = np.eye(n) - 1.0 / n  # centred standard simplex in the hyperplane sum = 0
    basis = np.linalg.svd(E)[2][:d + 1]
    coords = E @ basis.T
    coords /= np.linalg.norm(coords, axis=1, keepdims=True)
    return SimplicialComplex(tops, coordinates=coords)


def cube_sphere(k=6):
    """A finer triangulated 2-sphere: the surface of the cube ``[0, k]^3``, unit squares cut in two.

    Disjoint disks and loops fit on it (the boundary of a simplex is too coarse).
    Coordinates: the surface points pushed radially onto the unit sphere.

    Examples
    --------
    >>> cube_sphere(2).f_vector
    (26, 72, 48)
    """
    k = _check_size("k", k, 1)
    grid = np.stack(np.meshgrid(*(np.arange(k + 1),) * 3, indexing="ij"), -1).reshape(-1, 3)
    pts = grid[((grid == 0) | (grid == k)).any(1)]
    ids = -np.ones((k + 1,) * 3, dtype=np.int64)
    ids[tuple(pts.T)] = np.arange(len(pts))
    a, b = (x.ravel() for x in np.meshgrid(np.arange(k), np.arange(k), indexing="ij"))
    tris = []
    for axis in range(3):
        u, v = [ax for ax in range(3) if ax != axis]
        for side in (0, k):
            def vid(du, dv):
                idx = [None] * 3
                idx[axis], idx[u], idx[v] = np.full_like(a, side), a + du, b + dv
                return ids[tuple(idx)]
            p00, p10, p01, p11 = vid(0, 0), vid(1, 0), vid(0, 1), vid(1, 1)
            tris += [np.stack([p00, p10, p11], 1), np.stack([p00, p01, p11], 1)]
    centred = pts - k / 2.0
    coords = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    return SimplicialComplex(np.concatenate(tris), coordinates=coords)


def simplex(d=2):
    """The full ``d``-simplex (contractible), vertices ``0..d``."""
    d = _check_size("d", d, 0)
    coords = np.eye(d + 1)
    return SimplicialComplex([tuple(range(d + 1))], coordinates=coords)


def _grid_triangles(n, m, wrap):
    """Triangles of an n x m grid of squares; ``wrap(i, j)`` maps grid points to vertex ids."""
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    i, j = i.ravel(), j.ravel()
    a, b, c, e = wrap(i, j), wrap(i + 1, j), wrap(i + 1, j + 1), wrap(i, j + 1)
    return np.concatenate([np.stack([a, b, c], 1), np.stack([a, e, c], 1)])


def torus(n=6, m=None):
    """Grid triangulation of the torus; grid vertex ``(i, j)`` has id ``i * m + j``.

    Each square ``(i, j)-(i+1, j)-(i+1, j+1)-(i, j+1)`` (indices mod n, m) is
    cut along its diagonal ``(i, j)-(i+1, j+1)``. Coordinates: the standard
    embedding in R^3 with radii 2 and 1; ``i`` is the angle around the tube and ``j``
    the angle around the z axis, so ``{(i, 0)}`` is a meridian and ``{(0, j)}`` a
    longitude.

    Parameters
    ----------
    n, m : int >= 3
        Grid size (``m`` defaults to ``n``).

    Examples
    --------
    >>> torus(6, 6).f_vector
    (36, 108, 72)
    """
    n = _check_size("n", n, 3)
    m = n if m is None else _check_size("m", m, 3)
    tri = _grid_triangles(n, m, lambda i, j: (i % n) * m + (j % m))
    v, u = _grid_angles(n, m)  # u: around the z axis (j), v: around the tube (i)
    coords = np.stack([(2 + np.cos(v)) * np.cos(u), (2 + np.cos(v)) * np.sin(u), np.sin(v)], 1)
    return SimplicialComplex(tri, coordinates=coords)


def _grid_angles(n, m):
    """Angles ``2 pi i / n`` and ``2 pi j / m`` of grid vertex ``i * m + j``, raveled."""
    a, b = np.meshgrid(2 * np.pi * np.arange(n) / n, 2 * np.pi * np.arange(m) / m, indexing="ij")
    return a.ravel(), b.ravel()


def klein_bottle(n=6, m=None):
    """Grid triangulation of the Klein bottle; grid vertex ``(i, j)`` has id ``i * m + j``.

    Like :func:`torus`, but crossing ``i = n -> 0`` reflects ``j -> -j mod m``.
    Coordinates: the figure-8 immersion in R^3.

    Examples
    --------
    >>> klein_bottle(6, 6).f_vector
    (36, 108, 72)
    """
    n = _check_size("n", n, 3)
    m = n if m is None else _check_size("m", m, 3)

    def wrap(i, j):
        flip = i >= n
        j = np.where(flip, -j, j) % m
        return (i % n) * m + j
    tri = _grid_triangles(n, m, wrap)
    u, v = _grid_angles(n, m)
    r = 2 + np.cos(u / 2) * np.sin(v) - np.sin(u / 2) * np.sin(2 * v)
    coords = np.stack([r * np.cos(u), r * np.sin(u),
                       np.sin(u / 2) * np.sin(v) + np.cos(u / 2) * np.sin(2 * v)], 1)
    return SimplicialComplex(tri, coordinates=coords)


_RP2_6 = [(0, 1, 2), (0, 2, 3), (0, 3, 4), (0, 4, 5), (0, 5, 1),
          (1, 2, 4), (2, 3, 5), (3, 4, 1), (4, 5, 2), (5, 1, 3)]


def projective_plane(subdivisions=0):
    """The real projective plane: the 6-vertex triangulation (antipodal quotient of
    the icosahedron), optionally barycentrically subdivided.

    Coordinates: vertex 0 at the origin, 1..5 on the unit circle (the
    hemisphere picture; antipodal boundary points are identified).

    Examples
    --------
    >>> projective_plane().f_vector
    (6, 15, 10)
    """
    subdivisions = _check_size("subdivisions", subdivisions, 0)
    t = 2 * np.pi * np.arange(5) / 5
    coords = np.concatenate([[[0.0, 0.0]], np.stack([np.cos(t), np.sin(t)], 1)])
    K = SimplicialComplex(_RP2_6, coordinates=coords)
    for _ in range(subdivisions):
        K = barycentric_subdivision(K)
    return K


def mobius_band(n=5):
    """Möbius band: a strip of ``n`` squares (2 x n grid vertices) glued with a twist.

    Grid vertex ``(i, s)``, ``s in {0, 1}`` has id ``2 * i + s``; crossing
    ``i = n -> 0`` swaps the two sides. Its boundary (:meth:`SimplicialComplex.boundary`)
    is a single circle of ``2 n`` edges. Coordinates: the standard embedding in R^3.

    Examples
    --------
    >>> mobius_band(5).f_vector
    (10, 20, 10)
    """
    n = _check_size("n", n, 3)
    i = np.arange(n)

    def vid(i, s):
        flip = i >= n
        return 2 * (i % n) + np.where(flip, 1 - s, s)
    a, b, c, e = vid(i, 0), vid(i + 1, 0), vid(i + 1, 1), vid(i, 1)
    tri = np.concatenate([np.stack([a, b, c], 1), np.stack([a, e, c], 1)])
    u = np.repeat(2 * np.pi * i / n, 2)
    t = np.tile([-0.5, 0.5], n)
    coords = np.stack([(1 + t * np.cos(u / 2)) * np.cos(u), (1 + t * np.cos(u / 2)) * np.sin(u),
                       t * np.sin(u / 2)], 1)
    return SimplicialComplex(tri, coordinates=coords)


def disk(n=6):
    """Disk as a fan: centre vertex 0 joined to the ``n``-gon with vertices ``1..n``.

    Examples
    --------
    >>> disk(6).f_vector
    (7, 12, 6)
    """
    n = _check_size("n", n, 3)
    i = np.arange(n)
    tri = np.stack([np.zeros(n, dtype=np.int64), i + 1, (i + 1) % n + 1], 1)
    t = 2 * np.pi * i / n
    coords = np.concatenate([[[0.0, 0.0]], np.stack([np.cos(t), np.sin(t)], 1)])
    return SimplicialComplex(tri, coordinates=coords)


def __dir__():  # dir() shows the public names only
    return __all__
