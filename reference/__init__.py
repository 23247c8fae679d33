"""The reference solutions: the same files as exercises/, fully solved."""
