"""Module 6 of the naive loop-style tree used by the fairness tests (advanced architectures)."""
