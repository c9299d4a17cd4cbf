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

This module is the public namespace (``td.classifying``); the code lives in
:mod:`~topodestruct.paper.claims`, :mod:`~topodestruct.paper.configurations`,
:mod:`~topodestruct.paper.predictions` and :mod:`~topodestruct.paper.tables`;
drawings in :mod:`topodestruct.plotting`.

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
>>> print(v.computed.format())
(Z, 0, Z^6)
>>> v.claimed, v.agree, v.prediction_ok       # the paper's table says (H_1, H_2) = (0, Z)
('(0, Z)', False, True)
"""
from .claims import Claim, paper_claims, parse_paper_tuple
from .configurations import FAMILIES, SPACES, Configuration, Piece, build, configurations
from .predictions import LESInput, les_input, predict
from .tables import Verdict, appendix_tables, extended_tables, tables_report, verify

__all__ = [
    "Piece", "Configuration", "Claim", "Verdict", "LESInput",
    "SPACES", "FAMILIES", "build", "configurations", "predict", "les_input",
    "verify", "paper_claims", "parse_paper_tuple", "appendix_tables", "extended_tables",
    "tables_report",
]


def __dir__():  # dir() shows the public names only
    return __all__
