"""Module 5: CNN from scratch (從零實作 CNN)."""
