"""Check the naive loop-style tree (tests/grader/trees/naive) against reference/.

Every layer, block and model of the naive tree is run next to the reference's on the same
random float64 inputs and parameters; outputs, input gradients, every parameter gradient,
running statistics, optimizer updates, schedules, losses and initialisations must agree to
rtol 1e-7 / atol 1e-9 (bit-identical where the computation is a pure copy or the same
random draws). Blocks and models get the reference model's parameters copied in, matched by
the order of get_params_and_grads() (shapes checked), and their BatchNorm running
statistics likewise.

    .venv/bin/python tests/grader/trees/check_naive_tree.py [-v]

Exits 1 on any mismatch (or exception), with a short summary per section.
"""
import contextlib
import io
import sys
import time
import traceback
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

from given.model_utils import set_training  # noqa: E402

import reference.module5.layers as R_layers  # noqa: E402
import reference.module5.loss as R_loss  # noqa: E402
import reference.module5.network as R_net  # noqa: E402
import reference.module5.optim as R_optim  # noqa: E402
import reference.module5.weight_init as R_init  # noqa: E402
import reference.module6.batchnorm as R_bn  # noqa: E402
import reference.module6.resnet_blocks as R_res  # noqa: E402
import reference.module6.transposed_conv as R_tc  # noqa: E402
import reference.module6.unet as R_unet  # noqa: E402
import reference.module6.upsample as R_up  # noqa: E402

import naive.module5.layers as N_layers  # noqa: E402
import naive.module5.loss as N_loss  # noqa: E402
import naive.module5.network as N_net  # noqa: E402
import naive.module5.optim as N_optim  # noqa: E402
import naive.module5.weight_init as N_init  # noqa: E402
import naive.module6.batchnorm as N_bn  # noqa: E402
import naive.module6.resnet_blocks as N_res  # noqa: E402
import naive.module6.transposed_conv as N_tc  # noqa: E402
import naive.module6.unet as N_unet  # noqa: E402
import naive.module6.upsample as N_up  # noqa: E402

RTOL, ATOL = 1e-7, 1e-9
VERBOSE = "-v" in sys.argv


# -- bookkeeping ------------------------------------------------------------------------
class Checker:
    def __init__(self):
        self.sections = {}       # name -> [n_compared, n_failed, seconds]
        self.failures = []
        self.current = None

    @contextlib.contextmanager
    def section(self, name):
        self.current = name
        self.sections.setdefault(name, [0, 0, 0.0])
        start = time.perf_counter()
        try:
            yield
        except Exception:
            self._fail(f"exception:\n{traceback.format_exc()}")
        finally:
            self.sections[name][2] += time.perf_counter() - start

    def _fail(self, message):
        self.sections[self.current][1] += 1
        self.failures.append(f"[{self.current}] {message}")

    def close(self, got, want, what, rtol=RTOL, atol=ATOL, exact=False):
        self.sections[self.current][0] += 1
        got, want = np.asarray(got), np.asarray(want)
        if got.shape != want.shape:
            self._fail(f"{what}: shape {got.shape}, reference {want.shape}")
            return False
        if got.dtype != want.dtype and not (got.dtype.kind == want.dtype.kind == "f"):
            self._fail(f"{what}: dtype {got.dtype}, reference {want.dtype}")
            return False
        if exact:
            ok = np.array_equal(got, want)
        else:
            ok = np.allclose(got, want, rtol=rtol, atol=atol) and \
                np.array_equal(np.isfinite(got), np.isfinite(want))
        if not ok:
            err = float(np.max(np.abs(got.astype(float) - want.astype(float)))) if got.size else 0.0
            self._fail(f"{what}: max abs error {err:.3g}")
        elif VERBOSE:
            print(f"  ok  [{self.current}] {what}")
        return ok

    def true(self, cond, what):
        self.sections[self.current][0] += 1
        if not cond:
            self._fail(what)
        elif VERBOSE:
            print(f"  ok  [{self.current}] {what}")
        return bool(cond)

    def raises(self, exc_type, fn, what):
        self.sections[self.current][0] += 1
        try:
            fn()
        except exc_type:
            return True
        except Exception as exc:          # the wrong kind of exception
            self._fail(f"{what}: raised {type(exc).__name__}: {exc}, expected {exc_type.__name__}")
            return False
        self._fail(f"{what}: did not raise {exc_type.__name__}")
        return False


C = Checker()


def rng_for(name):
    """A generator of its own for each section, reproducible run to run."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def grads_of(layer):
    return [g for _, g in layer.get_params_and_grads()]


def copy_params(src, dst, what):
    """Copy src's parameters into dst's live arrays, matched by get_params_and_grads() order,
    and the BatchNorm running statistics, matched by walk order."""
    sp, dp = src.get_params_and_grads(), dst.get_params_and_grads()
    C.true(len(sp) == len(dp), f"{what}: {len(dp)} (param, grad) pairs, reference {len(sp)}")
    for k, ((ps, _), (pd, _)) in enumerate(zip(sp, dp)):
        if C.true(ps.shape == pd.shape, f"{what}: param {k} shape {pd.shape}, reference {ps.shape}"):
            pd[...] = ps
    bs, bd = bn_layers(src), bn_layers(dst)
    C.true(len(bs) == len(bd), f"{what}: {len(bd)} BatchNorm2D layers, reference {len(bs)}")
    for s, d in zip(bs, bd):
        d.running_mean = s.running_mean.copy()
        d.running_var = s.running_var.copy()


def walk(obj, seen=None):
    """Every layer object inside obj, in attribute order (like given.model_utils)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    for value in vars(obj).values():
        items = value if isinstance(value, (list, tuple)) else [value]
        for v in items:
            if hasattr(v, "forward") and hasattr(v, "__dict__"):
                yield from walk(v, seen)


def bn_layers(model):
    return [layer for layer in walk(model) if hasattr(layer, "running_mean")]


def compare_params_and_grads(ref, nai, what, exact_params=True):
    """Every (param, grad) pair against the reference's; the params bit-exactly unless
    both models were trained (then rounding differences of the gradients accumulate)."""
    rp, np_ = ref.get_params_and_grads(), nai.get_params_and_grads()
    C.true(len(rp) == len(np_), f"{what}: {len(np_)} pairs, reference {len(rp)}")
    for k, ((pr, gr), (pn, gn)) in enumerate(zip(rp, np_)):
        C.close(pn, pr, f"{what}: param {k}", exact=exact_params)
        C.close(gn, gr, f"{what}: grad of param {k} {pr.shape}")


def compare_running(ref, nai, what):
    for k, (br, bn) in enumerate(zip(bn_layers(ref), bn_layers(nai))):
        C.close(bn.running_mean, br.running_mean, f"{what}: BN {k} running_mean")
        C.close(bn.running_var, br.running_var, f"{what}: BN {k} running_var")


def same_seed(build_ref, build_naive, seed=123):
    np.random.seed(seed)
    ref = build_ref()
    np.random.seed(seed)
    nai = build_naive()
    return ref, nai


def forward_backward(ref, nai, x, what, dout=None, rng=None, check_params=True):
    """One forward and backward on both; compare output, dx, every gradient; x unchanged."""
    keep = x.copy()
    out_r = ref.forward(x.copy())
    out_n = nai.forward(x)
    C.close(out_n, out_r, f"{what}: forward output")
    if dout is None:
        dout = rng.standard_normal(np.shape(out_r))
    dx_r = ref.backward(dout.copy())
    dx_n = nai.backward(dout.copy())
    C.close(dx_n, dx_r, f"{what}: dx")
    C.true(np.array_equal(x, keep), f"{what}: forward/backward left x unchanged")
    if check_params:
        compare_params_and_grads(ref, nai, what)
    return out_r, out_n


# -- Module 5: layers -------------------------------------------------------------------
def check_fc():
    rng = rng_for("fc")
    for N, D, M in [(1, 5, 3), (4, 7, 5), (3, 16, 10)]:
        ref, nai = same_seed(lambda: R_layers.FullyConnected(D, M),
                             lambda: N_layers.FullyConnected(D, M))
        C.close(nai.W, ref.W, f"FC({D},{M}) init W (same seed)", exact=True)
        C.close(nai.b, ref.b, f"FC({D},{M}) init b", exact=True)
        W, b = rng.standard_normal((D, M)), rng.standard_normal(M)
        ref.W, ref.b, nai.W, nai.b = W.copy(), b.copy(), W.copy(), b.copy()
        forward_backward(ref, nai, rng.standard_normal((N, D)), f"FC N={N} D={D} M={M}", rng=rng)
        pairs = nai.get_params_and_grads()
        C.true(pairs[0][0] is nai.W and pairs[0][1] is nai.dW and pairs[1][0] is nai.b
               and pairs[1][1] is nai.db, "FC get_params_and_grads returns the live arrays")


def check_activations():
    rng = rng_for("act")
    for shape in [(3, 5), (2, 3, 4, 4)]:
        x = np.sign(rng.standard_normal(shape)) * (np.abs(rng.standard_normal(shape)) + 0.05)
        forward_backward(R_layers.ReLU(), N_layers.ReLU(), x, f"ReLU {shape}", rng=rng,
                         check_params=False)
        forward_backward(R_layers.Sigmoid(), N_layers.Sigmoid(), 3 * rng.standard_normal(shape),
                         f"Sigmoid {shape}", rng=rng, check_params=False)
        forward_backward(R_layers.Flatten(), N_layers.Flatten(), rng.standard_normal(shape),
                         f"Flatten {shape}", rng=rng, check_params=False)
    x = np.array([[1000.0, -1000.0, 745.0, -745.0, 710.0], [-710.0, 800.0, -800.0, 40.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        forward_backward(R_layers.Sigmoid(), N_layers.Sigmoid(), x, "Sigmoid large |x| (strict)",
                         rng=rng, check_params=False)
    relu = N_layers.ReLU()
    C.true(relu.get_params_and_grads() == [], "ReLU has no parameters")


# (N, C_in, H, W, C_out, kh, kw, stride, pad)
CONV_CASES = [
    (2, 3, 6, 6, 4, 3, 3, 1, 0),
    (2, 2, 5, 5, 3, 3, 3, 1, 1),
    (1, 2, 4, 4, 2, 3, 3, 1, 2),
    (2, 2, 7, 7, 3, 3, 3, 2, 0),
    (1, 2, 9, 8, 2, 3, 3, 3, 1),
    (2, 2, 7, 5, 3, 3, 3, 1, 0),
    (1, 3, 6, 8, 2, 2, 3, 2, 1),
    (2, 1, 6, 7, 2, 2, 3, 2, 0),
    (1, 2, 9, 7, 2, 3, 3, 3, 2),
    (2, 3, 8, 6, 2, 5, 2, 2, 2),
    (2, 2, 5, 9, 3, 1, 1, 1, 0),
    (1, 2, 10, 7, 3, 4, 3, 3, 0),
    (3, 1, 28, 28, 6, 5, 5, 1, 0),
]


def check_conv():
    rng = rng_for("conv")
    for case in CONV_CASES:
        N, Ci, H, W, F, kh, kw, s, p = case
        ref, nai = same_seed(lambda: R_layers.Conv2D(Ci, F, kh, stride=s, padding=p),
                             lambda: N_layers.Conv2D(Ci, F, kh, stride=s, padding=p))
        C.close(nai.W, ref.W, f"Conv2D{case} init W (same seed)", exact=True)
        C.close(nai.b, ref.b, f"Conv2D{case} init b", exact=True)
        Wt, b = rng.standard_normal((F, Ci, kh, kw)), rng.standard_normal(F)
        ref.W, ref.b, nai.W, nai.b = Wt.copy(), b.copy(), Wt.copy(), b.copy()
        forward_backward(ref, nai, rng.standard_normal((N, Ci, H, W)), f"Conv2D{case}", rng=rng)
        # a second backward must refresh the gradients
        forward_backward(ref, nai, rng.standard_normal((N, Ci, H, W)), f"Conv2D{case} again",
                         rng=rng)
        C.true(nai.stride == s and nai.padding == p and nai.kernel_size == kh
               and nai.in_channels == Ci and nai.out_channels == F, f"Conv2D{case} attributes")
    nai = N_layers.Conv2D(2, 3, 3)
    C.raises(ValueError, lambda: nai.forward(np.zeros((1, 4, 5, 5))), "Conv2D wrong channels")


# (N, C, H, W, kernel, stride or None)
POOL_CASES = [
    (2, 3, 4, 4, 2, None), (1, 2, 6, 6, 2, 2), (2, 2, 7, 7, 3, 2), (1, 2, 5, 5, 3, 1),
    (2, 2, 6, 4, 2, 2), (1, 2, 7, 5, 3, 2), (1, 1, 5, 8, 2, 2), (1, 2, 6, 5, 2, 1),
    (2, 3, 9, 7, 3, 3), (2, 2, 24, 24, 2, None),
]


def check_pool():
    rng = rng_for("pool")
    for case in POOL_CASES:
        N, Cc, H, W, k, s = case
        make = (lambda m: m.MaxPool2D(k)) if s is None else (lambda m: m.MaxPool2D(k, stride=s))
        x = (rng.permutation(N * Cc * H * W) * 0.01).reshape(N, Cc, H, W) - 1.0   # no ties
        forward_backward(make(R_layers), make(N_layers), x, f"MaxPool2D{case}", rng=rng,
                         check_params=False)
        ties = rng.integers(0, 3, (N, Cc, H, W)).astype(np.float64)   # many ties
        forward_backward(make(R_layers), make(N_layers), ties, f"MaxPool2D{case} ties", rng=rng,
                         check_params=False)
        C.true(make(N_layers).stride == (s or k), f"MaxPool2D{case} stride attribute")


def check_loss():
    rng = rng_for("loss")
    for N, Cc, scale in [(4, 3, 3.0), (3, 7, 1.0), (1, 5, 2.0), (6, 10, 5.0)]:
        x = scale * rng.standard_normal((N, Cc))
        C.close(N_loss.softmax(x.copy()), R_loss.softmax(x.copy()), f"softmax N={N} C={Cc}")
        y = rng.integers(0, Cc, N)
        lr_, dr = R_loss.cross_entropy_loss(x.copy(), y)
        ln, dn = N_loss.cross_entropy_loss(x.copy(), y)
        C.true(isinstance(ln, float), "cross_entropy_loss returns a Python float")
        C.close(ln, lr_, f"cross-entropy loss N={N} C={Cc}")
        C.close(dn, dr, f"cross-entropy dscores N={N} C={Cc}")
    # logits at the 1e4 scale, rows far apart, true classes that underflow
    s = rng.uniform(-1e4, 1e4, (5, 4))
    s[0] = 1e4 + rng.uniform(0, 3, 4)
    s[1] = -1e4 + rng.uniform(0, 3, 4)
    y = np.argmin(s, axis=1)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        C.close(N_loss.softmax(s), R_loss.softmax(s), "softmax at the 1e4 scale (strict)")
        lr_, dr = R_loss.cross_entropy_loss(s, y)
        ln, dn = N_loss.cross_entropy_loss(s, y)
    C.close(ln, lr_, "cross-entropy loss at the 1e4 scale")
    C.close(dn, dr, "cross-entropy dscores at the 1e4 scale")
    C.raises(ValueError, lambda: N_loss.cross_entropy_loss(np.zeros((3, 4)), np.array([0, 4, 1])),
             "cross_entropy_loss label out of range")
    C.raises(ValueError, lambda: N_loss.cross_entropy_loss(np.zeros((3, 4)), np.array([0.0, 1, 2])),
             "cross_entropy_loss float labels")


# -- Module 5: optimizers, schedules, init ----------------------------------------------
def check_optim():
    rng = rng_for("optim")
    shapes = [(4, 3), (3,), (4, 3), (2, 2, 3, 3)]
    for name, make_r, make_n in [
            ("SGD", lambda: R_optim.SGD(lr=0.3), lambda: N_optim.SGD(lr=0.3)),
            ("MomentumSGD", lambda: R_optim.MomentumSGD(lr=0.2, momentum=0.7),
             lambda: N_optim.MomentumSGD(lr=0.2, momentum=0.7)),
            ("MomentumSGD defaults", R_optim.MomentumSGD, N_optim.MomentumSGD),
            ("SGD defaults", R_optim.SGD, N_optim.SGD)]:
        opt_r, opt_n = make_r(), make_n()
        C.true(opt_r.lr == opt_n.lr and getattr(opt_r, "momentum", None) == getattr(opt_n, "momentum", None),
               f"{name}: lr/momentum attributes")
        params = [rng.standard_normal(s) for s in shapes]
        pr, pn = [p.copy() for p in params], [p.copy() for p in params]
        ids = [id(p) for p in pn]
        for step in range(4):
            if step == 2:
                opt_r.lr = opt_n.lr = 0.05      # train() changes the rate between epochs
            grads = [rng.standard_normal(s) for s in shapes]
            ret = opt_n.step([(p, g.copy()) for p, g in zip(pn, grads)])
            opt_r.step([(p, g.copy()) for p, g in zip(pr, grads)])
            C.true(ret is None and [id(p) for p in pn] == ids, f"{name} step {step}: in place")
            for k in range(len(shapes)):
                C.close(pn[k], pr[k], f"{name} step {step}: param {k}", rtol=1e-12, atol=1e-14)


def check_schedules():
    for base in (0.1, 0.37):
        for epoch in range(0, 45, 3):
            for fn in ("constant", "step_decay", "exponential_decay"):
                C.close(getattr(N_optim, fn)(base, epoch), getattr(R_optim, fn)(base, epoch),
                        f"{fn}({base}, {epoch})", rtol=1e-12, atol=0)
            C.close(N_optim.step_decay(base, epoch, drop=0.3, epochs_per_drop=4),
                    R_optim.step_decay(base, epoch, drop=0.3, epochs_per_drop=4),
                    f"step_decay({base}, {epoch}, 0.3, 4)", rtol=1e-12, atol=0)
            C.close(N_optim.exponential_decay(base, epoch, decay_rate=0.77),
                    R_optim.exponential_decay(base, epoch, decay_rate=0.77),
                    f"exponential_decay({base}, {epoch}, 0.77)", rtol=1e-12, atol=0)


def check_init():
    for fn in ("he_init", "xavier_init"):
        for shape in [(300, 120), (120, 300), (48, 16, 3, 3), (20, 6, 5, 5), (7, 3, 1, 1)]:
            np.random.seed(7)
            wr = getattr(R_init, fn)(shape)
            np.random.seed(7)
            wn = getattr(N_init, fn)(shape)
            C.close(wn, wr, f"{fn}{shape} with np.random (same seed)", exact=True)
            wr = getattr(R_init, fn)(shape, rng=np.random.default_rng(3))
            wn = getattr(N_init, fn)(shape, rng=np.random.default_rng(3))
            C.close(wn, wr, f"{fn}{shape} with a Generator", exact=True)
            C.true(wn.dtype == np.float64 and wn.shape == shape, f"{fn}{shape}: float64, shape")
        for shape in [(400, 150), (60, 20, 5, 5)]:
            fan_in = shape[0] if len(shape) == 2 else shape[1] * shape[2] * shape[3]
            fan_out = shape[1] if len(shape) == 2 else shape[0] * shape[2] * shape[3]
            want = np.sqrt(2.0 / fan_in) if fn == "he_init" else np.sqrt(2.0 / (fan_in + fan_out))
            w = getattr(N_init, fn)(shape, rng=np.random.default_rng(11))
            C.true(abs(w.std() / want - 1) < 0.03 and abs(w.mean()) < 6 * want / np.sqrt(w.size),
                   f"{fn}{shape}: std {w.std():.4g}, expected {want:.4g}, mean {w.mean():.2g}")
        C.raises(ValueError, lambda: getattr(N_init, fn)((3, 4, 5)), f"{fn} of a 3-d shape")


# -- Module 5: network and training -----------------------------------------------------
def check_network():
    rng = rng_for("network")
    for shape in [(1, 28, 28), (3, 32, 32), (2, 20, 24)]:
        ref, nai = same_seed(lambda: R_net.SimpleConvNet(input_shape=shape, num_classes=10),
                             lambda: N_net.SimpleConvNet(input_shape=shape, num_classes=10))
        x = rng.standard_normal((3, *shape))
        # warm-up: the gradients exist from the first backward on
        forward_backward(ref, nai, x, f"SimpleConvNet{shape} (same seed)", rng=rng)
        copy_params(ref, nai, f"SimpleConvNet{shape}")
        forward_backward(ref, nai, rng.standard_normal((3, *shape)), f"SimpleConvNet{shape}",
                         rng=rng)
    C.raises(ValueError, lambda: N_net.SimpleConvNet(input_shape=(1, 10, 10)),
             "SimpleConvNet too small an input")
    net = N_net.SimpleConvNet(input_shape=(1, 28, 28), num_classes=7)
    out = net.forward(rng.standard_normal((2, 1, 28, 28)))
    C.true(out.shape == (2, 7), "SimpleConvNet num_classes=7 output shape")


class TinyFC:
    """A model of one FullyConnected layer, to train fast."""

    def __init__(self, layers, W, b):
        self.fc = layers.FullyConnected(*W.shape)
        self.fc.W, self.fc.b = W.copy(), b.copy()

    def forward(self, x):
        return self.fc.forward(x)

    def backward(self, d):
        return self.fc.backward(d)

    def get_params_and_grads(self):
        return self.fc.get_params_and_grads()


def run_train(net_mod, optim_mod, model, X, y, how, seed=5):
    np.random.seed(seed)
    kwargs = dict(lr=0.05, epochs=6, batch_size=7)
    if how == "sgd":
        kwargs["optimizer"] = optim_mod.SGD(lr=0.2)
    elif how == "momentum":
        kwargs["optimizer"] = optim_mod.MomentumSGD(lr=0.1, momentum=0.8)
    elif how == "momentum+step":
        kwargs["optimizer"] = optim_mod.MomentumSGD(lr=0.1, momentum=0.8)
        kwargs["schedule"] = lambda base, e: optim_mod.step_decay(base, e, drop=0.5, epochs_per_drop=2)
    elif how == "plain+exp":
        kwargs["schedule"] = optim_mod.exponential_decay
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        history = net_mod.train(model, X, y, **kwargs)
    return history, buf.getvalue(), kwargs.get("optimizer")


def check_train():
    rng = rng_for("train")
    X, y = rng.standard_normal((20, 6)), rng.integers(0, 4, 20)
    W, b = 0.3 * rng.standard_normal((6, 4)), 0.1 * rng.standard_normal(4)
    for how in ("plain", "sgd", "momentum", "momentum+step", "plain+exp"):
        mr, mn = TinyFC(R_layers, W, b), TinyFC(N_layers, W, b)
        hr, out_r, opt_r = run_train(R_net, R_optim, mr, X.copy(), y.copy(), how)
        hn, out_n, opt_n = run_train(N_net, N_optim, mn, X.copy(), y.copy(), how)
        C.close(hn, hr, f"train FC ({how}): loss history")
        C.true(out_n == out_r, f"train FC ({how}): printed lines")
        C.close(mn.fc.W, mr.fc.W, f"train FC ({how}): W after training")
        C.close(mn.fc.b, mr.fc.b, f"train FC ({how}): b after training")
        if opt_r is not None:
            C.close(opt_n.lr, opt_r.lr, f"train FC ({how}): optimizer.lr after training")
    # the LeNet itself, a few steps
    Xc, yc = rng.standard_normal((10, 1, 28, 28)), rng.integers(0, 10, 10)
    for how in ("plain", "momentum+step"):
        ref, nai = same_seed(R_net.SimpleConvNet, N_net.SimpleConvNet)
        compare_init = [np.array_equal(a, c) for (a, _), (c, _) in
                        zip(_params_after_warmup(ref, Xc), _params_after_warmup(nai, Xc))]
        C.true(all(compare_init), f"SimpleConvNet: same seed gives the reference's init")
        hr, _, _ = run_train(R_net, R_optim, ref, Xc.copy(), yc.copy(), how)
        hn, _, _ = run_train(N_net, N_optim, nai, Xc.copy(), yc.copy(), how)
        C.close(hn, hr, f"train SimpleConvNet ({how}): loss history", rtol=1e-6)
        for k, ((pr, _), (pn, _)) in enumerate(zip(ref.get_params_and_grads(),
                                                   nai.get_params_and_grads())):
            C.close(pn, pr, f"train SimpleConvNet ({how}): param {k}", rtol=1e-6, atol=1e-9)


def _params_after_warmup(model, X):
    model.forward(X[:2])
    model.backward(np.zeros((2, 10)))
    return model.get_params_and_grads()


# -- Module 6 -----------------------------------------------------------------------------
def bn_input(rng, shape, tiny=False):
    N, Cc, H, W = shape
    loc, scale = rng.uniform(-3, 3, Cc), rng.uniform(0.5, 3, Cc)
    if tiny:
        scale[0] = 0.01
    return loc[None, :, None, None] + scale[None, :, None, None] * rng.standard_normal(shape)


def check_batchnorm():
    rng = rng_for("bn")
    ref0, nai0 = R_bn.BatchNorm2D(3), N_bn.BatchNorm2D(3)
    for attr in ("gamma", "beta", "running_mean", "running_var"):
        C.close(getattr(nai0, attr), getattr(ref0, attr), f"BatchNorm2D default {attr}", exact=True)
    C.true((nai0.eps, nai0.momentum, nai0.training, nai0.num_features) ==
           (ref0.eps, ref0.momentum, ref0.training, ref0.num_features),
           "BatchNorm2D eps, momentum, training, num_features defaults")
    for shape, tiny, kwargs in [((4, 3, 5, 5), False, {}), ((2, 4, 3, 6), True, {}),
                                ((8, 2, 1, 1), False, {}), ((1, 2, 1, 3), False, {}),
                                ((6, 3, 4, 4), False, dict(eps=1e-3, momentum=0.3)),
                                ((8, 8, 16, 16), True, {})]:
        Cc = shape[1]
        ref, nai = R_bn.BatchNorm2D(Cc, **kwargs), N_bn.BatchNorm2D(Cc, **kwargs)
        gamma = rng.uniform(0.5, 2.0, Cc) * rng.choice([-1.0, 1.0], Cc)
        beta = rng.standard_normal(Cc)
        ref.gamma, ref.beta, nai.gamma, nai.beta = gamma.copy(), beta.copy(), gamma.copy(), beta.copy()
        # several training steps: outputs, gradients, running statistics
        for step in range(3):
            x = bn_input(rng, shape, tiny)
            forward_backward(ref, nai, x, f"BN{shape}{kwargs} train step {step}", rng=rng)
            compare_running(ref, nai, f"BN{shape}{kwargs} step {step}")
        # eval mode: the running statistics normalise, and do not change
        ref.training = nai.training = False
        ref.running_mean = nai.running_mean = rng.uniform(-2, 2, Cc)
        ref.running_var = nai.running_var = rng.uniform(0.5, 4, Cc)
        rm, rv = nai.running_mean.copy(), nai.running_var.copy()
        forward_backward(ref, nai, bn_input(rng, shape), f"BN{shape}{kwargs} eval", rng=rng)
        C.true(np.array_equal(nai.running_mean, rm) and np.array_equal(nai.running_var, rv),
               f"BN{shape} eval leaves the running statistics")
        # back to training
        ref.training = nai.training = True
        forward_backward(ref, nai, bn_input(rng, shape), f"BN{shape}{kwargs} train again", rng=rng)
        compare_running(ref, nai, f"BN{shape}{kwargs} train again")


UP_CASES = [(2, 3, 3, 4, 2), (1, 2, 5, 3, 2), (2, 2, 4, 5, 3), (1, 1, 1, 3, 2), (1, 2, 2, 1, 3),
            (2, 3, 6, 7, 4), (1, 1, 1, 1, 2), (8, 16, 8, 8, 2), (1, 2, 3, 3, 1)]


def check_upsample():
    rng = rng_for("up")
    for mode in ("nearest", "bilinear"):
        for N, Cc, H, W, s in UP_CASES:
            ref, nai = R_up.Upsample(s, mode=mode), N_up.Upsample(scale_factor=s, mode=mode)
            forward_backward(ref, nai, rng.standard_normal((N, Cc, H, W)),
                             f"Upsample {mode} x{s} {(N, Cc, H, W)}", rng=rng)
            C.true(nai.get_params_and_grads() == [], "Upsample has no parameters")
    C.true(N_up.Upsample().scale_factor == 2 and N_up.Upsample().mode == "nearest",
           "Upsample defaults")
    C.true(isinstance(N_up.Upsample(2.0).scale_factor, int), "Upsample(2.0).scale_factor is int")
    C.raises(ValueError, lambda: N_up.Upsample(2, mode="bicubic"), "Upsample bad mode")
    C.raises(ValueError, lambda: N_up.Upsample(1.5), "Upsample non-integer scale")


# (N, C_in, C_out, H, W, k, stride, padding, output_padding)
TC_CASES = [
    (2, 2, 3, 3, 4, 3, 1, 0, 0), (2, 3, 2, 3, 3, 2, 2, 0, 0), (1, 2, 2, 4, 3, 3, 2, 1, 0),
    (1, 2, 3, 3, 3, 4, 2, 1, 0), (2, 2, 2, 2, 3, 3, 3, 0, 0), (1, 2, 3, 3, 3, 3, 2, 1, 1),
    (1, 2, 2, 4, 3, 3, 3, 1, 2), (2, 1, 2, 3, 2, 2, 2, 0, 1), (2, 3, 2, 3, 2, 4, 3, 1, 2),
    (8, 16, 16, 8, 8, 2, 2, 0, 0), (1, 2, 3, 5, 2, 5, 1, 2, 0),
]


def check_transposed():
    rng = rng_for("tc")
    for case in TC_CASES:
        N, Ci, Co, H, W, k, s, p, op = case
        ref, nai = same_seed(
            lambda: R_tc.ConvTranspose2D(Ci, Co, k, stride=s, padding=p, output_padding=op),
            lambda: N_tc.ConvTranspose2D(Ci, Co, k, stride=s, padding=p, output_padding=op))
        C.close(nai.W, ref.W, f"ConvTranspose2D{case} init W (same seed)", exact=True)
        Wt, b = rng.standard_normal((Ci, Co, k, k)), rng.standard_normal(Co)
        ref.W, ref.b, nai.W, nai.b = Wt.copy(), b.copy(), Wt.copy(), b.copy()
        forward_backward(ref, nai, rng.standard_normal((N, Ci, H, W)), f"ConvTranspose2D{case}",
                         rng=rng)
        # adjoint of the naive Conv2D with the same array
        convT = N_tc.ConvTranspose2D(Ci, Co, k, stride=s, padding=p, output_padding=op)
        convT.W, convT.b = Wt, np.zeros(Co)
        conv = N_layers.Conv2D(Co, Ci, k, stride=s, padding=p)
        conv.W, conv.b = Wt, np.zeros(Ci)
        x = rng.standard_normal((N, Ci, H, W))
        Tx = convT.forward(x)
        yv = rng.standard_normal(Tx.shape)
        Cy = conv.forward(yv)
        if C.true(Cy.shape == x.shape, f"ConvTranspose2D{case}: Conv2D maps back to x's shape"):
            C.close(np.sum(Cy * x), np.sum(yv * Tx), f"ConvTranspose2D{case}: <conv(y), x> = <y, convT(x)>",
                    rtol=1e-9)
    C.raises(ValueError, lambda: N_tc.ConvTranspose2D(2, 2, 3, stride=2, output_padding=2),
             "ConvTranspose2D output_padding >= stride")


def block_pair(build_r, build_n, x, what, rng):
    """Same seed, warm-up, copy the reference's parameters, then compare twice (the second
    time with the running statistics both blocks updated)."""
    ref, nai = same_seed(build_r, build_n)
    forward_backward(ref, nai, x, f"{what} (same seed)", rng=rng)
    copy_params(ref, nai, what)
    for step in range(2):
        forward_backward(ref, nai, rng.standard_normal(x.shape), f"{what} step {step}", rng=rng)
        compare_running(ref, nai, f"{what} step {step}")
    set_training(ref, False)
    set_training(nai, False)
    forward_backward(ref, nai, rng.standard_normal(x.shape), f"{what} eval mode", rng=rng)
    set_training(ref, True)
    set_training(nai, True)
    return ref, nai


def check_resnet():
    rng = rng_for("resnet")
    for Ci, Co, s, shape in [(3, 3, 1, (2, 5, 5)), (2, 4, 2, (2, 5, 7)), (2, 2, 2, (2, 6, 6)),
                             (2, 3, 1, (3, 4, 4)), (8, 8, 1, (16, 7, 7))]:
        ref, nai = block_pair(lambda: R_res.BasicBlock(Ci, Co, stride=s),
                              lambda: N_res.BasicBlock(Ci, Co, stride=s),
                              rng.standard_normal((shape[0], Ci, *shape[1:])),
                              f"BasicBlock({Ci}, {Co}, stride={s})", rng)
        C.true((nai.shortcut is None) == (ref.shortcut is None), f"BasicBlock({Ci},{Co},{s}) shortcut kind")
        names = [n for n in ("conv1", "bn1", "relu1", "conv2", "bn2", "relu2", "shortcut",
                             "shortcut_bn", "cache") if hasattr(ref, n)]
        C.true(all(hasattr(nai, n) for n in names), f"BasicBlock attributes {names}")
    for Ci, mid, s, shape in [(8, 2, 1, (2, 4, 4)), (3, 2, 2, (2, 5, 5)), (8, 2, 2, (2, 3, 3))]:
        ref, nai = block_pair(lambda: R_res.Bottleneck(Ci, mid, stride=s),
                              lambda: N_res.Bottleneck(Ci, mid, stride=s),
                              rng.standard_normal((shape[0], Ci, *shape[1:])),
                              f"Bottleneck({Ci}, {mid}, stride={s})", rng)
        C.true(N_res.Bottleneck.expansion == R_res.Bottleneck.expansion, "Bottleneck.expansion")


class EncoderAsLayer:
    """UNetEncoder seen as one layer: forward returns both outputs, backward takes both."""

    def __init__(self, enc):
        self.enc = enc

    def forward(self, x):
        skip, pooled = self.enc.forward(x)
        return np.concatenate([skip.ravel(), pooled.ravel()])

    def backward(self, d):
        skip_shape, pooled_shape = self.shapes
        n = int(np.prod(skip_shape))
        return self.enc.backward(d[n:].reshape(pooled_shape), d[:n].reshape(skip_shape))

    def get_params_and_grads(self):
        return self.enc.get_params_and_grads()


def check_unet_blocks():
    rng = rng_for("unet blocks")
    for Ci, Co, N, H, W in [(2, 3, 2, 4, 6), (1, 8, 3, 8, 8)]:
        x = rng.standard_normal((N, Ci, H, W))
        for pair_step in ("same seed", "copied"):
            np.random.seed(9)
            er = R_unet.UNetEncoder(Ci, Co)
            np.random.seed(9)
            en = N_unet.UNetEncoder(Ci, Co)
            what = f"UNetEncoder({Ci}, {Co}) {pair_step}"
            ref, nai = EncoderAsLayer(er), EncoderAsLayer(en)
            ref.shapes = nai.shapes = ((N, Co, H, W), (N, Co, H // 2, W // 2))
            forward_backward(ref, nai, x, what + " warm-up", rng=rng)
            copy_params(er, en, what)
            forward_backward(ref, nai, rng.standard_normal(x.shape), what, rng=rng)
            compare_running(er, en, what)
    for mode, N, Cx, Cs, h, w in [("nearest", 2, 4, 3, 2, 3), ("bilinear", 2, 3, 2, 3, 2),
                                  ("transposed", 2, 4, 3, 3, 3), ("transposed", 1, 16, 8, 4, 4)]:
        what = f"UNetDecoder({Cx + Cs}, {Cs}, {mode})"
        ref, nai = same_seed(lambda: R_unet.UNetDecoder(Cx + Cs, Cs, upsample=mode),
                             lambda: N_unet.UNetDecoder(Cx + Cs, Cs, upsample=mode))
        for step in range(3):
            x = rng.standard_normal((N, Cx, h, w))
            skip = rng.standard_normal((N, Cs, 2 * h, 2 * w))
            keep = (x.copy(), skip.copy())
            out_r = ref.forward(x.copy(), skip.copy())
            out_n = nai.forward(x, skip)
            C.close(out_n, out_r, f"{what} step {step}: forward")
            G = rng.standard_normal(out_r.shape)
            dx_r, ds_r = ref.backward(G.copy())
            dx_n, ds_n = nai.backward(G.copy())
            C.close(dx_n, dx_r, f"{what} step {step}: dx")
            C.close(ds_n, ds_r, f"{what} step {step}: dskip")
            C.true(np.array_equal(x, keep[0]) and np.array_equal(skip, keep[1]),
                   f"{what}: inputs unchanged")
            if step == 0:
                copy_params(ref, nai, what)
            else:
                compare_params_and_grads(ref, nai, f"{what} step {step}")
                compare_running(ref, nai, f"{what} step {step}")


def check_unet():
    rng = rng_for("unet")
    for mode, n_classes, shape in [("nearest", 2, (2, 1, 8, 8)), ("bilinear", 2, (2, 1, 8, 12)),
                                   ("transposed", 2, (2, 1, 8, 8)), ("nearest", 3, (1, 2, 16, 16))]:
        Cin = shape[1]
        what = f"SimpleUNet({Cin}, {n_classes}, {mode})"
        ref, nai = block_pair(lambda: R_unet.SimpleUNet(Cin, n_classes, upsample=mode),
                              lambda: N_unet.SimpleUNet(in_channels=Cin, n_classes=n_classes,
                                                        upsample=mode),
                              rng.standard_normal(shape), what, rng)
        # a few steps of momentum SGD on both, through get_params_and_grads
        opt_r, opt_n = R_optim.MomentumSGD(lr=0.05), N_optim.MomentumSGD(lr=0.05)
        for step in range(3):
            x = rng.standard_normal(shape)
            G = rng.standard_normal((shape[0], n_classes, *shape[2:]))
            ref.forward(x.copy())
            nai.forward(x.copy())
            ref.backward(G.copy())
            nai.backward(G.copy())
            opt_r.step(ref.get_params_and_grads())
            opt_n.step(nai.get_params_and_grads())
        compare_params_and_grads(ref, nai, f"{what} after 3 momentum steps", exact_params=False)
        compare_running(ref, nai, f"{what} after 3 momentum steps")
        set_training(ref, False)
        set_training(nai, False)
        x = rng.standard_normal((1, *shape[1:]))
        C.close(nai.forward(x.copy()), ref.forward(x.copy()), f"{what} eval forward after training")
        if mode == "transposed":
            shapes = [p.shape for p, _ in nai.get_params_and_grads()]
            C.true((32, 32, 2, 2) in shapes and (16, 16, 2, 2) in shapes,
                   f"{what}: ConvTranspose2D upsamplers are trained parameters")
    x = rng.standard_normal((1, 1, 64, 64))
    for mode in ("nearest", "bilinear"):
        ref, nai = same_seed(lambda: R_unet.SimpleUNet(1, 2, mode), lambda: N_unet.SimpleUNet(1, 2, mode))
        C.close(nai.forward(x), ref.forward(x), f"SimpleUNet(1, 2, {mode}) on 64x64 (same seed)")


SECTIONS = [
    ("m5 FullyConnected", check_fc), ("m5 ReLU/Sigmoid/Flatten", check_activations),
    ("m5 Conv2D", check_conv), ("m5 MaxPool2D", check_pool), ("m5 softmax/cross-entropy", check_loss),
    ("m5 optimizers", check_optim), ("m5 schedules", check_schedules), ("m5 weight init", check_init),
    ("m5 SimpleConvNet", check_network), ("m5 train()", check_train),
    ("m6 BatchNorm2D", check_batchnorm), ("m6 Upsample", check_upsample),
    ("m6 ConvTranspose2D", check_transposed), ("m6 ResNet blocks", check_resnet),
    ("m6 U-Net blocks", check_unet_blocks), ("m6 SimpleUNet", check_unet),
]


def main():
    start = time.perf_counter()
    for name, fn in SECTIONS:
        with C.section(name):
            fn()
    width = max(len(n) for n in C.sections)
    print(f"{'section':<{width}}  compared  failed  seconds")
    for name, (n, failed, seconds) in C.sections.items():
        print(f"{name:<{width}}  {n:>8}  {failed:>6}  {seconds:>7.2f}")
    total = sum(v[0] for v in C.sections.values())
    print(f"{len(C.failures)} failure(s) in {total} comparisons, "
          f"{time.perf_counter() - start:.1f} s (rtol {RTOL:g}, atol {ATOL:g})")
    for line in C.failures[:40]:
        print("FAIL", line)
    return 1 if C.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
