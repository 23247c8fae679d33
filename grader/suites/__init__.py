"""The hidden suites: one file per topic, never collected by the project's own pytest
(its testpaths is tests/). Run them through `python -m grader`."""
