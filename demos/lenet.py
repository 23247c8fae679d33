"""The Module 5 demo: train SimpleConvNet (LeNet-style) on handwritten digits.

Both trees run it through a thin entry point that passes in their own modules::

    python -m exercises.module5.train_lenet      # your code
    python -m reference.module5.train_lenet      # the reference solution

The training loop lives here rather than in `network.train` so that it can draw a progress
bar per batch and check every value the learner's code hands back: a function that still
returns None (the skeleton's `pass`), an exception, a wrong shape or a NaN loss each end the
demo with one friendly paragraph naming the function and file, never a traceback.

Data: real MNIST when it is cached or can be downloaded, else a generated digit set; the
first line of output says which one was used (`given.data.datasets.load_digits`).
"""
import functools
import math
import time

import numpy as np
from rich.markup import escape

from .common import (DemoError, accuracy, add_data_options, add_size_options,
                     argument_parser, begin, diverged, load_data, loss_text, momentum, plural,
                     positive_float, positive_int, prog_name, progress, run_main)

NUM_CLASSES = 10
EVAL_BATCH = 500   # evaluation only keeps activations, so larger batches are fine

EPILOG = """\
examples:
  python -m exercises.module5.train_lenet
  python -m exercises.module5.train_lenet --epochs 5 --lr 0.05 --momentum 0
  python -m reference.module5.train_lenet --data synthetic --epochs 1 --n-train 256

--data auto uses MNIST when it is cached in --data-dir or can be downloaded there, and a
generated digit set otherwise; the first line of output says which one was used.
"""


# --------------------------------------------------------------------------- CLI

def build_parser(prog=None):
    p = argument_parser(
        prog, "Train SimpleConvNet (Conv-ReLU-Pool x2, FC 120-84-10) on handwritten\n"
              "digits with mini-batch SGD: a progress bar per epoch, then its loss and\n"
              "accuracy. Any TODO left in your code is named, with its file.", EPILOG)
    p.add_argument("--epochs", type=positive_int, default=3, help="passes over the training set (default: 3)")
    add_size_options(p, n_train=2000, n_test=500, batch_size=32)
    p.add_argument("--lr", type=positive_float, default=0.01, help="base learning rate (default: 0.01)")
    p.add_argument("--momentum", type=momentum, default=0.9,
                   help="momentum β of MomentumSGD; 0 means plain SGD (default: 0.9)")
    p.add_argument("--schedule", choices=("constant", "step", "exp"), default="step",
                   help="learning-rate schedule: constant; step = step_decay, halved every "
                        "2 epochs; exp = exponential_decay, ×0.9 per epoch (default: step)")
    add_data_options(p, "mnist", "MNIST", "generated digits")
    return p


# --------------------------------------------------------------------------- entry point

def main(argv=None, *, network, optim):
    """Run the demo; `network` and `optim` are the calling tree's module5 modules.

    Returns the exit code: 0 after training, 1 when the learner's code or the data stops
    it (with a message), 2 for bad command-line arguments, 130 on Ctrl-C.
    """
    return run_main(run, build_parser(prog_name(network, "train_lenet")), argv,
                    network=network, optim=optim)


def run(args, *, network, optim, console=None):
    """Train and evaluate; returns the metrics. Raises DemoError with a friendly message.

    `args` is an argparse.Namespace from build_parser() or a list of command-line strings.

    Returns a dict: dataset (name), description, parameters (count), epochs (a list of
    {epoch, lr, train_loss, train_accuracy, test_accuracy, seconds}), test_accuracy and
    train_loss of the last epoch, seconds (total).
    """
    from given.data.datasets import load_digits

    args, console, learner = begin(args, build_parser, network, "train_lenet", console)

    np.random.seed(args.seed)              # the layers initialise with np.random.randn
    data = load_data(args, load_digits, "MNIST", "generated digits", console)

    model = learner.call(network.SimpleConvNet, "SimpleConvNet", traced=True,
                         input_shape=tuple(data.X_train.shape[1:]), num_classes=NUM_CLASSES)
    schedule, schedule_text = _schedule(optim, args.schedule)
    pairs = _preflight(args, learner, network, optim, model, schedule, data)
    console.print(f"[bold]Model:[/] SimpleConvNet from {learner.show_path(network.__file__)}, "
                  f"{sum(p.size for p, _ in pairs):,} parameters in {len(pairs)} arrays")
    optimizer, opt_text = _optimizer(args, learner, optim)
    console.print(f"[bold]Training:[/] {plural(args.epochs, 'epoch')}, batch {args.batch_size}, "
                  f"{opt_text}, {schedule_text}")

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # NaN is checked below
        history = _train(args, learner, network, model, optimizer, schedule, data, console)

    last = history[-1]
    total = sum(h["seconds"] for h in history)
    console.print(f"[bold green]Done:[/] test accuracy {last['test_accuracy']:.1%} after "
                  f"{plural(len(history), 'epoch')} on {escape(data.name)} "
                  f"(chance is {1 / NUM_CLASSES:.0%}), {total:.1f} s.")
    return {
        "dataset": data.name,
        "description": data.description,
        "parameters": sum(p.size for p, _ in pairs),
        "epochs": history,
        "test_accuracy": last["test_accuracy"],
        "train_loss": last["train_loss"],
        "seconds": total,
    }


# --------------------------------------------------------------------------- training

def _schedule(optim, name):
    if name == "constant":
        return optim.constant, "constant learning rate"
    if name == "step":
        return (functools.partial(optim.step_decay, epochs_per_drop=2),
                "step_decay (×0.5 every 2 epochs)")
    return optim.exponential_decay, "exponential_decay (×0.9 per epoch)"


def _optimizer(args, learner, optim):
    if args.momentum > 0:
        return (learner.call(optim.MomentumSGD, "MomentumSGD", lr=args.lr, momentum=args.momentum),
                f"MomentumSGD(lr={args.lr:g}, momentum={args.momentum:g})")
    return learner.call(optim.SGD, "SGD", lr=args.lr), f"SGD(lr={args.lr:g})"


def _preflight(args, learner, network, optim, model, schedule, data):
    """Every learner function the training needs, once and traced, so that a TODO anywhere
    on the way is reported by name before the progress bar starts: forward, loss and
    backward on two images, the schedule, and one optimizer step on copies of the
    parameters (the model itself is not changed). Returns the (param, grad) pairs."""
    X, y = data.X_train[:2], data.y_train[:2]
    scores = _forward(learner, model, X, traced=True)
    _, dscores = learner.loss(network, scores, y, traced=True)
    learner.call(model.backward, "SimpleConvNet.backward", dscores, traced=True)
    pairs = learner.pairs(model, traced=True, nonempty=True)
    _learning_rate(learner, schedule, args.lr, 0)
    trial, _ = _optimizer(args, learner, optim)
    learner.check_step(trial, [(p.copy(), g.copy()) for p, g in pairs])
    return pairs


def _train(args, learner, network, model, optimizer, schedule, data, console):
    rng = np.random.default_rng(args.seed)
    n = len(data.y_train)
    n_batches = -(-n // args.batch_size)
    history = []
    console.print(f"[bold]{'epoch':>5}  {'lr':>9}  {'train loss':>10}  {'train acc':>9}  "
                  f"{'test acc':>8}  {'time':>7}[/]")
    for epoch in range(args.epochs):
        start = time.perf_counter()
        lr = _learning_rate(learner, schedule, args.lr, epoch)
        optimizer.lr = lr
        order = rng.permutation(n)
        loss_sum, correct = 0.0, 0
        with progress(console) as bar:
            task = bar.add_task(f"epoch {epoch + 1}/{args.epochs}", total=n_batches,
                                info="loss -")
            for b in range(n_batches):
                idx = order[b * args.batch_size:(b + 1) * args.batch_size]
                X, y = data.X_train[idx], data.y_train[idx]
                scores = _forward(learner, model, X)
                loss, dscores = learner.loss(network, scores, y)
                if not math.isfinite(loss):
                    raise diverged("loss", loss, f"epoch {epoch + 1}, batch {b + 1}", lr)
                learner.call(model.backward, "SimpleConvNet.backward", dscores)
                pairs = learner.pairs(model, nonempty=True)
                learner.call(optimizer.step, f"{type(optimizer).__name__}.step", pairs)
                loss_sum += loss * len(y)
                correct += int((scores.argmax(axis=1) == y).sum())
                running = loss_sum / (b * args.batch_size + len(y))
                bar.update(task, advance=1, info=f"loss {loss_text(running)}")
        train_loss, train_acc = loss_sum / n, correct / n
        test_acc = accuracy(lambda X: _forward(learner, model, X), data.X_test, data.y_test,
                            EVAL_BATCH)
        seconds = time.perf_counter() - start
        history.append({"epoch": epoch + 1, "lr": lr, "train_loss": train_loss,
                        "train_accuracy": train_acc, "test_accuracy": test_acc,
                        "seconds": seconds})
        console.print(f"{epoch + 1:>5}  {lr:>9.3g}  {loss_text(train_loss):>10}  {train_acc:>9.1%}  "
                      f"{test_acc:>8.1%}  {seconds:>6.1f}s")
    return history


# --------------------------------------------------------------------------- checked calls

def _forward(learner, model, X, traced=False):
    """SimpleConvNet.forward(X), checked: the class scores, (len(X), NUM_CLASSES)."""
    name = "SimpleConvNet.forward"
    scores = learner.call(model.forward, name, X, traced=traced)
    return learner.checked_array(type(model).forward, name, scores, (len(X), NUM_CLASSES),
                                 "the class scores")


def _learning_rate(learner, schedule, base_lr, epoch):
    """schedule(base_lr, epoch), traced and checked: a positive float."""
    fn = schedule.func if isinstance(schedule, functools.partial) else schedule
    name = fn.__name__
    lr = learner.call(schedule, name, base_lr, epoch, traced=True)
    if isinstance(lr, (int, float, np.floating, np.integer)) and not isinstance(lr, bool):
        if math.isfinite(lr) and lr > 0:
            return float(lr)
    raise DemoError(learner.returned(name, fn, lr, f"a positive learning rate, e.g. "
                                                   f"{name}({base_lr:g}, 0) = {base_lr:g}"))
