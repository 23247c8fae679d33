"""Module 5: softmax and softmax + cross-entropy (values, gradient, logits at the 1e4 scale)."""
import numpy as np

from grader.checks import Mismatch, Todo, check
from grader.expect import StrictNumerics, expect_array, expect_close, expect_scalar

from . import hints, oracles

DOC = "docs/module5.md#softmax-and-cross-entropy"

H = hints.table("m5_loss")


def logits(rng, N, C, scale):
    return scale * rng.standard_normal((N, C))


def far_rows(rng, N, C):
    """Logits at the 1e4 scale with rows far apart (one around +1e4, one around −1e4), so a
    global max shift underflows a whole row; gaps of ~1e4 inside rows too."""
    s = rng.uniform(-1e4, 1e4, (N, C))
    s[0] = 1e4 + rng.uniform(0, 3, C)
    s[1] = -1e4 + rng.uniform(0, 3, C)
    return rng.permutation(s)


def similar_rows(rng, N, C):
    """Logits near +1e4 in every row: exp overflows unless a max is subtracted (any max)."""
    return 1e4 + rng.uniform(-5, 5, (N, C))


@check("m5.softmax", points=1, parts=("values", "stable"),
       title=("softmax (rows sum to 1, large logits)", "softmax（每列和為 1、很大的 logit）"),
       doc=DOC)
def test_softmax(student, rng, grade):
    loss = student.module("module5.loss")
    with grade.part("values"):
        for N, C in [(4, 3), (3, 7), (1, 5)]:
            x = logits(rng, N, C, 3.0)
            keep = x.copy()
            p = expect_array(loss.softmax(x), "softmax(x)", (N, C))
            expect_close(p, oracles.softmax(keep), f"softmax(x) (N={N}, C={C})",
                         mistakes=grade.diagnose("probabilities", x=keep))
    with grade.part("stable"):
        for make, hint in [(similar_rows, H("softmax_shift")), (far_rows, H("softmax_row_max"))]:
            x = make(rng, 5, 4)
            keep = x.copy()
            with StrictNumerics(student, "softmax of logits at the 1e4 scale", hint):
                p = loss.softmax(x)
            p = expect_array(p, "softmax(x)", x.shape)
            if not np.all(np.isfinite(p)):
                grade.hint(hint)
            expect_close(p, oracles.softmax(keep), "softmax(x) for logits at the 1e4 scale",
                         rtol=1e-9, atol=1e-12)
            expect_close(p.sum(axis=1), np.ones(len(x)), "softmax(x).sum(axis=1) for large logits")


def call_ce(loss_module, scores, y):
    """(loss, dscores) from cross_entropy_loss, the pair validated."""
    result = loss_module.cross_entropy_loss(scores, y)
    if result is None:
        raise Todo("cross_entropy_loss(scores, y)")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        got = type(result).__name__
        if isinstance(result, (tuple, list)):
            got = H("sequence_of_length", kind=got, n=len(result))
        raise Mismatch(H("ce_not_a_pair", got=got))
    return result


@check("m5.cross_entropy", points=3, parts=("loss", "dscores", "stable"),
       title=("softmax + cross-entropy loss and gradient", "softmax + cross-entropy 的 loss 與梯度"),
       doc=DOC)
def test_cross_entropy(student, rng, grade):
    loss_module = student.module("module5.loss")
    for N, C in grade.cases([(4, 3), (5, 6), (3, 10)]):
        scores = logits(rng, N, C, 2.0)
        y = rng.integers(0, C, N)
        keep = scores.copy()
        with grade.shared("loss", "dscores") as step:
            loss, dscores = call_ce(loss_module, scores, y)
        if not step.ok:
            continue
        want_loss, want_d = oracles.cross_entropy(keep, y)
        with grade.part("loss"):
            known = grade.diagnose("loss", scores=keep, y=y)
            if isinstance(loss, np.ndarray) and loss.size > 1:
                grade.hint(known.match(loss, want_loss))
            got = expect_scalar(loss, "loss")
            expect_close(got, want_loss, f"loss (N={N}, C={C})", mistakes=known)
        with grade.part("dscores"):
            d = expect_array(dscores, "dscores", (N, C))
            expect_close(d, want_d, f"dscores (N={N}, C={C})", rtol=1e-6, atol=1e-10,
                         mistakes=grade.diagnose("dscores", scores=keep, y=y))
    with grade.part("stable"):
        for make in (similar_rows, far_rows):
            N, C = 5, 4
            scores = make(rng, N, C)
            # Some true classes are their row's smallest logit: with far_rows they lie ~1e4
            # below the row's max, so their probability underflows to 0.
            y = np.argmin(scores, axis=1)
            y[::2] = rng.integers(0, C, len(y[::2]))
            keep = scores.copy()
            with StrictNumerics(student, "cross_entropy_loss of logits at the 1e4 scale",
                                H("ce_stable")):
                loss, dscores = call_ce(loss_module, scores, y)
            want_loss, want_d = oracles.cross_entropy(keep, y)
            got = expect_scalar(loss, "loss")
            if not np.isfinite(got) or got < 0.5 * want_loss:
                grade.hint(H("ce_stable"))
            expect_close(got, want_loss, "loss for logits at the 1e4 scale", rtol=1e-9,
                         mistakes=grade.diagnose("loss", scores=keep, y=y))
            d = expect_array(dscores, "dscores", (N, C))
            expect_close(d, want_d, "dscores for logits at the 1e4 scale", rtol=1e-9, atol=1e-12)
