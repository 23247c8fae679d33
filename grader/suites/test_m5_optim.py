"""Module 5: optimizers (SGD, MomentumSGD), learning-rate schedules, weight initialisation,
and train() with an optimizer and a schedule.

An optimizer changes its parameters in place and returns None, so the parameters are kept in
the worker (student.keep): step() receives the worker's own arrays, and the trusted side
reads them back (student.fetch). Because step() returns None whether or not it is written, a
step whose body is still the skeleton's `pass` is recognised from the source (parsed here,
never run) and reported as TODO.
"""
import math

import numpy as np

from grader.checks import Mismatch, Msg, Todo, check
from grader.expect import expect_array, expect_close, expect_scalar

from . import hints, oracles
from . import oracles_m5_training as ot
from .derive import worker_seed

OPTIM = "module5/optim.py"
SGD_DOC = "docs/module5.md#momentum"
SCHEDULE_DOC = "docs/module5.md#learning-rate-schedules"
INIT_DOC = "docs/module5.md#weight-initialisation"

H = hints.table("m5_optim")


def stub_todo(student, qualname):
    if ot.is_stub(student.target, OPTIM, qualname):
        raise ot.stub(qualname)


def fetch(student, kept, name, shape):
    return expect_array(student.fetch(kept), name, shape)


# -- SGD ----------------------------------------------------------------------------------
@check("m5.optim.sgd", points=1, title=("SGD updates the parameters in place", "SGD 原地更新參數"),
       doc=SGD_DOC)
def test_sgd(student, rng, grade):
    stub_todo(student, "SGD.step")
    optim = student.module("module5.optim")
    lr = float(rng.uniform(0.05, 0.5))
    opt = optim.SGD(lr=lr)
    shapes = [(int(rng.integers(3, 6)), int(rng.integers(2, 5))), (int(rng.integers(2, 6)),)]
    values = [rng.standard_normal(s) for s in shapes]
    kept = [student.keep(v) for v in values]
    old_lr = lr
    for step in (1, 2):
        if step == 2:
            lr = float(rng.uniform(0.6, 1.0))
            opt.lr = lr        # train() sets optimizer.lr every epoch
        grads = [rng.standard_normal(s) for s in shapes]
        opt.step([(k, g) for k, g in zip(kept, grads)])
        after = [fetch(student, k, f"parameter {i} after SGD.step", s)
                 for i, (k, s) in enumerate(zip(kept, shapes))]
        if all(np.array_equal(a, v) for a, v in zip(after, values)):
            raise Mismatch(H("sgd_unchanged", step=step), H("update_in_place"))
        for i, (a, v, g) in enumerate(zip(after, values, grads)):
            expect_close(a - v, -lr * g, f"the change of parameter {i} in step {step} "
                         f"(lr={lr:.4g}); expected −lr·grad", rtol=1e-9, atol=1e-12,
                         mistakes=grade.diagnose("change", grad=g, lr=lr, old_lr=old_lr,
                                                 step=step))
        values = after


# -- MomentumSGD --------------------------------------------------------------------------
def momentum_run(student, optim, lr, beta, values, grads_per_step):
    """MomentumSGD over kept copies of `values`: yields (step, run), where run() makes that
    step and returns (params after it, expected params) — expected from v = β·v − lr·grad,
    w = w + v, one v per parameter. The step happens in run(), so inside the part that
    judges it."""
    opt = optim.MomentumSGD(lr=lr, momentum=beta)
    kept = [student.keep(v) for v in values]
    want = [v.copy() for v in values]
    vel = [np.zeros_like(v) for v in values]

    def run(grads):
        opt.step([(k, g) for k, g in zip(kept, grads)])
        for i, g in enumerate(grads):
            vel[i] = beta * vel[i] - lr * g
            want[i] = want[i] + vel[i]
        got = [fetch(student, k, f"parameter {i} after MomentumSGD.step", v.shape)
               for i, (k, v) in enumerate(zip(kept, values))]
        return got, want

    for step, grads in enumerate(grads_per_step, 1):
        yield step, lambda grads=grads: run(grads)


@check("m5.optim.momentum", points=2, parts=("first_step", "accumulates", "per_parameter"),
       title=("MomentumSGD: velocity per parameter", "MomentumSGD：每個參數各自的速度"),
       doc=SGD_DOC)
def test_momentum(student, rng, grade):
    stub_todo(student, "MomentumSGD.step")
    optim = student.module("module5.optim")
    lr = float(rng.uniform(0.05, 0.3))
    beta = float(rng.uniform(0.5, 0.95))
    label = f"(lr={lr:.3g}, momentum={beta:.3g})"

    # One parameter, three steps: the first step, then the velocity carried along.
    shape = (int(rng.integers(3, 6)), int(rng.integers(2, 5)))
    P = rng.standard_normal(shape)
    grads = [[rng.standard_normal(shape)] for _ in range(3)]

    def known(values, grads, index=0, relative_to=0.0):
        """The known mistakes of a parameter after len(grads) steps (of its change, minus
        relative_to, in step 1)."""
        return grade.diagnose("parameters", values=values, grads=grads, lr=lr, beta=beta,
                              index=index, relative_to=relative_to)

    for step, run in grade.cases(momentum_run(student, optim, lr, beta, [P], grads)):
        with grade.part("first_step" if step == 1 else "accumulates"):
            got, want = run()
            if step == 1 and np.array_equal(got[0], P):
                raise Mismatch(H("momentum_unchanged"), H("update_in_place"))
            if step == 1:     # the change, so that a sign or a factor shows in the hint
                expect_close(got[0] - P, want[0] - P, f"the change of the parameter in step 1 "
                             f"{label}; expected −lr·grad", rtol=1e-9, atol=1e-12,
                             mistakes=known([P], grads[:1], relative_to=P))
            expect_close(got[0], want[0], f"the parameter after step {step} {label}",
                         rtol=1e-9, atol=1e-12, mistakes=known([P], grads[:step]))

    # Three parameters (two of the same shape), three steps: each has its own velocity.
    shapes = [shape, (shape[1],), shape]
    values = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(3)]
    with grade.part("per_parameter"):
        try:
            for step, run in momentum_run(student, optim, lr, beta, values, grads):
                got, want = run()
                for i in range(len(shapes)):
                    expect_close(got[i], want[i],
                                 f"parameter {i} of {len(shapes)} (shape {shapes[i]}) after step "
                                 f"{step} {label}", rtol=1e-9, atol=1e-12,
                                 mistakes=known(values, grads[:step], index=i))
        except Exception as exc:
            from grader.errors import StudentError
            if isinstance(exc, StudentError):
                raise Mismatch(H("momentum_three_params_failed", shapes=shapes,
                                 error=exc.short())) from None
            raise

    if ot.failed(grade, "accumulates") and grade.passed("first_step"):
        grade.hint(H("momentum_keep_velocity"))
    elif ot.failed(grade, "per_parameter") and grade.passed("first_step", "accumulates"):
        grade.hint(H("momentum_per_parameter"))
    elif ot.failed(grade, "first_step") and not grade.auto_hints:
        grade.hint(H("momentum_first_step"))


# -- schedules ----------------------------------------------------------------------------
def expect_rate(value, want, name, mistakes):
    got = expect_scalar(value, name)
    if not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-15):
        raise Mismatch(H("rate_mismatch", name=name, got=got, want=want),
                       mistakes.match(got, want, rtol=1e-9, atol=1e-15))
    return got


@check("m5.optim.schedules", points=1, parts=("constant", "step", "exponential"),
       title=("learning-rate schedules", "learning rate 排程"), doc=SCHEDULE_DOC)
def test_schedules(student, rng, grade):
    optim = student.module("module5.optim")
    base = float(rng.uniform(0.01, 1.0))
    with grade.part("constant"):
        for epoch in [0] + [int(e) for e in rng.integers(1, 60, 3)]:
            expect_rate(optim.constant(base, epoch), base, f"constant({base:.4g}, {epoch})",
                        grade.diagnose("constant", base=base, epoch=epoch))
    with grade.part("step"):
        drop = float(rng.uniform(0.2, 0.8))
        every = int(rng.integers(2, 7))
        epochs = [0, every - 1, every, 2 * every + 1, int(rng.integers(3 * every, 8 * every))]
        for epoch in epochs:
            expect_rate(optim.step_decay(base, epoch, drop=drop, epochs_per_drop=every),
                        base * drop ** (epoch // every),
                        f"step_decay({base:.4g}, {epoch}, drop={drop:.3g}, "
                        f"epochs_per_drop={every})",
                        grade.diagnose("step_decay", base=base, epoch=epoch, drop=drop,
                                       every=every))
        for epoch in (9, 10, 25):
            expect_rate(optim.step_decay(base, epoch), base * 0.5 ** (epoch // 10),
                        f"step_decay({base:.4g}, {epoch}) with the default drop=0.5, "
                        f"epochs_per_drop=10",
                        grade.diagnose("step_decay", base=base, epoch=epoch, drop=0.5, every=10))
    with grade.part("exponential"):
        rate = float(rng.uniform(0.5, 0.99))
        for epoch in [0, 1] + [int(e) for e in rng.integers(2, 40, 3)]:
            expect_rate(optim.exponential_decay(base, epoch, decay_rate=rate), base * rate ** epoch,
                        f"exponential_decay({base:.4g}, {epoch}, decay_rate={rate:.3g})",
                        grade.diagnose("exponential_decay", base=base, epoch=epoch, rate=rate))
        expect_rate(optim.exponential_decay(base, 7), base * 0.9 ** 7,
                    f"exponential_decay({base:.4g}, 7) with the default decay_rate=0.9",
                    grade.diagnose("exponential_decay", base=base, epoch=7, rate=0.9))
    if ot.failed(grade, "step"):
        grade.hint(H("step_decay_rule"))
    if ot.failed(grade, "exponential"):
        grade.hint(H("exponential_decay_rule"))


# -- weight initialisation ----------------------------------------------------------------
MIN_DRAW = 40_000
STD_TOL = 0.03          # relative; the standard error of a std over 40 000 draws is 0.35 %
# A wrong std is named as a known mistake within this (relative, over four standard errors):
# tighter than STD_TOL, so that mistakes whose stds are close can still be told apart.
STD_MATCH = 0.015


def draw(fn, shape, name):
    """Call fn(shape) until at least MIN_DRAW values are in hand."""
    parts = []
    while sum(p.size for p in parts) < MIN_DRAW:
        parts.append(expect_array(fn(shape), f"{name}({shape})", shape))
        if len(parts) == 2 and np.array_equal(parts[0], parts[1]):
            raise Mismatch(H("init_same_values", name=name, shape=shape))
    return np.concatenate([p.ravel() for p in parts])


def init_shapes(rng):
    """An FC shape with D and M at least 2x apart (either way round) and a conv shape with
    C_out ≥ 1.5·C_in and a 3x3 or 5x5 kernel: every wrong fan is ≥ 20 % off in std."""
    D, M = int(rng.integers(300, 400)), int(rng.integers(100, 150))
    fc = (D, M) if rng.random() < 0.5 else (M, D)
    k = int(rng.choice([3, 5]))
    conv = (int(rng.integers(48, 64)), int(rng.integers(16, 32)), k, k)
    return {"FC": fc, "conv": conv}


@check("m5.init", points=1, parts=("he", "xavier"),
       title=("He and Xavier initialisation (fans of FC and conv weights)",
              "He 與 Xavier 初始化（FC 與卷積權重的 fan）"), doc=INIT_DOC)
def test_init(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    init = student.module("module5.weight_init")
    shapes = init_shapes(rng)
    rules = {
        "he": ("he_init", lambda fi, fo: math.sqrt(2.0 / fi), "sqrt(2 / fan_in)"),
        "xavier": ("xavier_init", lambda fi, fo: math.sqrt(2.0 / (fi + fo)),
                   "sqrt(2 / (fan_in + fan_out))"),
    }
    for part, (name, rule, formula) in rules.items():
        with grade.part(part):
            fn = getattr(init, name)
            # Every shape is drawn before any is judged: a wrong std is named from the stds
            # of all of them (a mistake's std can equal another's on one shape).
            drawn = {kind: draw(fn, shape, name) for kind, shape in shapes.items()}
            stds = {kind: float(values.std()) for kind, values in drawn.items()}
            for kind, shape in shapes.items():
                fan_in, fan_out = ot.fans(shape)
                want = rule(fan_in, fan_out)
                values = drawn[kind]
                std, mean = stds[kind], float(values.mean())
                # Six standard errors of the mean, with the spread actually drawn: a wrong
                # std must be named as such, not as a mean off by its own noise.
                if abs(mean) > 6 * max(std, want) / math.sqrt(values.size):
                    known = grade.diagnose("moments", init=part, shape=shape)
                    raise Mismatch(H("init_mean", name=name, shape=shape, mean=mean),
                                   known.match([mean, std], [0.0, want], rtol=STD_MATCH, atol=0)
                                   or H("init_centred"))
                if abs(std / want - 1) > STD_TOL:
                    known = grade.diagnose("std", init=part, shapes=list(shapes.values()))
                    wants = [rule(*ot.fans(s)) for s in shapes.values()]
                    which = H("fans_conv") if len(shape) == 4 else H("fans_fc")
                    raise Mismatch(H("init_std", name=name, shape=shape, kind=kind, std=std,
                                     formula=formula, want=want, fan_in=fan_in, fan_out=fan_out),
                                   known.match(list(stds.values()), wants, rtol=STD_MATCH, atol=0)
                                   or H("fan_rule", name=name, fans=which))


# -- train() with an optimizer and a schedule -------------------------------------------
TRAIN_EPOCHS = 12


@check("m5.train.optimizer_schedule", points=1,
       title=("train() uses the optimizer and sets its rate from the schedule each epoch",
              "train() 使用 optimizer，並在每個 epoch 依排程設定學習率"), doc=SCHEDULE_DOC,
       hidden=True)
def test_train_optimizer_schedule(student, rng, grade):
    """The model is the learner's FullyConnected (softmax regression, a model the trusted side
    can follow exactly), trained full-batch so that train()'s shuffling changes nothing; the
    optimizer is their MomentumSGD, so whether train() calls optimizer.step shows in the
    trajectory; the schedule is their own exponential_decay (or step_decay), whose values are
    asked for directly, so only train() is judged here."""
    N, D, C = 16, 6, 4
    X = rng.standard_normal((N, D))
    y = rng.permutation(np.arange(N) % C)
    W0, b0 = 0.3 * rng.standard_normal((D, C)), 0.1 * rng.standard_normal(C)
    base = float(rng.uniform(0.2, 0.5))
    beta = float(rng.uniform(0.5, 0.8))

    layers = student.module("module5.layers")
    loss_mod = student.module("module5.loss")
    optim = student.module("module5.optim")
    net = student.module("module5.network")

    # The parts this check builds on, each against its oracle (their own checks say more).
    fc = layers.FullyConnected(D, C)
    fc.W = W0
    fc.b = b0
    scores = expect_array(fc.forward(X), "FullyConnected.forward(x)", (N, C))
    res = loss_mod.cross_entropy_loss(scores, y)
    if res is None:
        raise Todo("cross_entropy_loss")
    stub_todo(student, "MomentumSGD.step")
    want_loss, want_d = oracles.cross_entropy(X @ W0 + b0, y)
    try:
        expect_close(scores, X @ W0 + b0, "FullyConnected.forward(x)", rtol=1e-9)
        loss, dscores = res
        expect_close(expect_scalar(loss, "loss"), want_loss, "cross_entropy_loss loss", rtol=1e-9)
        expect_close(expect_array(dscores, "dscores", (N, C)), want_d, "dscores",
                     rtol=1e-7, atol=1e-12)
        expect_array(fc.backward(want_d), "FullyConnected.backward(dout)", (N, D))
        expect_close(expect_array(fc.dW, "FullyConnected.dW", (D, C)), X.T @ want_d, "dW",
                     rtol=1e-7, atol=1e-12)
        expect_close(expect_array(fc.db, "FullyConnected.db", (C,)), want_d.sum(0), "db",
                     rtol=1e-7, atol=1e-12)
        for step, run in momentum_run(student, optim, base, beta, [W0],
                                      [[rng.standard_normal(W0.shape)] for _ in range(2)]):
            got, want = run()
            expect_close(got[0], want[0], f"MomentumSGD step {step}", rtol=1e-9, atol=1e-12)
    except (Mismatch, ValueError, TypeError) as exc:
        text = exc.msg if isinstance(exc, Mismatch) else Msg(str(exc), str(exc))
        raise Mismatch(H("train_parts_wrong") + text, H("train_fix_parts_first")) from None

    # A schedule whose rate changes within TRAIN_EPOCHS; its values straight from the learner.
    schedule, lrs = None, None
    for name in ("exponential_decay", "step_decay"):
        fn = getattr(optim, name)
        values = [fn(base, e) for e in range(TRAIN_EPOCHS)]
        if all(isinstance(v, (int, float, np.floating)) and math.isfinite(v) and v > 0
               for v in values) and len(set(values)) > 1:
            schedule, lrs = fn, [float(v) for v in values]
            break
    if schedule is None:
        raise Todo("exponential_decay / step_decay (this check trains with one of them)")

    fc = layers.FullyConnected(D, C)
    fc.W = W0
    fc.b = b0
    opt = optim.MomentumSGD(lr=base, momentum=beta)
    net.train(fc, X, y, lr=0.0123, epochs=TRAIN_EPOCHS, batch_size=N, optimizer=opt,
              schedule=schedule)
    W = expect_array(fc.W, "FullyConnected.W after train()", (D, C))
    b = expect_array(fc.b, "FullyConnected.b after train()", (C,))
    final_lr = expect_scalar(opt.lr, "optimizer.lr after train()")

    def run(rates, momentum=beta):
        return ot.train_softmax_regression(X, y, W0, b0, rates, momentum)[:2]

    def matches(candidate):
        return np.allclose(W, candidate[0], rtol=1e-7, atol=1e-10) and \
            np.allclose(b, candidate[1], rtol=1e-7, atol=1e-10)

    if matches(run(lrs)) and math.isclose(final_lr, lrs[-1], rel_tol=1e-9):
        return
    sched_name = schedule.type_name
    if matches(run(lrs)):
        raise Mismatch(H("train_final_lr", final_lr=final_lr, schedule=sched_name,
                         last_epoch=TRAIN_EPOCHS - 1, want_lr=lrs[-1]),
                       H("train_set_lr_each_epoch"))
    # Where the weights are wrong: the check fails; which known mistake (if any) trained
    # them is asked of the rates it would have used, from the learner's own schedule.
    if matches(run([base] * TRAIN_EPOCHS, 0.0)) and \
            ot.mentions_todo(student.target, "module5/network.py", "train"):
        raise ot.todo(H("train_still_todo"))
    compounded = [base]
    for e in range(TRAIN_EPOCHS):
        compounded.append(float(schedule(compounded[-1], e)))
    rates = {"base": base, "schedule": lrs, "compounded": compounded[1:],
             "next": [float(schedule(base, e + 1)) for e in range(TRAIN_EPOCHS)]}
    known = grade.diagnose("weights", X=X, y=y, W0=W0, b0=b0, beta=beta, rates=rates)
    want_W, want_b = run(lrs)
    hint = known.match(np.concatenate([W.ravel(), b]), np.concatenate([want_W.ravel(), want_b]),
                       rtol=1e-7, atol=1e-10)
    try:
        expect_close(W, want_W, f"FullyConnected.W after train(..., optimizer=MomentumSGD, "
                     f"schedule={sched_name}) for {TRAIN_EPOCHS} epochs", rtol=1e-7, atol=1e-10)
        expect_close(b, want_b, "FullyConnected.b after train()", rtol=1e-7, atol=1e-10)
    except Mismatch as exc:
        raise Mismatch(exc.msg, hint) from None
    raise Mismatch(H("train_weights_wrong"), hint)
