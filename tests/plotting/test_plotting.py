"""One plotting convention: ``ax=None`` makes a new figure, the figure is returned, the backend is left alone."""
import matplotlib
import pytest

import topodestruct as td
from topodestruct.plotting import plot_complex, plot_configuration, plot_configurations

cx = td.complexes
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def backend_untouched():
    before = matplotlib.get_backend()
    yield
    assert matplotlib.get_backend() == before


def test_plot_complex_convention(tmp_path, backend_untouched):
    from matplotlib.figure import Figure
    T = cx.torus(6, 6)
    fig = plot_complex(T, highlight=[T.full_subcomplex(range(6))], path=tmp_path / "t.png")
    assert isinstance(fig, Figure) and (tmp_path / "t.png").read_bytes()[:8] == PNG
    fig2 = Figure()
    ax = fig2.add_subplot()
    assert plot_complex(cx.disk(6), ax=ax) is fig2          # draws into the given axes
    with pytest.raises(ValueError, match="coordinates"):
        plot_complex(td.SimplicialComplex([(0, 1)]))


def test_plot_configurations_convention(tmp_path, backend_untouched):
    cfgs = [td.classifying.build("circle", "arcs", 2), td.classifying.build("klein_bottle", "fibres", 1)]
    fig = plot_configuration(cfgs[0])
    assert len(fig.axes) == 1
    plot_configurations(cfgs, path=tmp_path / "c.png", ncols=2)
    assert (tmp_path / "c.png").read_bytes()[:8] == PNG
    with pytest.raises(TypeError, match="Configuration"):
        plot_configuration("torus")
