"""Module 5 demo: train SimpleConvNet on handwritten digits.

Run from the directory that holds this tree:

    python -m exercises.module5.train_lenet            # 3 epochs, MNIST if available
    python -m exercises.module5.train_lenet --help     # every option, with examples

(use `reference` in place of `exercises` for the reference solution). The demo itself is
given code: demos/lenet.py.
"""
from demos.lenet import main  # first: demos sets up numpy's threads before numpy loads

from . import network, optim

if __name__ == "__main__":
    raise SystemExit(main(network=network, optim=optim))
