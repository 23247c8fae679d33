"""The autograder: `python -m grader --help`."""
__version__ = "0.1.0"
