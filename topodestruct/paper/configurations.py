"""The collapse configurations of appendix 7.2, built as actual subcomplexes of triangulated surfaces."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .._validation import check_random_state
from ..topology import spaces as cx
from ..topology.homology import quotient_homology

__all__ = ["SPACES", "FAMILIES", "Piece", "Configuration", "build", "configurations"]

SPACES = ("circle", "torus", "sphere", "klein_bottle")

#: family -> (spaces, uses m, piece kinds)
FAMILIES = {
    "arcs": (("circle",), False),
    "whole": (("circle",), False),
    "disks": (("torus", "sphere", "klein_bottle"), False),
    "null_loops": (("torus", "sphere", "klein_bottle"), False),
    "meridians": (("torus",), False),
    "longitudes": (("torus",), False),
    "disks+null_loops": (("torus",), True),
    "null_loops+meridians": (("torus",), True),
    "meridians+longitudes": (("torus",), True),
    "fibres": (("klein_bottle",), False),
    "one_sided_loops": (("klein_bottle",), False),
    "mobius_boundaries": (("klein_bottle",), False),
}

_LOOP_KINDS = {"null_loop", "meridian", "longitude", "fibre", "one_sided_loop",
               "mobius_boundary", "whole"}


def _check_family(space, family, n, m):
    if space not in SPACES:
        raise ValueError(f"unknown space {space!r}; expected one of {SPACES}")
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {sorted(FAMILIES)}")
    spaces, uses_m = FAMILIES[family]
    if space not in spaces:
        raise ValueError(f"family {family!r} is defined on {spaces}, not on {space!r}")
    for name, val in (("n", n), ("m", m)):
        if not isinstance(val, (int, np.integer)) or isinstance(val, bool):
            raise TypeError(f"{name} must be an int, got {type(val).__name__}")
    lo = 0 if family == "whole" else 1
    if family == "whole" and n != 0:
        raise ValueError("family 'whole' (Ω_0 = S^1) has n = 0")
    if n < lo or (uses_m and m < 1) or (not uses_m and m != 0):
        raise ValueError(f"family {family!r} needs n >= {lo}" + (" and m >= 1" if uses_m else
                         " and m = 0") + f", got n={n}, m={m}")
    if family == "one_sided_loops" and n > 2:
        raise ValueError("a Klein bottle holds at most 2 disjoint one-sided loops "
                         "(it is the union of two Möbius bands); got n=%d" % n)


@dataclass
class Piece:
    """One intended component of Ω_0: its kind ('disk', 'null_loop', 'meridian', ...)
    and its vertex ids in the ambient complex."""

    kind: str
    vertices: np.ndarray

    def __repr__(self):
        return f"Piece({self.kind!r}, {len(self.vertices)} vertices)"


@dataclass
class Configuration:
    """A collapse configuration: a complex K, the pieces of Ω_0 ⊂ K and the collapse mode.

    Ω_0 is the full subcomplex of K on the union of the pieces' vertices; its
    connected components are collapsed to one point (``separate=False``, the
    paper's Ω_0 → [p]) or each to its own point (``separate=True``, eq. 9).
    """

    space: str
    family: str
    n: int
    m: int
    complex: object
    pieces: list
    separate: bool = False
    grid_shape: tuple | None = None
    meta: dict = field(default_factory=dict)

    @property
    def name(self):
        n, m = self.n, self.m
        counts = {"arcs": _count(n, "arc"), "whole": "Ω_0 = S^1",
                  "disks": _count(n, "disk"), "null_loops": _count(n, "contractible loop"),
                  "meridians": _count(n, "meridian"), "longitudes": _count(n, "longitude"),
                  "disks+null_loops": f"{_count(n, 'disk')} + {_count(m, 'contractible loop')}",
                  "null_loops+meridians":
                      f"{_count(n, 'contractible loop')} + {_count(m, 'meridian')}",
                  "meridians+longitudes":
                      f"{_count(n, 'meridian')} × {_count(m, 'longitude')} (grid)",
                  "fibres": _count(n, "fibre") + " (class b, two-sided)",
                  "one_sided_loops": _count(n, "one-sided loop"),
                  "mobius_boundaries": _count(n, "loop") + " of class 2a (two-sided)"}[self.family]
        mode = ", separate points" if self.separate else ""
        return f"{_SPACE_NAMES[self.space]}: {counts}{mode}"

    @property
    def vertices(self):
        return np.unique(np.concatenate([p.vertices for p in self.pieces]))

    @functools.cached_property
    def subcomplex(self):
        """Ω_0: the full subcomplex on all pieces' vertices."""
        return self.complex.full_subcomplex(self.vertices)

    @functools.cached_property
    def components(self):
        """Connected components of Ω_0 (what gets collapsed)."""
        return self.subcomplex.connected_components()

    @property
    def expected_components(self):
        return 1 if self.family == "meridians+longitudes" else len(self.pieces)

    def check(self):
        """Verify the construction is faithful: pieces pairwise non-adjacent, each piece
        connected with χ = 1 (contractible kinds) or χ = 0 (loops), and χ(Ω_0) as designed.

        Uses only simplex counts and connectivity, not the homology engine.
        Raises ``ValueError`` if the mesh was too coarse for the placement.
        """
        K = self.complex
        for p in self.pieces:
            P = K.full_subcomplex(p.vertices)
            want = 0 if p.kind in _LOOP_KINDS else 1
            if len(P.connected_components()) != 1 or P.euler_characteristic != want:
                raise ValueError(f"{self.name}: piece {p.kind} is not a "
                                 f"{'loop' if want == 0 else 'contractible set'} on this mesh "
                                 "(increase the resolution)")
        if len(self.components) != self.expected_components:
            raise ValueError(f"{self.name}: pieces touch each other ({len(self.components)} "
                             f"components instead of {self.expected_components}); "
                             "increase the resolution")
        if self.family == "meridians+longitudes" and self.subcomplex.euler_characteristic != -self.n * self.m:
            raise ValueError(f"{self.name}: the loop grid is not a 4-valent graph on this mesh")
        return self

    def quotient_homology(self):
        """Exact integer homology of K with Ω_0 collapsed (engine: :func:`topodestruct.quotient_homology`)."""
        return quotient_homology(self.complex, self.components, separate=self.separate)

    def __repr__(self):
        return (f"Configuration({self.name!r}, {len(self.pieces)} pieces, "
                f"{sum(len(p.vertices) for p in self.pieces)} vertices in Ω_0)")


def _count(k, noun):
    return f"{k} {noun}" + ("" if k == 1 else "s")


_SPACE_NAMES = {"circle": "S^1", "torus": "T^2", "sphere": "S^2", "klein_bottle": "Klein bottle"}


# ---- meshes -----------------------------------------------------------------------


def _adjacency(K):
    e = K.simplices(1)
    nv = int(K.simplices(0).max()) + 1
    A = sp.coo_matrix((np.ones(len(e), bool), (e[:, 0], e[:, 1])), shape=(nv, nv))
    return (A + A.T).tocsr()


def _dilate(adj, mask, r=1):
    """Vertices within graph distance r of ``mask``."""
    out = mask.copy()
    for _ in range(r):
        out = out | (adj @ out.astype(np.int8) > 0)
    return out


def _ball_sphere(adj, v, r):
    """Closed ball and sphere of radius r around vertex v in the 1-skeleton (boolean masks)."""
    mask = np.zeros(adj.shape[0], bool)
    mask[v] = True
    inner = _dilate(adj, mask, r - 1) if r >= 1 else np.zeros_like(mask)
    ball = _dilate(adj, mask, r)
    return ball, ball & ~inner




def _spaced_positions(length, count, gap, rng):
    """``count`` cyclic positions in Z/length with consecutive gaps >= gap (even if rng is None)."""
    spare = length - count * gap
    if spare < 0:
        raise ValueError(f"cannot fit {count} loops {gap} apart on {length} grid lines; "
                         "increase the resolution")
    if rng is None:
        steps = np.full(count, gap) + np.diff(np.linspace(0, spare, count + 1).round().astype(int))
        return np.cumsum(np.r_[0, steps[:-1]]) % length
    extra = rng.multinomial(spare, np.ones(count) / count)
    steps = gap + extra
    return (int(rng.integers(length)) + np.cumsum(np.r_[0, steps[:-1]])) % length


def _place_blobs(K, adj, kinds, radius, blocked, rng):
    """Greedily place disks ('disk': a graph ball) and contractible loops ('null_loop':
    a graph sphere) of the given radius at least 2 edges away from ``blocked`` and from
    each other. Candidate centres are scanned in order (rng None) or shuffled."""
    nv = adj.shape[0]
    order = np.arange(nv) if rng is None else rng.permutation(nv)
    pieces, blocked = [], blocked.copy()
    todo = list(kinds)
    for v in order:
        if not todo:
            break
        ball, sphere = _ball_sphere(adj, v, radius)
        if (ball & blocked).any():
            continue
        verts = np.flatnonzero(ball if todo[0] == "disk" else sphere)
        P = K.full_subcomplex(verts)
        want = 1 if todo[0] == "disk" else 0
        if len(P.connected_components()) != 1 or P.euler_characteristic != want:
            continue  # irregular spot of the mesh (e.g. a cube corner): try elsewhere
        pieces.append(Piece(todo.pop(0), verts))
        blocked |= _dilate(adj, ball, 1)
    if todo:
        raise ValueError(f"could not place {len(todo)} more {todo[0]}s; increase the resolution")
    return pieces


def _default_size(space, family, n, m, radius):
    if space == "circle":
        return max(12, 4 * n + 4)
    if space == "sphere":
        return max(6, 2 * int(np.ceil(np.sqrt(2 * n * (radius + 2) ** 2 / 6))) + 2 * radius + 2)
    lines = {"meridians": (0, n), "longitudes": (n, 0), "null_loops+meridians": (0, m),
             "meridians+longitudes": (m, n)}.get(family, (0, 0))
    blobs = n + m if family in ("disks", "null_loops", "disks+null_loops") else (
        n if family == "null_loops+meridians" else 0)
    period = 2 * radius + 4 if blobs else 2
    side = max(12, period * max(lines + (1,)), 3 * radius + 3 * int(np.ceil(np.sqrt(blobs))) * (radius + 2))
    if space == "klein_bottle":
        side = max(side, 4 * n + 4, 12)
    return side + side % 2


def build(space, family, n, m=0, *, separate=False, resolution=None, radius=1,
          random_state=None, placement="regular"):
    """Build one configuration as an actual subcomplex of a triangulated surface.

    Parameters
    ----------
    space : {'circle', 'torus', 'sphere', 'klein_bottle'}
    family : str
        One of :data:`FAMILIES`: 'arcs', 'whole' (circle); 'disks', 'null_loops'
        (torus, sphere, Klein bottle); 'meridians', 'longitudes', 'disks+null_loops',
        'null_loops+meridians', 'meridians+longitudes' (torus); 'fibres',
        'one_sided_loops', 'mobius_boundaries' (Klein bottle).
    n, m : int
        Numbers of pieces; m for the combination families only.
    separate : bool
        Collapse each component to its own point (eq. 9) instead of all to one.
    resolution : int, optional
        Vertices of the circle / grid side of torus and Klein bottle / cube side of
        the sphere. Default: just large enough for the configuration.
    radius : int
        Graph radius of disks (balls) and contractible loops (spheres).
    placement : {'regular', 'random'}
        Evenly spaced deterministic placement, or random positions drawn from
        ``random_state``.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    Configuration
        Checked with :meth:`Configuration.check`.

    Examples
    --------
    >>> c = build("torus", "null_loops+meridians", 2, 1)
    >>> [p.kind for p in c.pieces]
    ['meridian', 'null_loop', 'null_loop']
    """
    _check_family(space, family, n, m)
    if placement not in ("regular", "random"):
        raise ValueError(f"placement must be 'regular' or 'random', got {placement!r}")
    if not isinstance(radius, (int, np.integer)) or radius < 1:
        raise ValueError(f"radius must be an integer >= 1, got {radius!r}")
    rng = check_random_state(random_state) if placement == "random" else None
    size = _default_size(space, family, n, m, radius) if resolution is None else resolution
    if not isinstance(size, (int, np.integer)) or size < 3:
        raise ValueError(f"resolution must be an integer >= 3, got {resolution!r}")
    builder = {"circle": _build_circle, "torus": _build_torus, "sphere": _build_sphere,
               "klein_bottle": _build_klein}[space]
    config = builder(family, n, m, int(size), radius, rng)
    config.separate = bool(separate)
    config.meta.update(resolution=int(size), radius=radius, placement=placement)
    return config.check()


def _build_circle(family, n, m, size, radius, rng):
    K = cx.circle(size)
    if family == "whole":
        return Configuration("circle", family, 0, 0, K, [Piece("whole", np.arange(size))])
    if 2 * n > size:
        raise ValueError(f"{n} disjoint arcs do not fit on a {size}-gon")
    if rng is None:
        starts = _spaced_positions(size, n, 2, None)
        lengths = np.full(n, min(radius + 1, 1 + (size // n - 2)))
    else:
        starts = _spaced_positions(size, n, 2, rng)
        gaps = np.diff(np.r_[starts, starts[0] + size]) % size
        gaps[gaps == 0] = size
        lengths = np.array([rng.integers(1, g) for g in gaps])  # leave >= 1 free vertex
    pieces = [Piece("arc", (s + np.arange(ln)) % size) for s, ln in zip(starts, lengths)]
    return Configuration("circle", family, n, m, K, pieces)


def _torus_lines(N, M, kind, positions):
    # complexes.torus embeds vertex (i, j) at angle 2πi/N around the tube and 2πj/M
    # around the z axis: a meridian (bounds a disk of the solid torus) has j fixed.
    i, j = np.arange(N), np.arange(M)
    if kind == "meridian":
        return [Piece(kind, i * M + p) for p in positions]
    return [Piece(kind, p * M + j) for p in positions]


def _build_torus(family, n, m, size, radius, rng):
    N = M = size
    K = cx.torus(N, M)
    adj = _adjacency(K)
    n_mer = {"meridians": n, "null_loops+meridians": m, "meridians+longitudes": n}.get(family, 0)
    n_lon = {"longitudes": n, "meridians+longitudes": m}.get(family, 0)
    # meridians sit at fixed j (positions along M), longitudes at fixed i (along N)
    blob_kinds = {"disks": ["disk"] * n, "null_loops": ["null_loop"] * n,
                  "disks+null_loops": ["disk"] * n + ["null_loop"] * m,
                  "null_loops+meridians": ["null_loop"] * n}.get(family, [])
    gap = 2 * radius + 4 if blob_kinds else 2
    pieces = []
    if n_mer:
        pieces += _torus_lines(N, M, "meridian", _spaced_positions(M, n_mer, gap, rng))
    if n_lon:
        pieces += _torus_lines(N, M, "longitude", _spaced_positions(N, n_lon, gap, rng))
    blocked = np.zeros(N * M, bool)
    for p in pieces:
        blocked[p.vertices] = True
    blocked = _dilate(adj, blocked, 1)
    pieces += _place_blobs(K, adj, blob_kinds, radius, blocked, rng)
    return Configuration("torus", family, n, m, K, pieces, grid_shape=(N, M))


def _build_sphere(family, n, m, size, radius, rng):
    K = cx.cube_sphere(size)
    adj = _adjacency(K)
    kinds = ["disk" if family == "disks" else "null_loop"] * n
    pieces = _place_blobs(K, adj, kinds, radius, np.zeros(adj.shape[0], bool), rng)
    return Configuration("sphere", family, n, m, K, pieces)


def _build_klein(family, n, m, size, radius, rng):
    """Klein bottle grid: crossing i = N -> 0 reflects j -> -j (complexes.klein_bottle).

    Fibres {(i0, j)} are two-sided loops of the order-2 class b; the rows j = 0 and
    j = M/2 close up into the two one-sided cores (classes a, a + b); the rows
    ±j (0 < j < M/2) together form one two-sided loop, the boundary of a Möbius
    band around a core, of class 2a.
    """
    N = M = size
    K = cx.klein_bottle(N, M)
    adj = _adjacency(K)
    j_all, i_all = np.arange(M), np.arange(N)
    pieces = []
    if family == "fibres":
        pieces = [Piece("fibre", p * M + j_all) for p in _spaced_positions(N, n, 2, rng)]
    elif family == "one_sided_loops":
        if M % 2:
            raise ValueError("one-sided loops on the grid need an even resolution")
        pieces = [Piece("one_sided_loop", i_all * M + j) for j in (0, M // 2)[:n]]
    elif family == "mobius_boundaries":
        free = M // 2 - 1                      # rows 1 .. M/2 - 1 on one side of the core j = 0
        if 2 * n - 1 > free - 1:
            raise ValueError(f"{n} Möbius-band boundaries do not fit on a {N}x{M} grid")
        if rng is None:
            rows = 1 + np.round(np.linspace(0, free - 1, n)).astype(int) if n > 1 else np.array([1])
        else:
            extra = rng.multinomial(free - 1 - 2 * (n - 1), np.ones(n + 1) / (n + 1))
            rows = 1 + np.cumsum(extra[:n] + np.r_[0, np.full(n - 1, 2)])
        pieces = [Piece("mobius_boundary", np.r_[i_all * M + j, i_all * M + (-j) % M])
                  for j in rows]
    kinds = {"disks": ["disk"] * n, "null_loops": ["null_loop"] * n}.get(family, [])
    pieces += _place_blobs(K, adj, kinds, radius, np.zeros(N * M, bool), rng)
    return Configuration("klein_bottle", family, n, m, K, pieces, grid_shape=(N, M))


def configurations(n_max=3, *, spaces=SPACES, separate=(False, True), **kwargs):
    """Yield every family's configurations for n, m = 1..n_max on the given spaces.

    Keyword arguments go to :func:`build` (``placement``, ``random_state``, ...).

    Examples
    --------
    >>> sum(1 for _ in configurations(1, spaces=("circle",)))
    4
    """
    for family, (fam_spaces, uses_m) in FAMILIES.items():
        for space in fam_spaces:
            if space not in spaces:
                continue
            ns = [0] if family == "whole" else range(1, (2 if family == "one_sided_loops"
                                                         else n_max) + 1)
            for n in ns:
                for m in (range(1, n_max + 1) if uses_m else [0]):
                    for sep in separate:
                        yield build(space, family, n, m, separate=sep, **kwargs)


def __dir__():  # dir() shows the public names only
    return __all__
