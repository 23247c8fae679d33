"""Module 6 demo: train SimpleUNet to segment generated circles and squares.
(Launcher of the naive loop-style tree used by the fairness tests, copied from the
learner's skeleton.)

Run from the directory that holds this tree:

    python -m exercises.module6.train_unet            # 32x32 images, nearest upsampling
    python -m exercises.module6.train_unet --help     # every option, with examples

(use `reference` in place of `exercises` for the reference solution). The demo itself is
given code: demos/unet.py.
"""
from demos.unet import main  # first: demos sets up numpy's threads before numpy loads

from ..module5 import optim
from . import unet

if __name__ == "__main__":
    raise SystemExit(main(unet=unet, optim=optim))
