"""Which complex the exact route of ``reproduce naitzat`` runs on: the pure part, a quick subset.

The exact refinement (:mod:`topodestruct.analysis.refine`) needs a pure complex,
and alpha complexes of 3-D data often are not (D-II class 0 under its first
model: 14 triangles in no tetrahedron).  :func:`pure_part` lets the closure of
the top simplices stand in for the complex only where their integer homology is
equal (checked exactly); :func:`exact_complex` also picks the quick run's ring.
"""
from ..topology.homology import homology
from ..topology.simplicial import subcomplex_from_simplices

__all__ = ["pure_part", "exact_complex", "QUICK_SUBSET"]

#: The part of the class a quick exact run on 3-D data profiles.
QUICK_SUBSET = "one ring: the smallest component of the class's complex with a top simplex"


def pure_part(K):
    """The closure of ``K``'s top-dimensional simplices, where it has ``K``'s homology.

    The exact refinement needs a pure complex; an alpha complex of 3-D data often
    has triangles (and edges) in no tetrahedron.  Dropping them may change the
    space, so the pure part stands in for ``K`` only where its integer homology
    (all degrees, torsion included) equals ``K``'s, decided exactly by
    :func:`topodestruct.homology`.  Its image is the image of the pure part, not of
    ``K``: callers say so.

    Parameters
    ----------
    K : SimplicialComplex
        With or without coordinates (kept on the vertices of the pure part).

    Returns
    -------
    P : SimplicialComplex
        ``K`` itself where it is pure.
    H : Homology or None
        The homology of ``K`` and of ``P`` (None where ``K`` is pure: nothing checked).

    Raises
    ------
    ValueError
        One line, where the homologies differ.
    """
    if len(K.maximal_simplices()) == len(K.simplices(K.dimension)):
        return K, None
    H = homology(K)
    P = subcomplex_from_simplices(K, K.simplices(K.dimension))
    HP = homology(P)
    if HP != H:
        raise ValueError(f"the pure part of the complex (the closure of its "
                         f"{len(K.simplices(K.dimension))} top simplices) has homology {HP}, "
                         f"the complex {H}: it cannot stand in for the complex on the exact "
                         f"route, which needs a pure complex")
    return P, H


def exact_complex(K, subset=None):
    """The complex the exact route runs on, and a note for the record.

    ``subset`` (a quick run on 3-D data, :data:`QUICK_SUBSET`): the component of ``K``
    with the fewest vertices among those with a top simplex.  Then :func:`pure_part`:
    where ``K`` is not pure, its pure part if that has ``K``'s homology, else ``K``
    itself (the exact route is not taken on it and the rows say why).

    Returns
    -------
    K : SimplicialComplex
    note : dict
        ``used`` (``"as built"``, ``"pure part"`` or ``"as built, not pure"``),
        ``f_vector`` (of the complex built), ``f_vector_used``, ``homology_checked``
        (the homology of both, where the pure part is used) or ``refused`` (the one
        line of :func:`pure_part`), ``subset``.
    """
    note = {"f_vector": [int(f) for f in K.f_vector]}
    if subset:
        d = K.dimension
        K = min((C for C in K.connected_components() if C.dimension == d),
                key=lambda C: C.n_vertices)
        note["subset"] = subset
    pure = len(K.maximal_simplices()) == len(K.simplices(K.dimension))
    try:
        P, H = pure_part(K)
    except ValueError as err:
        return K, dict(note, used="as built, not pure", refused=str(err),
                       f_vector_used=[int(f) for f in K.f_vector])
    note.update(used="as built" if pure else "pure part",
                f_vector_used=[int(f) for f in P.f_vector])
    if not pure:
        note["homology_checked"] = f"{H} (the complex and its pure part: equal)"
    return P, note
