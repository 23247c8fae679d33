"""Module 6: advanced architectures (進階架構)."""
