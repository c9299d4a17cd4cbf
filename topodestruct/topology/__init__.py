"""Topology layer: simplicial and cubical complexes, chain complexes and exact homology.

Also complexes built on point clouds (alpha, Rips, k-NN flag complexes: point_clouds.py) and
the Betti-number estimates read from them (persistence.py, Naitzat's k-NN estimator).

Imports nothing from the layers above it (algebra is below it).
"""
