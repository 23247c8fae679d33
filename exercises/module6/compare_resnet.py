"""Module 6 demo: a residual network against the same network without its shortcuts.

Run from the directory that holds this tree:

    python -m exercises.module6.compare_resnet            # CIFAR-10 if available
    python -m exercises.module6.compare_resnet --help     # every option, with examples

(use `reference` in place of `exercises` for the reference solution). The demo itself is
given code: demos/resnet.py.
"""
from demos.resnet import main  # first: demos sets up numpy's threads before numpy loads

from ..module5 import layers, loss, optim
from . import resnet_blocks

if __name__ == "__main__":
    raise SystemExit(main(resnet_blocks=resnet_blocks, layers=layers, loss=loss, optim=optim))
