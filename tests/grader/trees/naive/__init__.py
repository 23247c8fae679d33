"""A naive loop-style tree used by the fairness tests: slow but correct code, written the
way a CS231n-style learner would, with the same layout and public API as the course's trees."""
