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

from grader.checks import CheckTimeout, Mismatch, Msg, check
from grader.expect import expect_array
from grader.errors import WorkerTimeout

from . import budget, oracles
from . import oracles_m5_training as ot
from .derive import worker_seed
from .toolkit import check_params, pair_list, probe_gradient

DOC = "docs/module5.md#simplecnn"
OVERFIT_DOC = "docs/module5.md#overfit-a-tiny-batch"

INPUTS = {"mnist": (1, 28, 28), "cifar": (3, 32, 32)}
NUM_CLASSES = 10

COPY_HINT = Msg(
    "changing the arrays that get_params_and_grads() returned did not change the output: "
    "return the layers' own arrays, [(layer.W, layer.dW), (layer.b, layer.db), ...], "
    "not copies — the optimizer updates them in place",
    "改動 get_params_and_grads() 回傳的陣列不會影響輸出：要回傳各層自己的陣列 "
    "[(layer.W, layer.dW), (layer.b, layer.db), ...]，不是複本——optimizer 會原地更新它們")
RETURN_DX_HINT = Msg(
    "SimpleConvNet.backward(dscores) should return the gradient w.r.t. the input x "
    "(what the first layer's backward returns), like every layer's backward",
    "SimpleConvNet.backward(dscores) 應該回傳對輸入 x 的梯度（第一層 backward 的回傳值），"
    "和每一層的 backward 一樣")


def shape_hint(got, want, C):
    """A hint from the difference of two multisets of parameter shapes."""
    missing = [s for s in set(want) if want.count(s) > got.count(s)]
    extra = [s for s in set(got) if got.count(s) > want.count(s)]
    if len(got) != len(want):
        return Msg(f"expected {len(want)} (param, grad) pairs — W and b of 2 Conv2D and "
                   f"3 FullyConnected layers — got {len(got)}: does every layer with "
                   f"parameters contribute its pairs, once?",
                   f"應該有 {len(want)} 組 (param, grad)——2 個 Conv2D 與 3 個 FullyConnected 的 W、b——"
                   f"但得到 {len(got)} 組：每個有參數的層都有加進來（而且只加一次）嗎？")
    if (6, C, 5, 5) in missing:
        return Msg(f"the first Conv2D must take input_shape[0] = {C} input channels",
                   f"第一個 Conv2D 的輸入 channel 數要是 input_shape[0] = {C}")
    if len(missing) == 1 and len(extra) == 1 and missing[0][1:] == extra[0][1:] == (120,):
        return INPUT_SHAPE_HINT
    return Msg("the layers are (filters, channels, kernel) Conv(6, 5×5), Conv(16, 5×5), then "
               "FC(·, 120), FC(120, 84), FC(84, num_classes)",
               "各層依序是 Conv(6, 5×5)、Conv(16, 5×5)，然後 FC(·, 120)、FC(120, 84)、FC(84, num_classes)")


INPUT_SHAPE_HINT = Msg(
    "compute the sizes from input_shape: the first Conv2D takes input_shape[0] channels, and "
    "the first FullyConnected takes 16·h·w inputs — 16·4·4 = 256 for (1, 28, 28), "
    "16·5·5 = 400 for (3, 32, 32)",
    "大小要由 input_shape 算出：第一個 Conv2D 的輸入 channel 是 input_shape[0]，第一個 "
    "FullyConnected 的輸入是 16·h·w——(1, 28, 28) 是 16·4·4 = 256，(3, 32, 32) 是 16·5·5 = 400")


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
                raise Mismatch(Msg(f"SimpleConvNet{shape}.forward(x) has non-finite scores",
                                   f"SimpleConvNet{shape}.forward(x) 有非有限的分數"))
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
                raise Mismatch(Msg(f"{what}: parameter shapes {sorted(got)}, expected "
                                   f"{sorted(want)} (in any order)",
                                   f"{what}：參數形狀是 {sorted(got)}，應該是 {sorted(want)}（順序不拘）"),
                               shape_hint(got, want, shape[0]))
    if grade.passed("mnist") and grade.parts.get("cifar") is not None \
            and grade.parts["cifar"].status in ("ERROR", "FAIL"):
        grade.hint(INPUT_SHAPE_HINT)


# -- the network its parameters define ----------------------------------------------------
FORWARD_HINT = Msg(
    "forward must compute exactly conv1 → ReLU → max-pool 2×2 → conv2 → ReLU → max-pool 2×2 → "
    "flatten → fc1 → ReLU → fc2 → ReLU → fc3 with the parameters get_params_and_grads() "
    "lists — the scores of the input it is given, nothing remembered from earlier calls",
    "forward 必須正好是 conv1 → ReLU → max-pool 2×2 → conv2 → ReLU → max-pool 2×2 → flatten → "
    "fc1 → ReLU → fc2 → ReLU → fc3，用的是 get_params_and_grads() 列出的參數——算的是眼前這個輸入的分數，"
    "不是記住先前看過的東西")


def lenet_params(model, shape, what="SimpleConvNet.get_params_and_grads()"):
    """The model's parameters as the trusted forward takes them (ot.lenet_parameters),
    read through get_params_and_grads(); a Mismatch if they are not LeNet's."""
    pairs = pair_list(model.get_params_and_grads(), what)
    params = [expect_array(p, f"{what}[{k}][0] (a parameter)") for k, (p, _) in enumerate(pairs)]
    ordered = ot.lenet_parameters(params, shape, NUM_CLASSES)
    if ordered is None:
        got, want = [p.shape for p in params], ot.lenet_param_shapes(*shape, NUM_CLASSES)
        raise Mismatch(Msg(f"{what}: parameter shapes {sorted(got)}, expected {sorted(want)} (in "
                           f"any order): this check computes the network from its parameters "
                           f"(see m5.network.shapes)",
                           f"{what}：參數形狀是 {sorted(got)}，應該是 {sorted(want)}（順序不拘）："
                           f"這項檢查要用參數算出網路（見 m5.network.shapes）"),
                       shape_hint(got, want, shape[0]))
    return ordered


def require_lenet_forward(model, params, inputs):
    """model.forward must give, on every (label, x) of `inputs`, the scores the trusted
    forward computes from `params`: a verdict is taken from the network the parameters
    define, and only stands if that is the network the student's forward runs."""
    for (en, zh), x in inputs:
        got = expect_array(model.forward(x), "SimpleConvNet.forward(x)", (len(x), NUM_CLASSES))
        want = ot.lenet_forward(params, x)
        with np.errstate(invalid="ignore"):
            err = np.abs(got - want)
        if not np.all(err <= 1e-6 * (1 + np.abs(want))):
            worst = float(np.nanmax(err)) if np.any(np.isfinite(err)) else math.nan
            raise Mismatch(Msg(f"SimpleConvNet.forward(x) is not the network its parameters "
                               f"define: on {en} its scores differ by up to {worst:.3g} from "
                               f"those computed here from get_params_and_grads()",
                               f"SimpleConvNet.forward(x) 不是它的參數所定義的網路：在{zh}上，"
                               f"它的分數和這裡用 get_params_and_grads() 的參數算出的分數最多差了 {worst:.3g}"),
                           FORWARD_HINT)


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
                              [(("the check's input", "檢查的輸入"), x),
                               (("another input", "另一個輸入"), other)])
    if not step.ok:
        return
    f = scores_dot(model, x, G)
    with grade.part("input"):
        if dx is None:
            grade.hint(RETURN_DX_HINT)
        dx = expect_array(dx, "SimpleConvNet.backward(dscores)", x.shape)
        probe_gradient(dx, x, lambda u, h: (f(x + h * u) - f(x - h * u)) / (2 * h),
                       "dx (the gradient w.r.t. the input)", rng, coordinates=3, directions=2)
    with grade.part("params"):
        check_params(model, "SimpleConvNet.get_params_and_grads()", f, rng, COPY_HINT,
                     coordinates=1, directions=1)
    if ot.failed(grade, "input") and grade.passed("params"):
        grade.hint(Msg("the parameter gradients are right but dx is not: backward must pass "
                       "each layer's dx on to the layer before it, and return the first layer's",
                       "參數的梯度正確但 dx 不對：backward 要把每一層的 dx 傳給前一層，並回傳第一層的 dx"))


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
    what = ("overfitting a tiny batch", "把一小批資料訓練到幾乎零誤差")
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
                (("the training images", "訓練影像"), X),
                (("new images", "新的影像"), rng.standard_normal((OVERFIT_N, *shape)))])
    except WorkerTimeout:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, step,
                                                  OVERFIT_MAX_EPOCHS, probes, stage,
                                                  done=done)) from None
    chance = math.log(NUM_CLASSES)
    after = (f"after {done} epochs (train with MomentumSGD(lr={OVERFIT_LR}, "
             f"momentum={OVERFIT_MOMENTUM}), batch {OVERFIT_N})")
    after_zh = (f"訓練 {done} 個 epoch 之後（train 搭配 MomentumSGD(lr={OVERFIT_LR}, "
                f"momentum={OVERFIT_MOMENTUM})，batch {OVERFIT_N}）")
    with grade.part("loss"):
        if not loss < OVERFIT_LOSS:
            raise Mismatch(Msg(f"the training loss is {loss:.4g} {after}; expected below {OVERFIT_LOSS}",
                               f"{after_zh} training loss 是 {loss:.4g}，應該低於 {OVERFIT_LOSS}"))
    with grade.part("accuracy"):
        if acc < 1.0:
            raise Mismatch(Msg(f"training accuracy is {acc:.0%} {after}; expected 100 %",
                               f"{after_zh} 訓練準確率是 {acc:.0%}，應該是 100 %"))
    if grade.passed("loss", "accuracy"):
        return
    if not math.isfinite(loss):
        grade.hint(Msg("the loss diverged to inf/NaN: is the loss (and so every gradient) the "
                       "mean over the batch, and does MomentumSGD subtract lr·grad?",
                       "loss 發散成 inf/NaN：loss（以及所有梯度）有對 batch 取平均嗎？MomentumSGD 是減去 lr·grad 嗎？"))
    elif ot.mentions_todo(student.target, "module5/network.py", "train"):
        grade.hint(Msg("train() still has a TODO: with an optimizer it must call "
                       "optimizer.step(model.get_params_and_grads()) instead of the plain update",
                       "train() 還有 TODO：有 optimizer 時要呼叫 optimizer.step(model.get_params_and_grads())，"
                       "不是原本的簡單更新"))
    elif math.isclose(loss, initial, rel_tol=1e-9):
        grade.hint(Msg(f"the loss is exactly what it was before training ({initial:.4g}): the "
                       f"updates never reach the network — does train() call "
                       f"optimizer.step(model.get_params_and_grads()), and do get_params_and_grads "
                       f"and MomentumSGD.step work on the live parameter arrays, in place?",
                       f"loss 和訓練前完全一樣（{initial:.4g}）：更新沒有作用到網路上——train() 有呼叫 "
                       f"optimizer.step(model.get_params_and_grads()) 嗎？get_params_and_grads 與 "
                       f"MomentumSGD.step 有原地修改網路自己的參數陣列嗎？"))
    elif abs(loss - chance) < 0.01:
        grade.hint(Msg(f"the loss is stuck at ln {NUM_CLASSES} ≈ {chance:.3f}, every class equally "
                       f"likely: the network's output collapsed (all ReLUs dead?) — check the "
                       f"sign of the updates and the gradient checks",
                       f"loss 卡在 ln {NUM_CLASSES} ≈ {chance:.3f}，每一類的機率都一樣：網路的輸出塌成常數"
                       f"（ReLU 全部死掉？）——檢查更新的正負號與梯度檢查"))
    else:
        grade.hint(Msg("the network learns too slowly: check the gradient checks and MomentumSGD "
                       "(v = β·v − lr·grad, w = w + v, one v per parameter)",
                       "網路學得太慢：先看梯度檢查與 MomentumSGD（v = β·v − lr·grad，w = w + v，每個參數一個 v）"))

