"""Algebra layer: exact integer and modular linear algebra (Smith normal form, ranks, compiled kernels)."""
