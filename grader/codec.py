"""A safe wire format between the trusted grader and a worker running student code.

Never pickle: unpickling bytes a student's process wrote would let the student run code in
the grader. This format carries only plain data, so decoding it can build nothing else:
None, bool, int, float, str, list, tuple, dict, slices, Ellipsis, numpy arrays and scalars of the numeric kinds
(bool, int, uint, float, complex) and references to objects that stay in the worker.

Layout: 4-byte big-endian header length, a JSON header, then the raw array buffers the
header points into.
"""
import json
import struct

import numpy as np

NUMERIC_KINDS = "biufc"
MAX_DEPTH = 32


class CodecError(ValueError):
    """The bytes are not a valid message (corrupt, or not made by this codec)."""


class Ref:
    """An object that stays in the worker, named by its handle number."""

    __slots__ = ("handle", "type_name", "is_method")

    def __init__(self, handle, type_name, is_method=False):
        self.handle, self.type_name, self.is_method = handle, type_name, is_method

    def __repr__(self):
        return f"<remote {self.type_name} #{self.handle}>"


def encode(value, to_ref=None):
    """Encode `value`; `to_ref(obj) -> Ref` turns anything that is not plain data into a
    reference (the worker's handle table). Without it such a value is an error."""
    buffers = []

    def enc(v, depth):
        if depth > MAX_DEPTH:
            raise CodecError("value nested too deeply")
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)) and type(v) in (int, float):
            return v
        if isinstance(v, np.ndarray) and type(v) is np.ndarray and v.dtype.kind in NUMERIC_KINDS:
            buffers.append(np.ascontiguousarray(v).tobytes())
            return {"$nd": [v.dtype.str, list(v.shape), len(buffers) - 1]}
        if isinstance(v, np.generic) and v.dtype.kind in NUMERIC_KINDS:
            buffers.append(np.asarray(v).tobytes())
            return {"$np": [v.dtype.str, len(buffers) - 1]}
        if type(v) is list:
            return [enc(x, depth + 1) for x in v]
        if type(v) is tuple:
            return {"$tuple": [enc(x, depth + 1) for x in v]}
        if type(v) is dict:
            return {"$dict": [[enc(k, depth + 1), enc(x, depth + 1)] for k, x in v.items()]}
        if isinstance(v, Ref):
            return {"$ref": [v.handle, v.type_name, v.is_method]}
        if v is Ellipsis:
            return {"$ellipsis": 0}
        if type(v) is slice:
            return {"$slice": [enc(v.start, depth + 1), enc(v.stop, depth + 1),
                               enc(v.step, depth + 1)]}
        if to_ref is None:
            raise CodecError(f"cannot send a {type(v).__name__}")
        return enc(to_ref(v), depth)

    header = json.dumps(enc(value, 0), allow_nan=True).encode()
    return b"".join([struct.pack(">I", len(header)), header, *buffers])


def decode(data):
    """Decode bytes made by `encode`. Every node is checked against the format (its tag, the
    types and count of its fields, each array's dtype, shape and size); anything else, however
    it fails, is a CodecError: the bytes may come from a hostile process."""
    try:
        return _decode(data)
    except CodecError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError,
            MemoryError, struct.error) as exc:
        raise CodecError(f"bad message: {type(exc).__name__}") from None


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def _decode(data):
    data = bytes(data)
    if len(data) < 4:
        raise CodecError("message too short")
    (n,) = struct.unpack(">I", data[:4])
    if 4 + n > len(data):
        raise CodecError("header truncated")
    try:
        tree = json.loads(data[4:4 + n])
    except ValueError as exc:
        raise CodecError(f"bad header: {exc}") from None
    # Buffers follow the header in order; their sizes come from dtype and shape.
    offset = [4 + n]
    taken = [0]

    def take(index, nbytes):
        if not _is_int(index) or index != taken[0]:
            raise CodecError("buffers out of order")
        start = offset[0]
        if nbytes < 0 or start + nbytes > len(data):
            raise CodecError("message truncated")
        offset[0] += nbytes
        taken[0] += 1
        return data[start:start + nbytes]

    def dtype_of(s):
        if not isinstance(s, str):
            raise CodecError("bad dtype")
        try:
            dt = np.dtype(s)
        except TypeError:
            raise CodecError(f"bad dtype {s!r}") from None
        if dt.kind not in NUMERIC_KINDS or dt.hasobject or dt.fields is not None \
                or dt.subdtype is not None:
            raise CodecError(f"dtype {s!r} is not numeric")
        return dt

    def fields(body, count):
        if not isinstance(body, list) or len(body) != count:
            raise CodecError("bad node")
        return body

    def dec(t, depth):
        if depth > MAX_DEPTH:
            raise CodecError("value nested too deeply")
        if isinstance(t, list):
            return [dec(x, depth + 1) for x in t]
        if t is None or isinstance(t, (bool, int, float, str)):
            return t
        if not isinstance(t, dict) or len(t) != 1:
            raise CodecError("bad node")
        (tag, body), = t.items()
        if tag == "$nd":
            dts, shape, index = fields(body, 3)
            dt = dtype_of(dts)
            if not isinstance(shape, list) or len(shape) > 32 \
                    or not all(_is_int(d) and d >= 0 for d in shape):
                raise CodecError("bad shape")
            count = 1
            for d in shape:
                count *= d
            raw = take(index, count * dt.itemsize)
            return np.frombuffer(raw, dtype=dt).reshape(tuple(shape)).copy()
        if tag == "$np":
            dts, index = fields(body, 2)
            dt = dtype_of(dts)
            return np.frombuffer(take(index, dt.itemsize), dtype=dt)[0]
        if tag == "$tuple":
            if not isinstance(body, list):
                raise CodecError("bad tuple")
            return tuple(dec(x, depth + 1) for x in body)
        if tag == "$dict":
            if not isinstance(body, list):
                raise CodecError("bad dict")
            out = {}
            for pair in body:
                k, v = fields(pair, 2)
                out[_hashable(dec(k, depth + 1))] = dec(v, depth + 1)
            return out
        if tag == "$ellipsis":
            return Ellipsis
        if tag == "$slice":
            parts = [dec(x, depth + 1) for x in fields(body, 3)]
            if not all(p is None or _is_int(p) for p in parts):
                raise CodecError("bad slice")
            return slice(*parts)
        if tag == "$ref":
            handle, type_name, is_method = fields(body, 3)
            if not _is_int(handle) or handle < 0 or not isinstance(type_name, str) \
                    or not isinstance(is_method, bool):
                raise CodecError("bad reference")
            return Ref(handle, type_name, is_method)
        raise CodecError(f"unknown tag {str(tag)[:40]!r}")

    value = dec(tree, 0)
    if offset[0] != len(data):
        raise CodecError("trailing bytes")
    return value


def _hashable(key):
    if key is None or isinstance(key, (bool, int, float, str)):
        return key
    if isinstance(key, tuple):
        return tuple(_hashable(k) for k in key)
    raise CodecError("unhashable dict key")
