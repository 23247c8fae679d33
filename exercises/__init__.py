"""The learner's tree: fill in the TODOs, then run `python -m grader`."""
