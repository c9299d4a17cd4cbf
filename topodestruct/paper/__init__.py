"""Paper layer: the appendix 7.2 classifying-space tables of Beshkov & Einevoll, verified by computation."""
