"""Code the learner already has from earlier modules, shared by both trees and the grader.

One copy only: `exercises/`, `reference/` and `grader/` all import from here.

    gradcheck      the numerical gradient checker
    model_utils    parameters and train/eval mode of models built from layers
    data/          the data sets: MNIST, CIFAR-10, generated digits, circles and squares
    experiments/   the course's training loops the grader and the demos run on a learner's model

The demo programs are not course library code: they live in the top-level `demos` package.
"""
