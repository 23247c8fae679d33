"""The course's modules, declared once.

Everything that names a module reads it from here: the CLI's `--module` choices, the target
check, the watch mode's re-grading, the intake of submissions, batch, Gradescope and GitHub
Classroom, and the project's README and docs tests. A check belongs to the module its id
starts with (`m6.unet.iou` → 6), and lives in a suite file `grader/suites/test_m6_*.py`.

Adding a Module 7: its trees (`exercises/module7/`, `reference/module7/`), its suites
(`grader/suites/test_m7_*.py`), its document (`docs/module7.md`) and one entry below.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Module:
    """One module of the course: `files` are the learner's files in `module<number>/` (the
    ones the grader looks for and places), `needs` the modules whose code this one imports
    (Module 6's blocks are built from Module 5's layers), `topics` the file each topic of a
    check id is about (`m5.conv2d.forward` → conv2d → layers.py: the scorecard collapses a
    file none of whose checks has started)."""
    number: int
    files: tuple
    needs: tuple = ()
    topics: tuple = ()        # ((topic, file), ...)

    @property
    def dir(self):
        return f"module{self.number}"

    @property
    def doc(self):
        return f"docs/module{self.number}.md"

    @property
    def suite_prefix(self):
        return f"test_m{self.number}_"


MODULES = (
    Module(5, ("layers.py", "loss.py", "network.py", "optim.py", "weight_init.py"),
           topics=(("conv2d", "layers.py"), ("fc", "layers.py"), ("relu", "layers.py"),
                   ("sigmoid", "layers.py"), ("maxpool", "layers.py"), ("layers", "layers.py"),
                   ("softmax", "loss.py"), ("cross_entropy", "loss.py"),
                   ("network", "network.py"), ("train", "network.py"),
                   ("optim", "optim.py"), ("init", "weight_init.py"))),
    Module(6, ("batchnorm.py", "resnet_blocks.py", "upsample.py", "transposed_conv.py",
               "unet.py"), needs=(5,),
           topics=(("batchnorm", "batchnorm.py"), ("basicblock", "resnet_blocks.py"),
                   ("bottleneck", "resnet_blocks.py"), ("resnet", "resnet_blocks.py"),
                   ("upsample", "upsample.py"), ("convtranspose", "transposed_conv.py"),
                   ("unet", "unet.py"))),
)

NUMBERS = tuple(m.number for m in MODULES)
_BY_NUMBER = {m.number: m for m in MODULES}
_BY_DIR = {m.dir: m for m in MODULES}


def get(number):
    """The Module numbered `number` (KeyError with the known numbers otherwise)."""
    try:
        return _BY_NUMBER[number]
    except KeyError:
        raise KeyError(f"no Module {number}: the course has {', '.join(map(str, NUMBERS))}") \
            from None


def file_of_check(check_id):
    """The learner's file a check is about ("module5/layers.py"), from its id's topic, or
    None for a topic the registry does not name."""
    module = _BY_NUMBER.get(of_check(check_id))
    topic = check_id.split(".")[1] if check_id.count(".") else ""
    file = dict(module.topics).get(topic) if module else None
    return f"{module.dir}/{file}" if file else None


def by_dir(name):
    """The Module whose directory is `name` ("module6"), or None."""
    return _BY_DIR.get(name)


def of_check(check_id):
    """The module number of a check id ("m6.unet.iou" → 6); ValueError for another prefix."""
    head = check_id.split(".", 1)[0]
    number = int(head[1:]) if head[:1] == "m" and head[1:].isdigit() else None
    if number not in _BY_NUMBER:
        raise ValueError(f"check id {check_id!r} must start with one of "
                         f"{', '.join(f'm{n}.' for n in NUMBERS)}")
    return number


def owner_of_file(name):
    """{file name: module number} for the learner's files (a loose upload's `unet.py`)."""
    return {f: m.number for m in MODULES for f in m.files}.get(name)


def affected_by(number):
    """The modules to re-grade when Module `number`'s code changes: itself and every module
    that needs it, directly or not."""
    hit = {number}
    grew = True
    while grew:
        more = {m.number for m in MODULES if hit & set(m.needs)} - hit
        hit |= more
        grew = bool(more)
    return hit


def dirs_text(joiner="or"):
    """"module5/ or module6/" (for messages)."""
    names = [f"{m.dir}/" for m in MODULES]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {joiner} {names[-1]}"


def add_module_option(parser, help="grade only this module (repeatable); default: every "
                      "module the target has"):
    """The `--module N` option every command shares, its choices from the registry."""
    parser.add_argument("--module", type=int, choices=NUMBERS, action="append", metavar="N",
                        help=f"{help}. One of {', '.join(map(str, NUMBERS))}. "
                             f"Example: --module {NUMBERS[0]}")
