"""ReLU layer: network parsing and builders, forward passes, certified ranks and 2D polytopes."""
