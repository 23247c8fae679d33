"""Code the learner already has from earlier modules, shared by both trees and the grader.

One copy only: `exercises/`, `reference/` and `grader/` all import from here.
"""
