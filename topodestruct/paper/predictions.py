"""Closed-form predictions of the quotients' homology from the long exact sequence of the pair.

See :mod:`topodestruct.paper.classifying` for the derivation: for a surface X
and A ⊂ X with k components, H_2(X, A) ≅ H_2(X) ⊕ Z^(c − r) and
H_1(X, A) ≅ coker ι ⊕ Z^(k−1).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..topology.groups import Homology
from .configurations import _check_family

__all__ = ["LESInput", "les_input", "predict"]

@dataclass(frozen=True)
class LESInput:
    """Hand-derived data of the pair (X, A) that the long exact sequence needs.

    Attributes
    ----------
    X : Homology      homology of the space X
    k : int           number of connected components of A
    c : int           rank of H_1(A) (A has no H_2 and no torsion in our families)
    r : int           rank of ι: H_1(A) → H_1(X)
    coker : Homology  coker ι, stored as a group in degree 0 (betti[0], torsion[0])
    why : str         one-line justification of ι
    """

    X: Homology
    k: int
    c: int
    r: int
    coker: Homology
    why: str


_T2 = Homology.free([1, 2, 1])
_S1 = Homology.free([1, 1])
_S2 = Homology.free([1, 0, 1])
_KB = Homology([1, 1], [[], [2]])


def _coker(b=0, t=()):
    return Homology([b], [list(t)])


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
    >>> print(predict("torus", "disks+null_loops", 3, 1).format())
    (Z, Z^5, Z^2)
    >>> print(predict("klein_bottle", "mobius_boundaries", 1).format())
    (Z, Z/2 ⊕ Z/2)
    >>> print(predict("torus", "meridians", 3, separate=True).format())
    (Z, Z, Z^3)
    """
    d = les_input(space, family, n, m)
    h1_free = d.coker.rank(0) + (0 if separate else d.k - 1)
    h2 = d.X.rank(2) + d.c - d.r
    return Homology([1, h1_free, h2], [[], d.coker.torsion_in(0), []]).trimmed()


def _les_text(d, separate):
    pts = "its own point each" if separate else "one point"
    h1 = (f"coker ι = {d.coker.group(0)}" if separate else
          f"coker ι ⊕ Z^(k−1) = {d.coker.group(0)} ⊕ Z^{d.k - 1} (k = {d.k} components)")
    return (f"LES of (X, A), A → {pts}: H_1(A) = Z^{d.c} → H_1(X) = {d.X.group(1)}, "
            f"{d.why}; rank ι = {d.r}; H_2 = H_2(X) ⊕ ker ι = Z^{d.X.rank(2) + d.c - d.r}; "
            f"H_1 = {h1}")


def __dir__():  # dir() shows the public names only
    return __all__
