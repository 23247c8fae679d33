"""Seeds for the worker, derived from a check's seed so that they tell nothing about it.

A check draws its inputs, and the held-out data of its learning checks, from its own seed
(the `seed` fixture). Student code in the worker must never learn that seed: a model that
knows it can regenerate the "held-out" images and answer them from memory. Whatever the
worker needs to be reproducible (numpy's global generator, which the skeletons use to
initialise their weights) gets `worker_seed(seed)` instead: a hash, so it cannot be turned
back into the check's seed, and nothing the check draws comes from it.

A hash hides only what cannot be guessed: the check's seed is a 64-bit hash of the run's seed
and the check's id (grader/plugin.py), and the run's seed is a secret 63-bit number unless
`--seed` names one (grader/cli.py new_seed), so it cannot be enumerated from the training data
a worker sees.
"""
import hashlib


def worker_seed(seed):
    """The seed to give the worker for a check whose seed is `seed`.

    Parameters
    ----------
    seed : int
        The check's own seed.

    Returns
    -------
    int
        In [0, 2**32): what numpy's legacy np.random.seed accepts. The first four bytes
        of sha256("worker:<seed>").
    """
    digest = hashlib.sha256(f"worker:{int(seed)}".encode()).digest()
    return int.from_bytes(digest[:4], "big")
