"""The wire format between grader and worker carries plain data only."""
import json
import struct

import numpy as np
import pytest

from grader.codec import CodecError, Ref, decode, encode


def test_round_trip_of_plain_values():
    value = [None, True, 3, -2.5, float("inf"), "文字", (1, [2, {"k": (3,)}]),
             np.arange(6, dtype=np.float32).reshape(2, 3), np.float64(1.5), np.int64(-7),
             np.zeros((0, 4)), np.array(3.0), slice(1, None, 2), Ellipsis, Ref(4, "Conv2D", True)]
    back = decode(encode(value))
    assert back[:6] == value[:6] and back[6] == value[6]
    assert back[7].dtype == np.float32 and np.array_equal(back[7], value[7])
    assert type(back[8]) is np.float64 and back[8] == 1.5
    assert type(back[9]) is np.int64
    assert back[10].shape == (0, 4) and back[11].shape == ()
    assert back[12] == slice(1, None, 2) and back[13] is Ellipsis
    assert isinstance(back[14], Ref) and back[14].handle == 4 and back[14].is_method


def test_decoded_arrays_are_writable_copies():
    a = decode(encode(np.ones(3)))
    a[0] = 5.0
    assert a.flags.writeable and a.base is None


def test_subclasses_and_objects_are_not_plain():
    class Sneaky(np.ndarray):
        def __eq__(self, other):
            return True
    with pytest.raises(CodecError):
        encode(np.zeros(2).view(Sneaky))
    with pytest.raises(CodecError):
        encode(np.array([object()], dtype=object))
    with pytest.raises(CodecError):
        encode({1, 2})
    # With a handle table, such values become references instead.
    ref = Ref(1, "Sneaky")
    assert isinstance(decode(encode(np.zeros(2).view(Sneaky), lambda v: ref)), Ref)


def _message(header, buffers=b""):
    h = json.dumps(header).encode()
    return struct.pack(">I", len(h)) + h + buffers


@pytest.mark.parametrize("data", [
    b"\x00\x01",
    _message({"$nd": ["|O", [1], 0]}, b"\x00" * 8),          # object dtype
    _message({"$nd": ["<f8", [4], 0]}, b"\x00" * 8),         # truncated
    _message({"$nd": ["<f8", [1], 0]}, b"\x00" * 16),        # trailing bytes
    _message({"$nd": ["<f8", [-1], 0]}),                     # negative dimension
    _message({"$pickle": "..."}),                            # unknown tag
    _message({"$slice": ["a", None, None]}),                 # not an int
    _message({"$dict": [[[1], 2]]}),                         # unhashable key
    _message(json.loads("[" * 40 + "]" * 40)),               # too deep
])
def test_malformed_messages_are_rejected(data):
    with pytest.raises(CodecError):
        decode(data)
