"""The course's demo programs: train the learner's own model and show how it does.

    lenet    Module 5: SimpleConvNet on handwritten digits
    resnet   Module 6: a residual network against the same network without its shortcuts
    unet     Module 6: SimpleUNet segmenting generated circles and squares
    common   what the three share: the learner-code wrapper, command-line options,
             progress, terminal pictures and PNGs

Each tree runs them through one-line entry points that pass in the tree's own modules::

    python -m exercises.module5.train_lenet        # demos.lenet.main
    python -m exercises.module6.compare_resnet     # demos.resnet.main
    python -m exercises.module6.train_unet         # demos.unet.main

(``reference`` in place of ``exercises`` runs the reference solution). Not course library
code (that is `given`): the grader never needs them, and its workers never see them.
"""
import os
import sys

if "numpy" not in sys.modules:
    # The demos' matrix products are thin (150 columns at most): BLAS threads only add
    # overhead there, and on a busy machine they made an epoch ten times slower. Takes effect
    # only when this package is imported before numpy (the entry points import it first) and
    # only if the user has not chosen a thread count.
    if not any(v in os.environ for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                         "GOTO_NUM_THREADS")):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ.setdefault("MKL_NUM_THREADS", "1")
