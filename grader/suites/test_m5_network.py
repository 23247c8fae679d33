"""Module 5: SimpleConvNet — output and parameter shapes, a whole-network gradient check, and
overfitting a tiny batch with the learner's own train() and MomentumSGD.

The gradient check and the overfit check judge the network the parameters define: a
trusted forward (oracles_m5_training.lenet_forward) of what get_params_and_grads() lists.
The overfit verdict (loss, accuracy) is that forward's, and both checks require the
student's forward to agree with it, so a forward that remembers inputs or ignores them
cannot pass.

The gradient check perturbs the learner's live parameter arrays in the worker (the handles
of get_params_and_grads.keep()), so it needs no knowledge of how the network names its
layers. The network is piecewise linear in the input and in each single parameter array, so
a central difference is exact up to rounding unless it crosses a ReLU kink or a pooling tie;
such a probe disagrees with itself at a smaller step and is replaced, never judged.
"""
import math
import time

import numpy as np

from grader.checks import CheckTimeout, Mismatch, check
from grader.expect import expect_array
from grader.errors import WorkerTimeout

from . import budget, hints, oracles
from . import oracles_m5_training as ot
from .derive import worker_seed
from .toolkit import check_params, pair_list, probe_gradient

DOC = "docs/module5.md#simplecnn"
OVERFIT_DOC = "docs/module5.md#overfit-a-tiny-batch"

H = hints.table("m5_network")

INPUTS = {"mnist": (1, 28, 28), "cifar": (3, 32, 32)}
NUM_CLASSES = 10


def shape_hint(got, want, C):
    """A hint from the difference of two multisets of parameter shapes."""
    missing = [s for s in set(want) if want.count(s) > got.count(s)]
    extra = [s for s in set(got) if got.count(s) > want.count(s)]
    if len(got) != len(want):
        return H("pair_count", want=len(want), got=len(got))
    if (6, C, 5, 5) in missing:
        return H("first_conv_channels", channels=C)
    if len(missing) == 1 and len(extra) == 1 and missing[0][1:] == extra[0][1:] == (120,):
        return H("sizes_from_input_shape")
    return H("layer_sizes")


@check("m5.network.shapes", points=2, parts=("mnist", "cifar", "params"),
       title=("SimpleConvNet output and parameter shapes", "SimpleConvNet 輸出與參數的形狀"),
       doc=DOC)
def test_network_shapes(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    net = student.module("module5.network")
    for part, shape in INPUTS.items():
        with grade.part(part):
            N = int(rng.integers(2, 5))
            model = net.SimpleConvNet(input_shape=shape, num_classes=NUM_CLASSES)
            x = rng.standard_normal((N, *shape))
            scores = expect_array(model.forward(x), f"SimpleConvNet{shape}.forward(x)",
                                  (N, NUM_CLASSES))
            if not np.all(np.isfinite(scores)):
                raise Mismatch(H("non_finite_scores", shape=shape))
    with grade.part("params"):
        for shape in INPUTS.values():
            model = net.SimpleConvNet(input_shape=shape, num_classes=NUM_CLASSES)
            N = int(rng.integers(2, 4))
            x = rng.standard_normal((N, *shape))
            expect_array(model.forward(x), f"SimpleConvNet{shape}.forward(x)", (N, NUM_CLASSES))
            model.backward(rng.standard_normal((N, NUM_CLASSES)))
            what = f"SimpleConvNet{shape}.get_params_and_grads()"
            pairs = pair_list(model.get_params_and_grads(), what)
            got = []
            for k, (param, grad) in enumerate(pairs):
                param = expect_array(param, f"{what}[{k}][0] (a parameter)")
                expect_array(grad, f"{what}[{k}][1] (the gradient of {what}[{k}][0])", param.shape)
                got.append(param.shape)
            want = ot.lenet_param_shapes(*shape, NUM_CLASSES)
            if sorted(got) != sorted(want):
                raise Mismatch(H("param_shapes", what=what, got=sorted(got), want=sorted(want)),
                               shape_hint(got, want, shape[0]))
    if grade.passed("mnist") and grade.parts.get("cifar") is not None \
            and grade.parts["cifar"].status in ("ERROR", "FAIL"):
        grade.hint(H("sizes_from_input_shape"))


# -- the network its parameters define ----------------------------------------------------
def lenet_params(model, shape, what="SimpleConvNet.get_params_and_grads()"):
    """The model's parameters as the trusted forward takes them (ot.lenet_parameters),
    read through get_params_and_grads(); a Mismatch if they are not LeNet's."""
    pairs = pair_list(model.get_params_and_grads(), what)
    params = [expect_array(p, f"{what}[{k}][0] (a parameter)") for k, (p, _) in enumerate(pairs)]
    ordered = ot.lenet_parameters(params, shape, NUM_CLASSES)
    if ordered is None:
        got, want = [p.shape for p in params], ot.lenet_param_shapes(*shape, NUM_CLASSES)
        raise Mismatch(H("param_shapes_not_lenet", what=what, got=sorted(got),
                         want=sorted(want)),
                       shape_hint(got, want, shape[0]))
    return ordered


def require_lenet_forward(model, params, inputs, grade=None):
    """model.forward must give, on every (label, x) of `inputs`, the scores the trusted
    forward computes from `params`: a verdict is taken from the network the parameters
    define, and only stands if that is the network the student's forward runs. With
    `grade`, scores that another known forward gives name that mistake."""
    for label, x in inputs:
        keep = x.copy()
        got = expect_array(model.forward(x), "SimpleConvNet.forward(x)", (len(x), NUM_CLASSES))
        want = ot.lenet_forward(params, keep)
        with np.errstate(invalid="ignore"):
            err = np.abs(got - want)
        if not np.all(err <= 1e-6 * (1 + np.abs(want))):
            worst = float(np.nanmax(err)) if np.any(np.isfinite(err)) else math.nan
            known = None if grade is None else \
                grade.diagnose("scores", params=params, x=keep).match(got, want, 1e-6, 1e-6)
            raise Mismatch(H("forward_not_the_network", inputs=label, worst=worst),
                           known or H("forward_exactly_lenet"))


# -- whole-network gradient check -------------------------------------------------------
GRAD_N = 2
def scores_dot(model, x, G):
    """f(v) = sum(G * forward(v)) through the worker, at v = x by default."""
    def f(v=None):
        scores = model.forward(x if v is None else v)
        return float(np.sum(expect_array(scores, "SimpleConvNet.forward(x)", G.shape) * G))
    return f


@check("m5.network.gradcheck", points=2, parts=("input", "params"),
       title=("SimpleConvNet whole-network gradient check", "SimpleConvNet 整個網路的梯度檢查"),
       doc=DOC, timeout=30)
def test_network_gradcheck(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    net = student.module("module5.network")
    shape = INPUTS["mnist"]
    model = net.SimpleConvNet(input_shape=shape, num_classes=NUM_CLASSES)
    x = rng.standard_normal((GRAD_N, *shape))
    G = rng.standard_normal((GRAD_N, NUM_CLASSES))
    expect_array(model.forward(x), "SimpleConvNet.forward(x)", (GRAD_N, NUM_CLASSES))
    dx = model.backward(G)
    # Agreeing with its own numerical gradient proves nothing of a forward that is not the
    # network (a constant with zero gradients agrees perfectly): the forward must be the one
    # its parameters define, here and on another input. (After backward: the parameter
    # gradients exist from then on, and later forwards do not change them.)
    other = rng.standard_normal((GRAD_N, *shape))
    with grade.shared("input", "params") as step:
        require_lenet_forward(model, lenet_params(model, shape),
                              [(H("the_checks_input"), x), (H("another_input"), other)], grade)
    if not step.ok:
        return
    f = scores_dot(model, x, G)
    with grade.part("input"):
        if dx is None:
            grade.hint(H("backward_returns_dx"))
        dx = expect_array(dx, "SimpleConvNet.backward(dscores)", x.shape)
        probe_gradient(dx, x, lambda u, h: (f(x + h * u) - f(x - h * u)) / (2 * h),
                       "dx (the gradient w.r.t. the input)", rng, coordinates=3, directions=2)
    with grade.part("params"):
        check_params(model, "SimpleConvNet.get_params_and_grads()", f, rng, H("params_copied"),
                     coordinates=1, directions=1)
    if ot.failed(grade, "input") and grade.passed("params"):
        grade.hint(H("dx_not_passed_on"))


# -- overfit a tiny batch ---------------------------------------------------------------
OVERFIT_N = 20
OVERFIT_LR, OVERFIT_MOMENTUM = 0.005, 0.9
OVERFIT_CHUNK, OVERFIT_MAX_EPOCHS = 5, 80
# Training stops once the loss is low: correct trees need 20-30 epochs (the naive tree, seeds
# 0-3). A slow tree whose 80 epochs would not fit is still let train up to the cap when this
# many fit.
OVERFIT_LIKELY_EPOCHS = 30
OVERFIT_LOSS = 0.05
OVERFIT_TIMEOUT = 20.0
OVERFIT_CAP = 240.0


@check("m5.network.overfit", points=3, parts=("loss", "accuracy"),
       title=("SimpleConvNet overfits a tiny batch (train + MomentumSGD)",
              "SimpleConvNet 能把一小批資料訓練到幾乎零誤差（train + MomentumSGD）"),
       doc=OVERFIT_DOC, timeout=OVERFIT_TIMEOUT, cap=OVERFIT_CAP)
def test_network_overfit(student, rng, grade, seed, timeout_scale):
    student.seed(worker_seed(seed))
    net = student.module("module5.network")
    optim = student.module("module5.optim")
    X = rng.standard_normal((OVERFIT_N, *INPUTS["mnist"]))
    y = rng.permutation(np.arange(OVERFIT_N) % NUM_CLASSES)
    model = net.SimpleConvNet(input_shape=INPUTS["mnist"], num_classes=NUM_CLASSES)
    shape = INPUTS["mnist"]
    what = H("overfitting_a_tiny_batch")
    probes = budget.lenet_step(OVERFIT_N)
    # One forward and one backward (no update), timed: a training step, from which the
    # run's budget follows; the gradients then exist, so get_params_and_grads() can be
    # read. The loss is always judged from the parameters, through the trusted forward.
    start = time.perf_counter()
    try:
        scores = expect_array(model.forward(X), "SimpleConvNet.forward(x)",
                              (OVERFIT_N, NUM_CLASSES))
        if ot.is_stub(student.target, "module5/optim.py", "MomentumSGD.step"):
            raise ot.stub("MomentumSGD.step (this check trains with it)")
        if np.all(np.isfinite(scores)):
            model.backward(oracles.cross_entropy(scores, y)[1])
    except WorkerTimeout:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, None,
                                                  OVERFIT_MAX_EPOCHS, probes, "during")) from None
    step = time.perf_counter() - start
    fits, _ = budget.fit(student, grade, timeout_scale, step, OVERFIT_MAX_EPOCHS,
                         likely=OVERFIT_LIKELY_EPOCHS)
    if not fits:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, step,
                                                  OVERFIT_MAX_EPOCHS, probes, "before"))

    def trusted_loss():
        """(loss, accuracy) on the training batch of the network the model's parameters
        define, computed here: a train() that only teaches forward to recognise the
        training inputs changes no parameter, and earns nothing."""
        trusted = ot.lenet_forward(lenet_params(model, shape), X)
        if not np.all(np.isfinite(trusted)):
            return math.inf, 0.0
        return oracles.cross_entropy(trusted, y)[0], float(np.mean(trusted.argmax(axis=1) == y))

    initial = trusted_loss()[0]
    opt = optim.MomentumSGD(lr=OVERFIT_LR, momentum=OVERFIT_MOMENTUM)
    done, loss, acc = 0, math.nan, 0.0
    stage = "during"
    try:
        while done < OVERFIT_MAX_EPOCHS:
            net.train(model, X, y, lr=OVERFIT_LR, epochs=OVERFIT_CHUNK, batch_size=OVERFIT_N,
                      optimizer=opt)
            done += OVERFIT_CHUNK
            loss, acc = trusted_loss()
            if loss < OVERFIT_LOSS and acc == 1.0 or not math.isfinite(loss):
                break
        # The verdict stands only if the student's forward is that network: on the
        # training batch and on inputs it has never seen.
        stage = "after"
        if math.isfinite(loss):
            require_lenet_forward(model, lenet_params(model, shape), [
                (H("the_training_images"), X),
                (H("new_images"), rng.standard_normal((OVERFIT_N, *shape)))])
    except WorkerTimeout:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, step,
                                                  OVERFIT_MAX_EPOCHS, probes, stage,
                                                  done=done)) from None
    chance = math.log(NUM_CLASSES)
    after = H("after_epochs", epochs=done, lr=OVERFIT_LR, momentum=OVERFIT_MOMENTUM,
              batch=OVERFIT_N)
    with grade.part("loss"):
        if not loss < OVERFIT_LOSS:
            raise Mismatch(H("loss_too_high", loss=loss, after=after, limit=OVERFIT_LOSS))
    with grade.part("accuracy"):
        if acc < 1.0:
            raise Mismatch(H("accuracy_below_100", acc=acc, after=after))
    if grade.passed("loss", "accuracy"):
        return
    if not math.isfinite(loss):
        grade.hint(H("loss_diverged"))
    elif ot.mentions_todo(student.target, "module5/network.py", "train"):
        grade.hint(H("train_still_todo"))
    elif math.isclose(loss, initial, rel_tol=1e-9):
        grade.hint(H("loss_unchanged", initial=initial))
    elif abs(loss - chance) < 0.01:
        grade.hint(H("loss_at_chance", classes=NUM_CLASSES, chance=chance))
    else:
        grade.hint(H("learns_too_slowly"))

