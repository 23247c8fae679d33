"""The course's training loops for a learner's model, shared by the grader and the demos.

    residual      a stack of BasicBlocks trained with and without the shortcut
    segmentation  pixel-wise cross-entropy, the momentum-SGD loop, BatchNorm refresh

The grader drives the same computations from its own process (no verdict rests on code
running next to the learner's); the demos call them in-process.
"""
