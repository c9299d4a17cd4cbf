"""Representation classifying spaces: the paper's appendix 7.2, verified by computation.

The appendix of Beshkov & Einevoll states, from hand diagram chases, which homology
groups arise when low-rank regions Ω_0 of a circle or a torus are collapsed to a
point: eq. (14) (circle), eq. (15) (torus: disks, contractible loops, essential
loops of one class) and three tables of combinations. This module

* builds every configuration as an actual subcomplex of a triangulated surface
  (:func:`build`, :func:`configurations`),
* computes the exact integer homology of the quotient with the package's engine
  (:func:`topodestruct.quotient_homology`),
* predicts it independently from the long exact sequence of the pair in closed
  form (:func:`predict`, :func:`les_input`), cross-checks it by the Euler
  characteristic χ(K/A) = χ(K) − χ(A) + k (k = number of collapse points), and
* compares with the paper's claim transcribed in ``data/paper_appendix_7_2.json``
  (:func:`verify`, :func:`appendix_tables`, :func:`tables_report`).

Convention compared under: the homology of the quotient space M/Ω_0 with all of
Ω_0 collapsed to one point (eq. 5), so H_0 = Z. For k ≥ 1 this is the relative
homology H_k(M, Ω_0) that the paper's sequences compute. ``separate=True`` instead
collapses each connected component to its own point (the sequential gluing of
eq. 9).

Closed form (derived by hand, used by :func:`predict`). Let X be a closed
connected surface (or the circle) and A ⊂ X a subcomplex with k connected
components and H_2(A) = 0. Write ι: H_1(A) = Z^c → H_1(X) and r = rank ι. The
long exact sequence of the pair gives

    0 → H_2(X) → H_2(X, A) → ker ι → 0          ⇒  H_2(X, A) ≅ H_2(X) ⊕ Z^(c − r)
    0 → coker ι → H_1(X, A) → ker(H_0(A) → H_0(X)) = Z^(k−1) → 0
                                                  ⇒  H_1(X, A) ≅ coker ι ⊕ Z^(k−1)

(both sequences split because the right-hand groups are free). Collapsing each
component to its own point instead differs by the k − 1 circles that identifying
the k points would add: H_1 = coker ι. Each family supplies (k, c, r, coker ι)
as a function of n, m in :func:`les_input`.

Geometry: on the torus a loop of class (1, 0) and a loop of class (0, 1) have
algebraic intersection number ±1, so they cannot be disjoint. The table
S^{1,1}_n ⊕ S^{1,2}_m is therefore built as a grid: n meridians and m longitudes
meeting in n·m points, one connected graph A.

Examples
--------
>>> from topodestruct import classifying as cl
>>> v = cl.verify(cl.build("torus", "meridians+longitudes", 2, 3))
>>> print(v.computed)
(Z, 0, Z^6)
>>> v.claimed, v.agree, v.prediction_ok       # the paper's table says (H_1, H_2) = (0, Z)
('(0, Z)', False, True)
"""
from __future__ import annotations

import ast
import functools
import json
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import scipy.sparse as sp

from .._validation import check_random_state
from ..topology.complexes import cube_sphere

__all__ = [
    "Groups", "Piece", "Configuration", "Claim", "Verdict", "LESInput",
    "SPACES", "FAMILIES", "build", "configurations", "predict", "les_input",
    "verify", "paper_claims", "appendix_tables", "extended_tables",
    "tables_report", "cube_sphere", "plot_configuration", "plot_configurations",
]

# --------------------------------------------------------------------------------------
# Finitely generated abelian groups in consecutive degrees
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Groups:
    """Homology groups H_0, H_1, ... as Betti numbers and torsion coefficients.

    Trailing zero groups are dropped, so ``Groups`` compare equal whatever the
    dimension of the complex they were computed on.

    Examples
    --------
    >>> print(Groups.free([1, 2, 1]))
    (Z, Z^2, Z)
    >>> print(Groups((1, 0), ((), (2, 2))))
    (Z, Z/2 ⊕ Z/2)
    """

    betti: tuple = ()
    torsion: tuple = ()

    def __post_init__(self):
        betti = [int(b) for b in self.betti]
        torsion = [tuple(sorted(int(t) for t in ts)) for ts in self.torsion]
        top = max(len(betti), len(torsion))
        betti += [0] * (top - len(betti))
        torsion += [()] * (top - len(torsion))
        if any(b < 0 for b in betti) or any(t < 2 for ts in torsion for t in ts):
            raise ValueError(f"invalid groups: betti={betti}, torsion={torsion}")
        while top and betti[top - 1] == 0 and not torsion[top - 1]:
            top -= 1
        object.__setattr__(self, "betti", tuple(betti[:top]))
        object.__setattr__(self, "torsion", tuple(torsion[:top]))

    @classmethod
    def free(cls, ranks):
        """Free groups Z^ranks[0], Z^ranks[1], ..."""
        return cls(tuple(ranks), ())

    @classmethod
    def from_homology(cls, H):
        """Convert a :class:`topodestruct.Homology` (anything with ``betti`` and ``torsion``)."""
        return cls(tuple(H.betti), tuple(tuple(t) for t in H.torsion))

    def rank(self, k):
        """Betti number in degree ``k`` (0 beyond the stored range)."""
        return self.betti[k] if 0 <= k < len(self.betti) else 0

    def torsion_in(self, k):
        """Torsion coefficients in degree ``k``."""
        return self.torsion[k] if 0 <= k < len(self.torsion) else ()

    def group(self, k):
        """The group in degree ``k`` as a string, e.g. ``'Z^2 ⊕ Z/2'``."""
        b = self.rank(k)
        parts = ([] if b == 0 else ["Z" if b == 1 else f"Z^{b}"])
        parts += [f"Z/{t}" for t in self.torsion_in(k)]
        return " ⊕ ".join(parts) if parts else "0"

    @property
    def euler_characteristic(self):
        return sum((-1) ** k * b for k, b in enumerate(self.betti))

    def format(self, first=0, last=None):
        """Degrees ``first..last`` as ``(G_first, ..., G_last)``."""
        last = max(len(self.betti) - 1, first) if last is None else last
        return "(" + ", ".join(self.group(k) for k in range(first, last + 1)) + ")"

    def __str__(self):
        return self.format(0, max(len(self.betti) - 1, 0))


# --------------------------------------------------------------------------------------
# The paper's claims
# --------------------------------------------------------------------------------------

_CLAIMS_FILE = "paper_appendix_7_2.json"


@functools.lru_cache(maxsize=1)
def _claims_data():
    text = resources.files("topodestruct").joinpath("data", _CLAIMS_FILE).read_text("utf-8")
    return json.loads(text)


def _eval_rank(expr, n, m):
    """Evaluate a rank expression of the paper ('3', 'n', 'n+1') for given n, m; no eval()."""
    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in ("n", "m"):
            return {"n": n, "m": m}[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = ev(node.left), ev(node.right)
            return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
        raise ValueError(f"unsupported rank expression {expr!r}")
    return ev(ast.parse(expr, mode="eval"))


def parse_paper_tuple(text, n=0, m=0):
    """Parse the paper's notation, e.g. ``'(Z, (n+1)Z, 0, ...)'`` -> ranks and whether it ends in '...'.

    'kZ' means Z^k, 'Z' means Z, '0' the trivial group. All of the paper's groups are free.

    Examples
    --------
    >>> parse_paper_tuple("(Z, (n+1)Z, Z, 0, ...)", n=2)
    ([1, 3, 1, 0], True)
    >>> parse_paper_tuple("(5Z, Z)")
    ([5, 1], False)
    """
    body = text.strip()
    if not (body.startswith("(") and body.endswith(")")):
        raise ValueError(f"not a tuple of groups: {text!r}")
    items = [s.strip() for s in body[1:-1].split(",")]
    closed = items[-1] == "..."
    if closed:
        items = items[:-1]
    ranks = []
    for item in items:
        if item == "0":
            ranks.append(0)
        elif item.endswith("Z"):
            coeff = item[:-1].strip()
            ranks.append(1 if coeff == "" else _eval_rank(coeff, n, m))
        else:
            raise ValueError(f"cannot read group {item!r} in {text!r}")
    return ranks, closed


@dataclass(frozen=True)
class Claim:
    """One entry of the paper's appendix 7.2, instantiated at (n, m).

    ``ranks[i]`` is the claimed rank of H_{first_degree + i}; ``closed`` means the
    paper's '...' (all higher groups vanish).
    """

    claim_id: str
    label: str
    paper_text: str
    value: str
    space: str
    family: str
    n: int
    m: int
    first_degree: int
    ranks: tuple
    closed: bool

    @property
    def degrees(self):
        return range(self.first_degree, self.first_degree + len(self.ranks))

    def agrees_with(self, groups):
        """True if ``groups`` equals the claim in every degree the claim speaks about."""
        for k, r in zip(self.degrees, self.ranks):
            if groups.rank(k) != r or groups.torsion_in(k):
                return False
        if self.closed:
            top = self.first_degree + len(self.ranks)
            return all(groups.rank(k) == 0 and not groups.torsion_in(k)
                       for k in range(top, len(groups.betti)))
        return True

    def euler_characteristic(self, dimension=2):
        """χ implied by the claim, taking H_0 = Z where the claim starts at H_1 and
        H_k = 0 above ``dimension`` (a quotient of a surface has no H_3)."""
        ranks = dict(zip(self.degrees, self.ranks))
        ranks.setdefault(0, 1)
        return sum((-1) ** k * r for k, r in ranks.items() if k <= dimension)

    @property
    def key(self):
        return f"{self.claim_id}[n={self.n}" + (f",m={self.m}]" if self.first_degree == 1 else "]")


def paper_claims():
    """Every claim of eq. (14), eq. (15) and the three tables, one :class:`Claim` per (n, m).

    Examples
    --------
    >>> claims = paper_claims()
    >>> len(claims), claims[0].key, claims[0].value
    (43, 'eq14[n=0]', '(Z, nZ, 0, ...)')
    """
    out = []
    for rec in _claims_data()["claims"]:
        common = dict(claim_id=rec["id"], label=rec["label"], paper_text=rec["paper_text"],
                      space=rec["space"], family=rec["family"], first_degree=rec["first_degree"])
        if "instances" in rec:
            for inst in rec["instances"]:
                n, m = inst["n"], inst.get("m", 0)
                ranks, closed = parse_paper_tuple(rec["value"], n, m)
                fields = dict(common, family=inst.get("family", rec["family"]))
                out.append(Claim(value=rec["value"], n=n, m=m, ranks=tuple(ranks),
                                 closed=closed, **fields))
        else:
            for nkey, row in rec["values"].items():
                for mkey, value in row.items():
                    n, m = int(nkey.split("=")[1]), int(mkey.split("=")[1])
                    ranks, closed = parse_paper_tuple(value, n, m)
                    out.append(Claim(value=value, n=n, m=m, ranks=tuple(ranks),
                                     closed=closed, **common))
    return out


# --------------------------------------------------------------------------------------
# Closed-form predictions from the long exact sequence
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LESInput:
    """Hand-derived data of the pair (X, A) that the long exact sequence needs.

    Attributes
    ----------
    X : Groups        homology of the space X
    k : int           number of connected components of A
    c : int           rank of H_1(A) (A has no H_2 and no torsion in our families)
    r : int           rank of ι: H_1(A) → H_1(X)
    coker : Groups    coker ι, stored as a group in degree 0 (betti[0], torsion[0])
    why : str         one-line justification of ι
    """

    X: Groups
    k: int
    c: int
    r: int
    coker: Groups
    why: str


_T2 = Groups.free([1, 2, 1])
_S1 = Groups.free([1, 1])
_S2 = Groups.free([1, 0, 1])
_KB = Groups((1, 1), ((), (2,)))


def _coker(b=0, t=()):
    return Groups((b,), (tuple(t),))


def les_input(space, family, n, m=0):
    """The data (k, c, r, coker ι) of :class:`LESInput` for a family, in closed form.

    Parameters
    ----------
    space : {'circle', 'torus', 'sphere', 'klein_bottle'}
    family : str
        See :data:`FAMILIES`.
    n, m : int
        Numbers of pieces (m only for the combination families).

    Examples
    --------
    >>> d = les_input("torus", "meridians+longitudes", 2, 3)
    >>> d.k, d.c, d.r, d.coker.group(0)
    (1, 7, 2, '0')
    """
    _check_family(space, family, n, m)
    f = (space, family)
    if f == ("circle", "arcs"):
        return LESInput(_S1, n, 0, 0, _coker(1), "segments are contractible")
    if f == ("circle", "whole"):
        return LESInput(_S1, 1, 1, 1, _coker(0), "Ω_0 = S^1, ι = id")
    X = {"torus": _T2, "sphere": _S2, "klein_bottle": _KB}[space]
    cokX = _coker(X.rank(1), X.torsion_in(1))          # ι = 0
    if family == "disks":
        return LESInput(X, n, 0, 0, cokX, "disks are contractible")
    if family == "null_loops":
        return LESInput(X, n, n, 0, cokX, "each loop bounds a disk, ι = 0")
    if family == "disks+null_loops":
        return LESInput(X, n + m, m, 0, cokX, "disks contractible, loops bound disks, ι = 0")
    if family in ("meridians", "longitudes"):
        return LESInput(X, n, n, 1, _coker(1), "every loop ↦ the same generator of Z^2")
    if family == "null_loops+meridians":
        return LESInput(X, n + m, n + m, 1, _coker(1),
                        "null loops ↦ 0, meridians ↦ the same generator of Z^2")
    if family == "meridians+longitudes":
        return LESInput(X, 1, n * m + 1, 2, _coker(0),
                        f"A is one graph with {n * m} crossings and {2 * n * m} edges, "
                        f"H_1(A) = Z^{n * m + 1}; ι is onto Z^2")
    # Klein bottle, H_1 = Z·a ⊕ Z/2·b with a a one-sided core, b a fibre.
    if family == "fibres":
        return LESInput(X, n, n, 0, _coker(1), "every fibre ↦ b of order 2: image Z/2")
    if family == "one_sided_loops":
        if n == 1:
            return LESInput(X, 1, 1, 1, _coker(0, (2,)), "the core ↦ a: coker Z/2")
        return LESInput(X, 2, 2, 1, _coker(0), "the two cores ↦ a and a + b: onto")
    if family == "mobius_boundaries":
        return LESInput(X, n, n, 1, _coker(0, (2, 2)), "every loop ↦ 2a: coker Z/2 ⊕ Z/2")
    raise AssertionError(f)  # unreachable: _check_family validated the pair


def predict(space, family, n, m=0, separate=False):
    """Homology of the quotient predicted from the long exact sequence (see module docstring).

    Examples
    --------
    >>> print(predict("torus", "disks+null_loops", 3, 1))
    (Z, Z^5, Z^2)
    >>> print(predict("klein_bottle", "mobius_boundaries", 1))
    (Z, Z/2 ⊕ Z/2)
    >>> print(predict("torus", "meridians", 3, separate=True))
    (Z, Z, Z^3)
    """
    d = les_input(space, family, n, m)
    h1_free = d.coker.rank(0) + (0 if separate else d.k - 1)
    h2 = d.X.rank(2) + d.c - d.r
    return Groups((1, h1_free, h2), ((), d.coker.torsion_in(0), ()))


def _les_text(d, separate):
    pts = "its own point each" if separate else "one point"
    h1 = (f"coker ι = {d.coker.group(0)}" if separate else
          f"coker ι ⊕ Z^(k−1) = {d.coker.group(0)} ⊕ Z^{d.k - 1} (k = {d.k} components)")
    return (f"LES of (X, A), A → {pts}: H_1(A) = Z^{d.c} → H_1(X) = {d.X.group(1)}, "
            f"{d.why}; rank ι = {d.r}; H_2 = H_2(X) ⊕ ker ι = Z^{d.X.rank(2) + d.c - d.r}; "
            f"H_1 = {h1}")


# --------------------------------------------------------------------------------------
# Spaces and configurations
# --------------------------------------------------------------------------------------

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
        """Exact integer homology of K with Ω_0 collapsed (engine: td.quotient_homology)."""
        import topodestruct as td
        return td.quotient_homology(self.complex, self.components, separate=self.separate)

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
    from ..topology import complexes as cx
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
    from ..topology import complexes as cx
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
    K = cube_sphere(size)
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
    from ..topology import complexes as cx
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


# --------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------


@dataclass
class Verdict:
    """Computed homology of one configuration next to the paper's claim and the prediction.

    Attributes
    ----------
    config : Configuration
    computed : Groups          from the exact engine
    predicted : Groups         closed form from the long exact sequence
    claim : Claim or None      the paper's entry, if the paper has one
    euler : dict               χ(K), χ(Ω_0), points k, χ(K) − χ(Ω_0) + k, χ(computed), χ(claim)
    agree : bool or None       claim == computed (None if no claim)
    prediction_ok : bool       predicted == computed
    evidence : str             the LES derivation in words
    """

    config: Configuration
    computed: Groups
    predicted: Groups
    claim: Claim | None
    euler: dict
    agree: bool | None
    prediction_ok: bool
    evidence: str

    @property
    def claimed(self):
        return None if self.claim is None else self.claim.value

    @property
    def status(self):
        if self.agree is None:
            return "ok" if self.prediction_ok else "PREDICTION MISMATCH"
        return "agree" if self.agree else "DISAGREE"

    def to_dict(self):
        c = self.config
        return {
            "entry": None if self.claim is None else self.claim.key,
            "space": c.space, "family": c.family, "n": c.n, "m": c.m,
            "separate": c.separate, "configuration": c.name,
            "mesh": {"resolution": c.meta.get("resolution"),
                     "simplices": [len(c.complex.simplices(d))
                                   for d in range(c.complex.dimension + 1)],
                     "omega0_vertices": int(len(c.vertices))},
            "paper": self.claimed,
            "paper_degrees": None if self.claim is None else list(self.claim.degrees),
            "computed": {"betti": list(self.computed.betti),
                         "torsion": [list(t) for t in self.computed.torsion],
                         "text": str(self.computed)},
            "predicted": str(self.predicted),
            "euler": self.euler, "agree": self.agree, "prediction_ok": self.prediction_ok,
            "status": self.status, "evidence": self.evidence,
        }


def verify(config, claim=None):
    """Compute the quotient's homology of ``config`` and compare with prediction and claim.

    Parameters
    ----------
    config : Configuration
    claim : Claim, optional
        The paper's entry to compare with; found automatically for one-point
        collapses of the paper's families when omitted.

    Returns
    -------
    Verdict
    """
    if not isinstance(config, Configuration):
        raise TypeError(f"verify expects a Configuration, got {type(config).__name__}")
    if claim is None and not config.separate:
        claim = _claim_index().get((config.space, config.family, config.n, config.m))
    computed = Groups.from_homology(config.quotient_homology())
    predicted = predict(config.space, config.family, config.n, config.m, config.separate)
    k = len(config.components)
    chi_K, chi_A = config.complex.euler_characteristic, config.subcomplex.euler_characteristic
    euler = {"K": chi_K, "omega0": chi_A, "points": 1 if not config.separate else k,
             "expected": chi_K - chi_A + (k if config.separate else 1),
             "computed": computed.euler_characteristic,
             "paper": None if claim is None else claim.euler_characteristic()}
    evidence = _les_text(les_input(config.space, config.family, config.n, config.m),
                         config.separate)
    return Verdict(config, computed, predicted, claim, euler,
                   None if claim is None else claim.agrees_with(computed),
                   predicted == computed, evidence)


@functools.lru_cache(maxsize=1)
def _claim_index():
    return {(c.space, c.family, c.n, c.m): c for c in paper_claims()}


def appendix_tables(**kwargs):
    """Verify every entry of eq. (14), eq. (15) and the three tables (43 verdicts).

    Keyword arguments go to :func:`build` (e.g. ``placement='random'``).
    """
    return [verify(build(c.space, c.family, c.n, c.m, **kwargs), c) for c in paper_claims()]


def extended_tables(n_max=3, **kwargs):
    """Beyond the paper: sphere and Klein bottle families, and every family with
    each component collapsed to its own point (eq. 9)."""
    out = []
    for cfg in configurations(n_max, separate=(False, True), **kwargs):
        if cfg.space in ("sphere", "klein_bottle") or cfg.separate:
            out.append(verify(cfg))
    return out


# --------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------

_HEADER = ("entry", "configuration", "paper", "computed", "LES prediction", "χ", "verdict")


def _row(v):
    c = v.config
    if v.claim is not None:
        first = v.claim.first_degree
        last = first + len(v.claim.ranks) - 1
        entry, paper = v.claim.key, v.claim.value
    else:
        first, last = 0, 2 if c.space != "circle" else 1
        entry, paper = "—", "—"
    chi = v.euler
    chi_txt = f"{chi['computed']}" + ("" if chi["computed"] == chi["expected"] else
                                      f" (≠ {chi['expected']}!)")
    if chi["paper"] is not None and chi["paper"] != chi["expected"]:
        chi_txt += f"; paper {chi['paper']}"
    return (entry, c.name, paper, v.computed.format(first, last),
            v.predicted.format(first, last), chi_txt, v.status)


def _claim_span(claim):
    if claim is None:
        return 0, None
    return claim.first_degree, claim.first_degree + len(claim.ranks) - 1


def _degrees_label(claim):
    first, last = _claim_span(claim)
    if claim is None:
        return "H_*"
    return "(" + ", ".join(f"H_{k}" for k in range(first, last + 1)) + ")"


def _disagreements(verdicts):
    lines = []
    for v in verdicts:
        if v.agree is False or not v.prediction_ok:
            e = v.euler
            who = v.claim.key if v.claim is not None else v.config.name
            lines.append(
                f"{who}: {v.config.name}. Paper {_degrees_label(v.claim)} = {v.claimed}, "
                f"computed {_degrees_label(v.claim)} = "
                f"{v.computed.format(*_claim_span(v.claim))} (all degrees: {v.computed})"
                f" (LES prediction {v.predicted}). Euler characteristic: "
                f"χ(K) − χ(Ω_0) + {e['points']} = {e['K']} − ({e['omega0']}) + {e['points']}"
                f" = {e['expected']}; computed groups give {e['computed']}"
                + (f", the paper's groups give {e['paper']}" if e["paper"] is not None else "")
                + f". {v.evidence}.")
    return lines


_CONVENTION = ("Homology of the quotient M/Ω_0, all of Ω_0 to one point (H_0 = Z; for k ≥ 1 "
               "equal to H_k(M, Ω_0)). Paper notation kZ = Z^k; eq. 14/15 list (H_0, H_1, "
               "H_2), the tables (H_1, H_2). Verdict compares exactly the degrees the paper "
               "lists ('...' = all higher groups vanish). χ: Euler characteristic of the "
               "computed groups, checked against χ(K) − χ(Ω_0) + #points from simplex counts. "
               "Inner/outer loops = meridians/longitudes (symmetric under (i, j) ↦ (j, i)).")


def _text_table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()
                     for r in rows)


def _markdown_table(rows):
    esc = [[str(x).replace("|", "\\|") for x in r] for r in rows]
    out = ["| " + " | ".join(esc[0]) + " |", "|" + "---|" * len(esc[0])]
    return "\n".join(out + ["| " + " | ".join(r) + " |" for r in esc[1:]])


def tables_report(fmt="text", *, extended=True, **kwargs):
    """Every entry of the appendix: paper's value, computed value, verdict, disagreements.

    This is what ``topodestruct tables [--format text|markdown|json]`` prints.

    Parameters
    ----------
    fmt : {'text', 'markdown', 'json'}
    extended : bool
        Also list the families beyond the paper (S^2, Klein bottle, separate points).
    **kwargs
        Passed to :func:`build`.
    """
    if fmt not in ("text", "markdown", "json"):
        raise ValueError(f"fmt must be 'text', 'markdown' or 'json', got {fmt!r}")
    paper = appendix_tables(**kwargs)
    extra = extended_tables(**kwargs) if extended else []
    bad = _disagreements(paper + extra)
    n_dis = sum(v.agree is False for v in paper)
    summary = (f"{len(paper)} paper entries checked: {len(paper) - n_dis} agree, "
               f"{n_dis} disagree. Closed-form LES predictions match the computation in "
               f"{sum(v.prediction_ok for v in paper + extra)}/{len(paper) + len(extra)} cases.")
    if fmt == "json":
        return json.dumps({"convention": _CONVENTION, "paper": [v.to_dict() for v in paper],
                           "beyond_paper": [v.to_dict() for v in extra],
                           "summary": summary, "disagreements": bad},
                          indent=1, ensure_ascii=False)
    table = _text_table if fmt == "text" else _markdown_table
    groups = {}
    for v in paper:
        groups.setdefault(v.claim.claim_id.split(".")[0], []).append(v)
    titles = {"eq14": "eq. (14): circle", "eq15": "eq. (15): torus",
              "table1": "table I_n ⊕ S^1_m (torus; H_1, H_2)",
              "table2": "table S^1_n ⊕ S^{1,1}_m (torus; H_1, H_2)",
              "table3": "table S^{1,1}_n ⊕ S^{1,2}_m (torus; H_1, H_2)"}
    head = "#" if fmt == "markdown" else ""
    parts = [f"{head}# Appendix 7.2 of Beshkov & Einevoll, verified by exact homology"
             if fmt == "markdown" else "APPENDIX 7.2 OF BESHKOV & EINEVOLL, VERIFIED BY EXACT HOMOLOGY",
             _CONVENTION]
    for gid, vs in groups.items():
        parts.append(f"{head}## {titles[gid]}" if fmt == "markdown" else f"== {titles[gid]} ==")
        parts.append(table([_HEADER] + [_row(v) for v in vs]))
    if extra:
        parts.append(f"{head}## beyond the paper: S^2, Klein bottle, separate points (eq. 9)"
                     if fmt == "markdown" else
                     "== beyond the paper: S^2, Klein bottle, separate points (eq. 9) ==")
        parts.append(table([_HEADER] + [_row(v) for v in extra]))
    parts.append(f"{head}## summary" if fmt == "markdown" else "== summary ==")
    parts.append(summary)
    parts += [("- " if fmt == "markdown" else "* ") + b for b in bad] or ["no disagreements"]
    return "\n\n".join(parts)


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------

_COLOURS = {"arc": "tab:red", "whole": "tab:red", "disk": "tab:red", "null_loop": "tab:orange",
            "meridian": "tab:blue", "longitude": "tab:green", "fibre": "tab:blue",
            "one_sided_loop": "tab:purple", "mobius_boundary": "tab:green"}


def _rows(K, ids):
    return np.searchsorted(K.vertices, ids)


def _draw(config, ax, flat):
    K = config.complex
    if config.space == "circle":
        xy = K.coordinates
        for e in K.simplices(1):
            ax.plot(*xy[_rows(K, e)].T, color="0.8", lw=1)
        for p in config.pieces:
            P = K.full_subcomplex(p.vertices)
            for e in P.simplices(1):
                ax.plot(*xy[_rows(K, e)].T, color=_COLOURS[p.kind], lw=3)
            ax.scatter(*xy[_rows(K, p.vertices)].T, color=_COLOURS[p.kind], s=12, zorder=3)
        ax.set_aspect("equal")
        ax.set_axis_off()
        return
    if flat:
        if config.grid_shape is None:
            raise ValueError("flat drawing needs a grid surface (torus or Klein bottle)")
        M = config.grid_shape[1]
        ij = np.stack([K.vertices // M, K.vertices % M], 1).astype(float)
        for p in config.pieces:
            P = K.full_subcomplex(p.vertices)
            for e in P.simplices(1):
                a, b = ij[_rows(K, e)]
                if np.abs(a - b).max() <= 1:          # skip edges that wrap around
                    ax.plot([a[0], b[0]], [a[1], b[1]], color=_COLOURS[p.kind], lw=2.5)
            ax.scatter(*ij[_rows(K, p.vertices)].T, color=_COLOURS[p.kind], s=8, zorder=3)
        ax.set_xlabel("i")
        ax.set_ylabel("j")
        ax.set_aspect("equal")
        return
    xyz = K.coordinates
    tri = _rows(K, K.simplices(2))
    ax.plot_trisurf(*xyz.T, triangles=tri, color="0.85", alpha=0.35, linewidth=0.1,
                    edgecolor="0.6")
    for p in config.pieces:
        P = K.full_subcomplex(p.vertices)
        for e in P.simplices(1):
            ax.plot(*xyz[_rows(K, e)].T, color=_COLOURS[p.kind], lw=2.5)
    lim = np.abs(xyz).max()
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_zlim(-lim, lim)
    ax.set_box_aspect((1, 1, 1))
    ax.set_axis_off()


def plot_configuration(config, path=None, ax=None, flat=None, title=None):
    """Draw a configuration with its pieces coloured by kind; optionally write a PNG.

    Circle: in the plane. Torus and sphere: the 3D embedding. Klein bottle: the
    fundamental square (grid coordinates i, j), since its R^3 picture self-intersects.

    Parameters
    ----------
    config : Configuration
    path : str or path-like, optional
        Write the figure there as PNG (Agg backend).
    ax : matplotlib Axes, optional
        Draw into it (3D axes for torus and sphere unless ``flat``).
    flat : bool, optional
        Draw grid surfaces in the (i, j) square. Default: only the Klein bottle.
    title : str, optional
        Default: the configuration's name.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    if not isinstance(config, Configuration):
        raise TypeError(f"expected a Configuration, got {type(config).__name__}")
    flat = (config.space == "klein_bottle") if flat is None else bool(flat)
    if ax is None:
        fig = Figure(figsize=(4, 4))
        FigureCanvasAgg(fig)
        three_d = config.space != "circle" and not flat
        ax = fig.add_subplot(projection="3d" if three_d else None)
    fig = ax.figure
    _draw(config, ax, flat)
    ax.set_title(config.name if title is None else title, fontsize=8)
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def plot_configurations(configs, path=None, ncols=3, flat=None):
    """Several configurations side by side in one figure (PNG if ``path``)."""
    from matplotlib.figure import Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    configs = list(configs)
    nrows = -(-len(configs) // ncols)
    fig = Figure(figsize=(3.2 * ncols, 3.2 * nrows))
    FigureCanvasAgg(fig)
    for k, cfg in enumerate(configs):
        fl = (cfg.space == "klein_bottle") if flat is None else flat
        ax = fig.add_subplot(nrows, ncols, k + 1,
                             projection=None if cfg.space == "circle" or fl else "3d")
        plot_configuration(cfg, ax=ax, flat=fl)
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig
