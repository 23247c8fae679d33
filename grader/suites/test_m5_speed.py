"""Module 5 bonus (optional): Conv2D is vectorised.

The learner's Conv2D forward + backward is timed through the proxy (best of several runs,
minus the proxy's own cost for the same payload, measured in a fresh worker before any
student code is imported, so student code cannot inflate it) and compared with a Conv2D that
loops over output positions — vectorised over batch and channels, the version the course
accepts without im2col — timed here in the trusted process. The size has many output
positions and little work per position: im2col (or a loop over the kh·kw kernel offsets)
is 10–30× faster than the positions loop on it, while any loop over positions is ~1×.

Every timed run gets fresh random inputs (drawn before timing, so a Conv2D that remembers
the answers for an input it has seen gains nothing), and every timed answer — output, dx,
dW, db — is checked against the oracles afterwards (a fast wrong answer earns nothing).
"""
import time

from grader.checks import Mismatch, check
from grader.expect import expect_array, expect_close

from . import hints, oracles
from . import oracles_m5_training as ot

DOC = "docs/module5.md#im2col"

H = hints.table("m5_speed")

SIZE = (4, 3, 40, 40, 8, 3, 1)    # N, C_in, H, W, C_out, k, padding (stride 1)
SPEEDUP = 5.0                      # required: at least this many times faster
REPEATS = 5


def check_answer(i, x, dout, W, b, p, out, dx, dW, db):
    """The answers of timed run i against the suite's oracles (a loop over kernel offsets:
    a few milliseconds at this size)."""
    want_out = oracles.conv2d(x, W, b, 1, p)
    want_dx, want_dW, want_db = oracles.conv2d_backward(x, W, 1, p, dout)
    what = f" in timed run {i} (fresh random x and dout)"
    for got, want, name in ((out, want_out, "Conv2D.forward output"),
                            (dx, want_dx, "Conv2D.backward dx"), (dW, want_dW, "Conv2D.dW"),
                            (db, want_db, "Conv2D.db")):
        expect_close(expect_array(got, name + what, want.shape), want, name + what,
                     rtol=1e-6, atol=1e-8)


@check("m5.conv2d.vectorised", points=2, optional=True,
       title=("Conv2D is vectorised (speed against a loop over output positions)",
              "Conv2D 已向量化（與對輸出位置做迴圈的版本比速度）"), doc=DOC, timeout=30)
def test_conv2d_vectorised(student, rng, grade):
    N, C, Hi, Wi, F, k, p = SIZE
    x = rng.standard_normal((N, C, Hi, Wi))
    Wt = rng.standard_normal((F, C, k, k))
    b = rng.standard_normal(F)
    Ho, Wo = Hi + 2 * p - k + 1, Wi + 2 * p - k + 1
    dout = rng.standard_normal((N, F, Ho, Wo))

    # The proxy's cost for the same payloads, before any student code runs in this worker.
    overhead = (ot.min_time(lambda: student.request("ping", x, dout), REPEATS)
                + ot.min_time(lambda: student.request("ping", dout, x), REPEATS))

    want_out, cache = ot.conv_positions_forward(x, Wt, b, 1, p)
    want_dx, want_dW, want_db = ot.conv_positions_backward(dout, Wt, cache)
    baseline = ot.time_positions_conv([(x, Wt, b, 1, p)], repeats=3)

    layers = student.module("module5.layers")
    conv = layers.Conv2D(C, F, k, stride=1, padding=p)
    conv.W = Wt
    conv.b = b
    out = expect_array(conv.forward(x), "Conv2D.forward(x)", want_out.shape)
    expect_close(out, want_out, f"Conv2D.forward output (size {SIZE[:4]}, padding {p})",
                 rtol=1e-6, atol=1e-8)
    dx = expect_array(conv.backward(dout), "Conv2D.backward(dout)", x.shape)
    expect_close(dx, want_dx, "dx", rtol=1e-6, atol=1e-8)
    expect_close(expect_array(conv.dW, "Conv2D.dW", Wt.shape), want_dW, "dW", rtol=1e-6, atol=1e-8)
    expect_close(expect_array(conv.db, "Conv2D.db", b.shape), want_db, "db", rtol=1e-6, atol=1e-8)

    # Fresh inputs for every timed run, drawn before timing: a Conv2D that remembers its
    # answers gains nothing. Every timed answer is checked afterwards: a fast wrong one
    # earns nothing either.
    runs = [(rng.standard_normal(x.shape), rng.standard_normal(dout.shape))
            for _ in range(REPEATS)]
    best, answers = float("inf"), []
    for xi, di in runs:
        t0 = time.perf_counter()
        out_i = conv.forward(xi)
        dx_i = conv.backward(di)
        t = time.perf_counter() - t0
        answers.append((out_i, dx_i, conv.dW, conv.db))
        best = min(best, t)
        if best > 3 * baseline / SPEEDUP:
            break    # far too slow to pass: another run cannot close a 3x gap
    for i, ((xi, di), (out_i, dx_i, dW_i, db_i)) in enumerate(zip(runs, answers), start=1):
        check_answer(i, xi, di, Wt, b, p, out_i, dx_i, dW_i, db_i)
    # Never let the subtraction claim more than half of the measured time.
    mine = max(best - overhead, best / 2)
    ratio = baseline / mine
    if ratio < SPEEDUP:
        raise Mismatch(H("too_slow", mine_ms=mine * 1e3, size=SIZE[:4], filters=F, k=k,
                         best_ms=best * 1e3, overhead_ms=overhead * 1e3,
                         baseline_ms=baseline * 1e3, ratio=ratio, speedup=SPEEDUP),
                       H("remove_position_loop"))
