"""Module 6 demo: train SimpleUNet to segment generated circles and squares.
(Launcher of the naive loop-style tree used by the fairness tests, copied from the
learner's skeleton.)

Run from the directory that holds this tree:

    python -m exercises.module6.train_unet            # 32x32 images, nearest upsampling
    python -m exercises.module6.train_unet --help     # every option, with examples

(use `reference` in place of `exercises` for the reference solution). The demo itself is
given code: given/demo_m6.py.
"""
from given.demo_m6 import train_unet_main  # first: it sets up numpy's threads

from ..module5 import optim
from . import unet

if __name__ == "__main__":
    raise SystemExit(train_unet_main(unet=unet, optim=optim))
