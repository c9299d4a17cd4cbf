"""From a network and a manifold to the topology of its representation (paper §2.2): ``analyze``."""
