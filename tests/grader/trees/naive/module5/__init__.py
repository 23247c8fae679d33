"""Module 5 of the naive loop-style tree used by the fairness tests (CNN from scratch)."""
