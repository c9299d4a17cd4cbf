"""The image complex's points: vertices merged exactly, lazy rows kept lazy."""
import numpy as np
from flint import fmpq

import topodestruct as td
from topodestruct.geometry.exact_rows import ExactRows, homogeneous
from topodestruct.geometry.image_complex import refine_image


def test_equal_images_merge_and_equal_floats_do_not():
    """A path whose vertices map to repeated points, two of them different points with the
    same floats (1 and 1 + 2^-80): as lazy rows and as rationals, the same complex, the
    repeated points merged, the near-equal ones kept apart (a loop closes only if they
    merged)."""
    tiny = fmpq(1, 2 ** 80)
    pts = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0), (1, 0), (1 + tiny, 0)]
    K = td.SimplicialComplex([(i, i + 1) for i in range(len(pts) - 1)])
    rows = [tuple(fmpq(x) for x in p) for p in pts]
    X = np.empty((len(rows), 2), dtype=object)
    X[:] = rows
    lazy = refine_image(K, ExactRows(*homogeneous(rows)))
    eager = refine_image(K, X)
    assert isinstance(lazy.exact, ExactRows)
    assert list(lazy.exact) == list(eager.exact)
    assert lazy.complex.n_vertices == eager.complex.n_vertices == 5
    assert len({tuple(r) for r in lazy.vertex_exact}) == 5
    assert td.homology(lazy.complex) == td.homology(eager.complex)
    assert str(td.homology(lazy.complex)) == "H0 = Z, H1 = Z"       # the square, a spur
