"""The HDF5 subset that Keras 3's ``model.weights.h5`` uses: groups, numeric datasets, string attributes.

Reading goes through `pyfive` (a pure-Python HDF5 reader, no compiled code, so it also
runs in Pyodide; shipped in dist/) and falls back to `h5py` under CPython when pyfive is
missing. Writing is done here: a minimal writer of what Keras needs (superblock version 0,
version-1 object headers, "new style" groups whose links live in the object header,
contiguous little-endian datasets, fixed-length string attributes). Files it writes are
read by h5py/libhdf5 (and so by Keras) and by pyfive; the tests check both.

A file is represented as a tree of `Group` objects (a dict of name -> Group or numpy
array, with an ``attrs`` dict).
"""

from __future__ import annotations

import io
import struct

import numpy as np

__all__ = ["Group", "read_h5", "write_h5", "HDF5Error"]

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_UNDEF = 0xFFFFFFFFFFFFFFFF


class HDF5Error(ValueError):
    """The bytes are not an HDF5 file this module can read, or a value it cannot write."""


class Group(dict):
    """An HDF5 group: children by name (Group or numpy array), and ``attrs``."""

    def __init__(self, *args, attrs: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.attrs = dict(attrs or {})

    def path(self, path: str):
        """The child at a slash-separated path, or None."""
        node = self
        for part in path.strip("/").split("/"):
            if not part:
                continue
            if not isinstance(node, Group) or part not in node:
                return None
            node = node[part]
        return node

    def require(self, path: str) -> "Group":
        """The group at `path`, created (with its parents) if missing."""
        node = self
        for part in path.strip("/").split("/"):
            if part:
                node = node.setdefault(part, Group())
        return node


# --------------------------------------------------------------------------- reading


def read_h5(data: bytes) -> Group:
    """Read an HDF5 file (bytes) into a `Group` tree."""
    if not data.startswith(_SIGNATURE):
        raise HDF5Error("not an HDF5 file (the HDF5 signature is missing)")
    try:
        import pyfive  # noqa: F401
    except ImportError:
        try:
            import h5py
        except ImportError:
            raise HDF5Error("reading HDF5 needs the pure-Python package `pyfive` (or h5py)") from None
        with h5py.File(io.BytesIO(data), "r") as f:
            return _walk(f, lambda o: isinstance(o, h5py.Group))
    from pyfive.high_level import Group as PyfiveGroup

    _patch_pyfive()
    try:
        f = pyfive.File(io.BytesIO(data))
        return _walk(f, lambda o: isinstance(o, PyfiveGroup))
    except HDF5Error:
        raise
    except Exception as error:  # pyfive raises assorted errors on damaged files
        raise HDF5Error(f"cannot read the HDF5 file: {type(error).__name__}: {error}") from error


def _patch_pyfive() -> None:
    """pyfive 0.4 reads contiguous data with `np.memmap`, which needs a real file; read the bytes instead.

    Only for files without a file descriptor (our in-memory bytes); others keep pyfive's path.
    """
    from pyfive import dataobjects

    original = getattr(dataobjects.DataObjects, "_get_contiguous_data", None)
    if original is None or getattr(original, "_pyapp_patched", False):
        return

    def _get_contiguous_data(self, property_offset):
        (offset,) = struct.unpack_from("<Q", self.msg_data, property_offset)
        if offset == _UNDEF or isinstance(self.dtype, tuple) or not isinstance(self.fh, io.BytesIO):
            return original(self, property_offset)
        dtype = np.dtype(self.dtype)
        count = int(np.prod(self.shape, dtype=np.int64))
        self.fh.seek(offset)
        raw = self.fh.read(count * dtype.itemsize)
        if len(raw) != count * dtype.itemsize:
            raise HDF5Error(f"the HDF5 file is truncated: a dataset needs {count * dtype.itemsize} bytes "
                            f"at offset {offset}, {len(raw)} are there")
        return np.frombuffer(raw, dtype=dtype).reshape(self.shape).copy()

    _get_contiguous_data._pyapp_patched = True
    dataobjects.DataObjects._get_contiguous_data = _get_contiguous_data


def _attr_value(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "SUO":
        return _attr_value(value[()])
    if isinstance(value, np.bytes_):
        return bytes(value).decode("utf-8")
    return value


def _walk(group, is_group) -> Group:
    out = Group(attrs={k: _attr_value(v) for k, v in group.attrs.items()})
    for name in group.keys():
        child = group[name]
        if is_group(child):
            out[name] = _walk(child, is_group)
        else:
            out[name] = np.asarray(child[()])
    return out


# --------------------------------------------------------------------------- writing


def _pad8(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 8)


def _message(kind: int, body: bytes, flags: int = 0) -> bytes:
    body = _pad8(body)
    return struct.pack("<HHB3x", kind, len(body), flags) + body


def _object_header(messages: list[bytes]) -> bytes:
    body = b"".join(messages)
    # version 1, reserved, message count, reference count, header size; padded to 8 bytes.
    return struct.pack("<BBHII4x", 1, 0, len(messages), 1, len(body)) + body


def _datatype(dtype: np.dtype) -> bytes:
    dtype = np.dtype(dtype)
    if dtype.byteorder == ">":
        raise HDF5Error(f"big-endian dtype {dtype} is not written; convert to little-endian first")
    if dtype.kind == "f":
        layouts = {2: (15, 10, 5, 0, 10, 15), 4: (31, 23, 8, 0, 23, 127), 8: (63, 52, 11, 0, 52, 1023)}
        if dtype.itemsize not in layouts:
            raise HDF5Error(f"cannot write floating-point dtype {dtype}")
        sign, exp_loc, exp_size, man_loc, man_size, bias = layouts[dtype.itemsize]
        bits = 0x20 | (sign << 8)  # little-endian, implied-MSB mantissa normalisation
        return struct.pack("<B3sI", 0x11, bits.to_bytes(3, "little"), dtype.itemsize) + struct.pack(
            "<HHBBBBI", 0, dtype.itemsize * 8, exp_loc, exp_size, man_loc, man_size, bias)
    if dtype.kind in "iu":
        bits = 0x08 if dtype.kind == "i" else 0
        return struct.pack("<B3sI", 0x10, bits.to_bytes(3, "little"), dtype.itemsize) + struct.pack(
            "<HH", 0, dtype.itemsize * 8)
    if dtype.kind == "b":
        return _datatype(np.dtype("u1"))
    raise HDF5Error(f"cannot write dtype {dtype} to HDF5")


def _string_type(size: int) -> bytes:
    # class 3 (string), version 1; null-terminated, UTF-8.
    return struct.pack("<B3sI", 0x13, bytes([0x10, 0, 0]), size)


def _dataspace(shape: tuple) -> bytes:
    return struct.pack("<BBB5x", 1, len(shape), 0) + b"".join(struct.pack("<Q", n) for n in shape)


def _attribute(name: str, value) -> bytes:
    if isinstance(value, str):
        raw = value.encode("utf-8") + b"\0"
        dtype_msg, space, payload = _string_type(len(raw)), _dataspace(()), raw
    else:
        array = np.asarray(value, order="C")  # (ascontiguousarray makes 0-d arrays 1-d)
        dtype_msg, space, payload = _datatype(array.dtype), _dataspace(array.shape), array.tobytes()
    name_bytes = name.encode("utf-8") + b"\0"
    head = struct.pack("<BBHHH", 1, 0, len(name_bytes), len(dtype_msg), len(space))
    return _message(12, head + _pad8(name_bytes) + _pad8(dtype_msg) + _pad8(space) + payload)


class _Writer:
    def __init__(self) -> None:
        self.out = bytearray(96)  # the superblock, written last

    def _append(self, data: bytes) -> int:
        self.out += b"\0" * (-len(self.out) % 8)
        address = len(self.out)
        self.out += data
        return address

    def dataset(self, array: np.ndarray) -> int:
        array = np.asarray(array)
        if array.dtype.kind == "f" and array.dtype.byteorder == ">":
            array = array.astype(array.dtype.newbyteorder("<"))
        raw = np.ascontiguousarray(array).tobytes()
        address = self._append(raw) if raw else _UNDEF
        messages = [
            _message(1, _dataspace(array.shape)),
            _message(3, _datatype(array.dtype), flags=1),  # constant
            _message(5, struct.pack("<BBBB", 2, 2, 2, 0)),  # fill value: late alloc, write if set, undefined
            _message(8, struct.pack("<BBQQ", 3, 1, address, len(raw))),  # contiguous layout
        ]
        return self._append(_object_header(messages))

    def group(self, group: Group) -> int:
        links = []
        for name, child in group.items():
            if not isinstance(name, str) or not name or "/" in name:
                raise HDF5Error(f"invalid HDF5 link name {name!r}")
            address = self.group(child) if isinstance(child, Group) else self.dataset(child)
            encoded = name.encode("utf-8")
            if len(encoded) > 255:
                raise HDF5Error(f"link name too long: {name!r}")
            # Link message v1: flags 0x10 = charset field present (UTF-8), 1-byte name length.
            links.append(_message(6, struct.pack("<BBBB", 1, 0x10, 1, len(encoded)) + encoded
                                  + struct.pack("<Q", address)))
        messages = [
            _message(2, struct.pack("<BBQQ", 0, 0, _UNDEF, _UNDEF)),  # link info: compact storage
            _message(10, struct.pack("<BB", 0, 0)),  # group info
            *links,
            *(_attribute(k, v) for k, v in group.attrs.items()),
        ]
        return self._append(_object_header(messages))

    def finish(self, root: int) -> bytes:
        self.out += b"\0" * (-len(self.out) % 8)
        superblock = _SIGNATURE + struct.pack(
            "<BBBBBBBBHHI", 0, 0, 0, 0, 0, 8, 8, 0, 4, 16, 0) + struct.pack(
            "<QQQQ", 0, _UNDEF, len(self.out), _UNDEF) + struct.pack("<QQII16x", 0, root, 0, 0)
        assert len(superblock) == 96
        self.out[:96] = superblock
        return bytes(self.out)


def write_h5(root: Group) -> bytes:
    """Write a `Group` tree as the bytes of an HDF5 file."""
    writer = _Writer()
    return writer.finish(writer.group(root))
