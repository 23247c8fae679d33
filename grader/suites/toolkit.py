"""Helpers the suites share: probing a gradient against central differences, reading a
model's (param, grad) pairs and their live arrays in the worker, and naming array positions.
One copy, used by every suite that checks gradients numerically.

A gradient check compares one analytic value with the central difference of the student's
own forward at shrinking steps. It passes as soon as the two agree, and fails once two
steps agree with each other but not with the analytic value. A probe whose difference keeps
changing with the step sits at a ReLU kink or a pooling tie (close to the point, so that
every step crosses it): it is redrawn, never judged.
"""
import numpy as np

from grader.checks import Mismatch, Todo
from grader.expect import expect_array
from grader.proxy import RemoteObject

from . import hints

#: The steps of the central difference, largest first. With float64 and outputs of order
#: 1-100, the smallest still has a rounding error below ATOL.
STEPS = (1e-5, 1.25e-6, 1.5e-7)
RTOL, ATOL = 1e-5, 1e-7

H = hints.table("toolkit")


def agree(a, n):
    """Whether an analytic and a numerical derivative agree within RTOL/ATOL."""
    return abs(a - n) <= ATOL + RTOL * max(abs(a), abs(n))


def judge(draw, label, rng, retries=4):
    """Judge one probe. draw(rng, attempt) -> (analytic, numerical(h), where); a probe the
    steps cannot settle is redrawn up to `retries` times (see the module docstring)."""
    for attempt in range(retries):
        a, numerical, where = draw(rng, attempt)
        previous = None
        for h in STEPS:
            n = numerical(h)
            if agree(a, n):
                return
            if previous is not None and agree(previous, n):
                raise Mismatch(H("gradient_wrong_at", label=label, where=where, analytic=a,
                                 numerical=n))
            previous = n
    raise Mismatch(H("gradient_unstable", label=label))


def close(a, b, rtol=1e-7, atol=1e-9):
    """Whether `a` is an array of b's shape, close to b: the test behind a hint (is the
    answer what this mistake would give?), never a verdict (expect.expect_close judges)."""
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
        and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def unit_direction(r, shape):
    """A random direction of norm 1: the step then moves the point by h, whatever its size
    (an unnormalised one moves a 4,608-entry kernel ~68 times further, across kinks)."""
    u = r.standard_normal(shape)
    return u / np.linalg.norm(u)


def index_text(index):
    """"[0, 2, 1]" for a position."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def random_index(r, shape):
    return tuple(int(r.integers(s)) for s in shape)


def largest_index(a):
    """The position of a's largest magnitude."""
    return tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(a)), a.shape))


def probe_gradient(grad, base, derivative, label, rng, coordinates=2, directions=1, name="x"):
    """Judge `grad`, the analytic gradient of f w.r.t. the array `base`, at its largest
    coordinate, `coordinates` random ones and `directions` random directions.
    derivative(u, h) is the central difference of f along u (an array shaped like base);
    `name` prefixes the positions in messages ("x[0, 1, 2, 3]")."""
    def coordinate(r, attempt, first=False):
        index = largest_index(grad) if first and attempt == 0 else random_index(r, base.shape)
        u = np.zeros_like(base)
        u[index] = 1.0
        return float(grad[index]), lambda h: derivative(u, h), name + index_text(index)

    def direction(r, attempt):
        u = unit_direction(r, base.shape)
        return float(np.sum(grad * u)), lambda h: derivative(u, h), "a random direction"

    judge(lambda r, a: coordinate(r, a, first=True), label, rng)
    for _ in range(coordinates):
        judge(coordinate, label, rng)
    for _ in range(directions):
        judge(direction, label, rng)


# -- many attributes at once ---------------------------------------------------------------
def _one_worker(objects):
    """The Student all `objects` live in, or None (some are the suites' own oracle layers,
    or there are none)."""
    students = {id(o._student): o._student for o in objects if isinstance(o, RemoteObject)}
    if objects and len(students) == 1 and all(isinstance(o, RemoteObject) for o in objects):
        return next(iter(students.values()))
    return None


def read_attrs(pairs):
    """[getattr(obj, name) for obj, name in pairs]: one request when every object is the
    learner's (in the worker), else one read each."""
    pairs = list(pairs)
    student = _one_worker([o for o, _ in pairs])
    if student is not None:
        return student.getattrs(pairs)
    return [getattr(o, n) for o, n in pairs]


def write_attrs(triples):
    """setattr(obj, name, value) for each triple, in one request like read_attrs."""
    triples = list(triples)
    student = _one_worker([o for o, _, _ in triples])
    if student is not None:
        student.setattrs(triples)
        return
    for o, n, v in triples:
        setattr(o, n, v)


# -- (param, grad) pairs ----------------------------------------------------------------
def pair_list(pairs, what):
    """Validate get_params_and_grads()'s answer: a list of (param, grad) pairs."""
    if pairs is None:
        raise Todo(what)
    if not isinstance(pairs, (list, tuple)) or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        raise Mismatch(H("not_pairs", what=what, got=type(pairs).__name__))
    return list(pairs)


def live_pairs(model, what):
    """(values, handles): the model's (param, grad) pairs as arrays, and the same pairs as
    handles on the worker's live arrays (get_params_and_grads.keep()), which the grader may
    write in place. A Mismatch if two calls disagree on how many pairs there are."""
    values = pair_list(model.get_params_and_grads(), what)
    handles = pair_list(model.get_params_and_grads.keep(), what)
    if len(handles) != len(values):
        raise Mismatch(H("pair_count_changed", what=what, first=len(values), second=len(handles)))
    return values, handles


def live_derivative(handle, value, f, seen):
    """derivative(u, h) for probe_gradient: the central difference of f() with the live
    parameter array set to value ± h·u in the worker (one element when u is a coordinate,
    the whole array for a direction), restored after. Each difference is appended to
    `seen`."""
    def derivative(u, h):
        nonzero = np.flatnonzero(u)
        if len(nonzero) == 1:
            index = tuple(int(i) for i in np.unravel_index(nonzero[0], u.shape))
            step = float(u[index])
        else:
            index, step = Ellipsis, u
        base = value[index]
        handle[index] = base + h * step
        plus = f()
        handle[index] = base - h * step
        minus = f()
        handle[index] = base
        seen.append((plus - minus) / (2 * h))
        return seen[-1]
    return derivative


def check_params(model, what, f, rng, copy_hint, empty_hint=None, pick=None, coordinates=2,
                 directions=1):
    """Probe the gradient of every (or every `pick(n)`ed) parameter array of `model` against
    central differences of f() with that live array perturbed in the worker. A parameter
    whose perturbation never changes f although its gradient is not zero is a copy, not the
    layer's own array: `copy_hint` says so."""
    values, handles = live_pairs(model, what)
    if not values:
        raise Mismatch(H("no_pairs", what=what), empty_hint)
    for k in (range(len(values)) if pick is None else pick(len(values))):
        (P, dP), (handle, _) = values[k], handles[k]
        P = expect_array(P, f"{what}[{k}][0]")
        dP = expect_array(dP, f"{what}[{k}][1] (the gradient of parameter {k})", P.shape)
        seen = []
        try:
            probe_gradient(dP, P, live_derivative(handle, P, f, seen),
                           f"the gradient of parameter {k} (shape {P.shape})", rng,
                           coordinates=coordinates, directions=directions, name="")
        except Mismatch as exc:
            if seen and not any(seen) and np.any(dP):
                exc.hint = exc.hint or copy_hint
            raise
