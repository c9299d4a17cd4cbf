"""Topology layer: simplicial and cubical complexes, chain complexes and exact homology.

Imports nothing from the layers above it (algebra is below it).
"""
