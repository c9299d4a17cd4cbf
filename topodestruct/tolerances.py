"""Every floating-point tolerance of the package, named once, with what it can change.

Each constant is one of three kinds:

* **CERTIFICATE** -- a float shortcut backed by exact arithmetic: a float test
  is trusted only when it clears the margin, and everything else is decided in
  exact rationals. Changing it changes the speed, never an answer (as long as
  it stays far above float64 rounding, ~1e-16 relative).
* **DECISION** -- a float threshold that decides an answer: changing it can
  change a result (which points count as equal, which rank is reported, which
  point is flagged).
* **MEASUREMENT** -- a parameter of a measurement or an estimate (sizes of
  classes, persistence readings, what a plot draws); it changes a reported
  number or picture, never an exact homology group.

============================  ========  ===========  =========================================
name                          value     kind         used in
============================  ========  ===========  =========================================
CERTIFICATE_MARGIN            1e-9      CERTIFICATE  geometry.certificates, geometry.exact
                                                     (coplanar clipping), geometry.planar,
                                                     geometry._image_cells,
                                                     geometry._image_pairs (collinear
                                                     segments skip certificates),
                                                     geometry.image_complex, geometry.overlap
ROUNDING_BOUND                1e-12     CERTIFICATE  geometry.certificates, geometry.exact,
                                                     geometry.planar, geometry.overlap,
                                                     geometry._image_cells (order on edges),
                                                     geometry._solid_cuts (via certificates.widened)
CERTIFICATE_MIN_LENGTH        1e-5      CERTIFICATE  geometry.certificates (independent, _off_hull)
CERTIFICATE_CONDITION         1e-4      CERTIFICATE  geometry.certificates (_off_hull)
CODEWORD_BOUND_FACTOR         4.0       CERTIFICATE  relu.batched
IMAGE_RTOL                    1e-9      DECISION     analysis.quotient (``rtol`` default)
ZERO_IMAGE_GRID               1e-9      DECISION     analysis.represent (rank-0 image groups)
OVERLAP_RTOL                  1e-9      DECISION     analysis.vertex_overlaps (``rtol``)
JACOBIAN_RANK_RTOL            1e-9      DECISION     analysis.labels (simplex ranks)
RANK_AMBIGUITY                100.0     DECISION     relu.rank (``ambiguity`` default)
SPARSE_RIPS                   0.3       MEASUREMENT  geometry.sizes
FLAT_DIRECTION                1e-12     MEASUREMENT  geometry.sizes (alpha in the affine hull)
ESTIMATOR_SCALE_FLOOR         1e-12     MEASUREMENT  topology.point_clouds
BARCODE_MIN_FRACTION          1e-3      MEASUREMENT  plotting.representation
============================  ========  ===========  =========================================

Not tolerances, and so not named here: the floors ``1e-300`` added to a scale
before dividing by it (they keep a zero scale from giving 0/0 and change no
answer); the unit roundoff ``eps / 2`` of the certified rank route
(``relu.forward``, ``relu.batched``) and numpy's rank tolerance
``sigma_max * max(n, m) * eps`` of the numerical mode (``relu.numerical``),
which follow from the float format rather than from a choice; budgets
(``_budget``), sample sizes and the persistence reading's scale
(``topology.persistence.DEFAULT_FRACTION``).
"""

__all__ = ["CERTIFICATE_MARGIN", "ROUNDING_BOUND", "CERTIFICATE_MIN_LENGTH",
           "CERTIFICATE_CONDITION", "CODEWORD_BOUND_FACTOR", "IMAGE_RTOL", "ZERO_IMAGE_GRID",
           "OVERLAP_RTOL", "JACOBIAN_RANK_RTOL", "RANK_AMBIGUITY", "SPARSE_RIPS",
           "FLAT_DIRECTION", "ESTIMATOR_SCALE_FLOOR", "BARCODE_MIN_FRACTION"]

# -- certificates: float shortcuts backed by exact arithmetic ---------------------------------

#: CERTIFICATE. Relative margin a float geometric test must clear to be trusted (float
#: rounding moves the tested values by ~1e-15 of their size): affine independence and
#: separation (geometry.certificates.independent, .separated), orientations in coplanar clipping
#: and segment crossings (geometry.exact, geometry.planar), near-vertical edges ordered
#: exactly (geometry.planar), the widening of candidate searches and projected boxes
#: (geometry._image_cells, geometry.certificates, geometry.planar, geometry.overlap).
CERTIFICATE_MARGIN = 1e-9

#: CERTIFICATE. Relative bound, far above float64 rounding, on how far a float computed from
#: exact data can lie from it: bounding boxes of exact points' floats
#: (geometry.certificates, also for geometry._solid_cuts), heights of edges in a slab
#: (geometry.planar; overlapping intervals are ordered exactly), the absolute term of a
#: ball query (geometry.overlap).
ROUNDING_BOUND = 1e-12

#: CERTIFICATE. A float difference (or direction) shorter than this times the size of its
#: inputs is dominated by their rounding and certifies nothing (geometry.certificates:
#: independent, _off_hull).
CERTIFICATE_MIN_LENGTH = 1e-5

#: CERTIFICATE. A hull direction shorter than this times its length after Gram-Schmidt makes
#: the hull too degenerate for a float certificate (geometry.certificates._off_hull).
CERTIFICATE_CONDITION = 1e-4

#: CERTIFICATE. The batched layer-1 codeword test widens the rounding bound by this factor;
#: a network with a point it flags is redone one by one, with the exact fallback
#: (relu.batched).
CODEWORD_BOUND_FACTOR = 4.0

# -- decisions: thresholds that can change an answer ------------------------------------------

#: DECISION. Float images of two rank-deficient components count as one point when they
#: agree within this, relative to the largest image entry (analysis.quotient: the ``rtol``
#: of low_rank_quotient, low_rank_regions, vertex_quotient; exact images compare exactly).
IMAGE_RTOL = 1e-9

#: DECISION. Images of rank-0 points are grouped by rounding them on a grid of this step,
#: relative to ``1 + max |image|`` (analysis.represent).
ZERO_IMAGE_GRID = 1e-9

#: DECISION. The vertex-level overlap test glues a vertex to a pre-image when the residual
#: and the violated region constraints are within this relative tolerance
#: (analysis.vertex_overlaps, ``rtol`` default).
OVERLAP_RTOL = 1e-9

#: DECISION. Numerical rank of a Jacobian restricted to a simplex: singular values above this
#: times ``||J|| ||E||`` count (analysis.labels, ``rank="intrinsic"``).
JACOBIAN_RANK_RTOL = 1e-9

#: DECISION. Numerical mode of rank_decomposition: a point whose kept singular value is within
#: this factor of the tolerance, or whose dropped one is within its inverse, is flagged
#: ambiguous (relu.rank, ``ambiguity`` default).
RANK_AMBIGUITY = 100.0

# -- measurements: what a reported size, estimate or picture depends on -----------------------

#: MEASUREMENT. Sparsity of the Rips filtration that measures class sizes above dimension 3:
#: its diagram is within a factor ``1 + SPARSE_RIPS`` of the full Rips's (geometry.sizes).
SPARSE_RIPS = 0.3

#: MEASUREMENT. Singular values of a centred sample below this fraction of the largest are
#: float noise of a flat direction, dropped before the alpha complex is built in the
#: sample's affine hull (geometry.sizes): the diagram moves by at most that.
FLAT_DIRECTION = 1e-12

#: MEASUREMENT. Smallest scale of the alpha-scale search's grid, when the median
#: nearest-neighbour distance is smaller (duplicate points; topology.point_clouds.
#: choose_alpha_scale).
ESTIMATOR_SCALE_FLOOR = 1e-12

#: MEASUREMENT. Barcode plots leave out bars shorter than this fraction of the plotted range
#: (plotting.representation).
BARCODE_MIN_FRACTION = 1e-3


def __dir__():  # dir() shows the public names only
    return __all__
