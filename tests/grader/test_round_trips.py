"""Fewer round trips to the worker (issue 14, item 4): writes into the worker's arrays travel
with the next request, and many attributes are read or written in one request — with the
same results, in the same order, and a failure still reported for its own attribute. And
results the trusted side is done with are released (the bench's loop of runs)."""
import time

import numpy as np
import pytest

from grader import sandbox
from grader.errors import MissingAttribute, StudentError
from grader.proxy import RemoteMethod, Student
from grader.suites import toolkit

SOURCE = '''
import weakref

import numpy as np

made = []


def grow(n):
    made.append(weakref.ref(a := np.ones(n)))
    return a, [a * 2]


def alive():
    return sum(ref() is not None for ref in made)


class Layer:
    def __init__(self):
        self.W = 1.0
        self.b = 2.0

    def total(self):
        return self.W + self.b
'''


@pytest.fixture
def student(tmp_path):
    tree = tmp_path / "tree"
    (tree / "mod").mkdir(parents=True)
    (tree / "mod" / "code.py").write_text(SOURCE)
    stage = sandbox.Stage(tree)
    s = Student(str(tree), stage=stage, isolation=sandbox.detect("auto"),
                deadline=time.monotonic() + 30)
    yield s
    s.close()
    stage.cleanup()


def test_writes_into_an_array_travel_with_the_next_request(student):
    arr = student.keep(np.zeros(4))
    before = student.requests
    arr[1] = 5.0
    arr[2:] = [7.0, 8.0]
    assert student.requests == before                    # nothing sent yet
    assert student.fetch(arr).tolist() == [0.0, 5.0, 7.0, 8.0]   # applied first, in order
    assert student.requests == before + 1


def test_many_attributes_in_one_request_each_way(student):
    layers = [student.module("mod.code").Layer() for _ in range(3)]
    before = student.requests
    toolkit.write_attrs([(layer, "W", float(k)) for k, layer in enumerate(layers)])
    assert toolkit.read_attrs([(layer, name) for layer in layers for name in ("W", "b")]) == \
        [0.0, 2.0, 1.0, 2.0, 2.0, 2.0]
    assert student.requests == before + 2
    assert layers[2].total() == 4.0


def test_a_failing_read_is_reported_for_its_own_attribute(student):
    layer = student.module("mod.code").Layer()
    seen = []
    student.observer = lambda call, exc: seen.append((call.label, type(exc).__name__))
    with pytest.raises(MissingAttribute) as info:
        toolkit.read_attrs([(layer, "W"), (layer, "dW"), (layer, "b")])
    assert (info.value.owner, info.value.name) == ("Layer", "dW")
    assert seen == [("Layer.dW", "MissingAttribute")]


def test_the_worker_batches_only_writes_into_arrays(student):
    layer = student.module("mod.code").Layer()
    with pytest.raises(StudentError, match="writes into arrays"):
        student.request("batch", [["setattr", layer._ref, "W", 3.0], ["ping"]])
    assert layer.W == 1.0


def test_released_results_are_dropped_and_their_handles_never_reused(student):
    code = student.module("mod.code")
    grow = RemoteMethod(code, "grow")
    first, second = grow.keep(3), grow.keep(4)
    assert code.alive() == 2
    student.release(first)                        # a tuple holding an array and a list
    assert code.alive() == 1
    with pytest.raises(StudentError):             # a released handle is gone
        student.fetch(first[0])
    student.release(first, None, 7)               # twice, and non-handles: harmless
    third = grow.keep(5)
    assert third[0]._ref.handle not in {first[0]._ref.handle, first[1][0]._ref.handle}
    assert student.fetch(second[0]).tolist() == [1.0] * 4     # the others are untouched
    assert student.fetch(third[1][0]).tolist() == [2.0] * 5
    student.release(second, third)
    assert code.alive() == 0
