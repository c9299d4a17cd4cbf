"""Plotting layer: matplotlib drawings of complexes and of the paper's configurations (``ax=None`` in, figure out, backend untouched)."""
from .complexes import plot_complex
from .configurations import plot_configuration, plot_configurations

__all__ = ["plot_complex", "plot_configuration", "plot_configurations"]
