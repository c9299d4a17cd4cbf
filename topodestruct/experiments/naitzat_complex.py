"""Which complex the exact route of ``reproduce naitzat`` runs on: the pure part, a quick subset.

The exact refinement (:mod:`topodestruct.analysis.refine`) needs a pure complex,
and alpha complexes of 3-D data often are not (D-II class 0 under its first
model: 14 triangles in no tetrahedron).  :func:`pure_part` lets the closure of
the top simplices stand in for the complex only where their integer homology is
equal (checked exactly); :func:`exact_complex` also picks the quick run's ring.
"""
from ..topology.operations import pure_part

__all__ = ["pure_part", "exact_complex", "QUICK_SUBSET"]

#: The part of the class a quick exact run on 3-D data profiles.
QUICK_SUBSET = "one ring: the smallest component of the class's complex with a top simplex"


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
