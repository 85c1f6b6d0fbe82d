"""save/load: state dicts and other nested data in the safetensors format. Loading never unpickles.

File layout (plain safetensors, readable by safetensors.torch.load_file and friends):
- A flat dict of tensors with string keys (a module's state_dict) is stored under exactly its keys.
- In anything else each tensor is stored under its path of keys and positions joined by "/",
  e.g. optimizer state {'state': {0: {'exp_avg': t}}} -> "state/0/exp_avg" (in a key, "~" is
  written "~0" and "/" "~1", as in a JSON Pointer; a tensor saved on its own is "tensor").
- The safetensors metadata holds one key, "chainrule": a JSON object with
      format_version, chainrule_version,
      sha256     - over every tensor, in sorted key order: its key, dtype and shape as JSON, then its bytes;
                   then (format 2 on) the structure below as canonical JSON, so a changed number is caught too
      structure  - the object with each tensor replaced by {"tensor": key}; dicts are
                   {"dict": [[key, value], ...]} (or "OrderedDict"), lists {"list": [...]},
                   tuples {"tuple": [...]}, NumPy arrays {"ndarray": key}, NumPy scalars
                   {"numpy_scalar": key}; str, int, float, bool and None are themselves.
  So dict keys keep their type (0 stays an int) and tuples stay tuples.
A safetensors file without that key (e.g. written by PyTorch) loads as a flat dict of tensors.
"""
import collections
import contextlib
import errno
import hashlib
import io
import json
import os
import re
import secrets

import numpy as np
import safetensors
import safetensors.numpy

from .args import check_device as _check_device
from .device import place, to_host
from .tensor import Tensor, _wrap

FORMAT_VERSION = 2  # 2: the checksum covers the structure (numbers, lists, names) as well as the tensors
METADATA_KEY = "chainrule"
_SCALARS = (str, int, float, bool, type(None))


def save(obj, f):
    """Write `obj` (tensors, numbers, strings, None, and dicts/lists/tuples of them) to `f`: a path, or a
    binary file object open for writing (open(path, 'wb'), io.BytesIO), as torch.save takes.

    To a path the write is atomic: the bytes go to a temporary file in the same folder (.NAME.<16 hex>.tmp), are
    fsynced, then replace `f`; if anything fails the previous file at `f` is left as it was. A successful save
    also removes the temporaries that earlier saves of `f` left behind when they were killed mid-write.
    To a file object the bytes are written at its current position, in one write call.
    A whole nn.Module is refused (saving it would need pickle): save model.state_dict() instead.
    """
    if _is_writable_file(f):
        if isinstance(f, io.TextIOBase):
            raise TypeError("save: the file is open in text mode; open it in binary mode: open(path, 'wb')")
        f.write(_serialize(obj))
        return
    path = _path(f, "save")
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "save: the path is a folder; give a file path", path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, "save: the folder to save into does not exist", folder)
    _write_atomically(path, _serialize(obj))


def _serialize(obj):
    """The safetensors bytes for obj."""
    arrays, structure = _flatten(obj)
    header = {
        "format_version": FORMAT_VERSION,
        "chainrule_version": _chainrule_version(),
        "sha256": _checksum(arrays, structure),
        "structure": structure,
    }
    return safetensors.numpy.save(arrays, metadata={METADATA_KEY: json.dumps(header)})


def load(f, map_location=None, *, weights_only=True, mmap=None):
    """Read what save wrote (the same nested object, with chainrule tensors of the saved dtypes), or
    any safetensors file as a flat dict of tensors, from a path or a binary file object open for
    reading (read from its current position to its end). map_location: the device the tensors go to
    (default: the default device; they are read on the host, then moved); weights_only and mmap are accepted for PyTorch code: loading is always safe and in memory.
    """
    if map_location is not None and not isinstance(map_location, str) and type(map_location).__name__ != "device":
        raise TypeError(f"load: map_location must be None or a device such as 'cpu', got {type(map_location).__name__}")
    device = _check_device(map_location)  # tensors are read on the host, then moved there (None: the default)
    if _is_readable_file(f):
        name = getattr(f, "name", None)
        path = repr(name) if isinstance(name, str) else f"the {type(f).__name__}"
        if isinstance(f, io.TextIOBase):
            raise TypeError(f"load: {path} is open in text mode; open it in binary mode: open(path, 'rb')")
        data = f.read()
        arrays, metadata = _read_bytes(data, path)
    else:
        path = _path(f, "load")
        if os.path.isdir(path):
            raise IsADirectoryError(errno.EISDIR, "load: the path is a folder, not a saved file", path)
        if not os.path.exists(path):
            raise FileNotFoundError(errno.ENOENT, "load: no such file", path)
        arrays, metadata = _read(path)
    if METADATA_KEY not in metadata:
        return {name: _wrap(place(array, device)) for name, array in arrays.items()}
    header = _parse_header(metadata[METADATA_KEY], path)
    covered = header["structure"] if header["format_version"] >= 2 else None
    if header["sha256"] != _checksum(arrays, covered):
        raise ValueError(f"load: {path} is corrupted: its contents do not match the checksum saved with it")
    used = set()
    try:
        obj = _build(header["structure"], arrays, used, device)
    except (KeyError, TypeError, ValueError, IndexError, RecursionError) as err:
        raise ValueError(f"load: {path} has chainrule metadata that does not describe its tensors ({err!r})") from None
    if used != set(arrays):
        raise ValueError(f"load: {path} holds tensors its chainrule metadata does not mention: {sorted(set(arrays) - used)}")
    return obj


# ---- saving: the object -> named arrays + a JSON structure ---------------------------------
def _flatten(obj):
    arrays = {}
    if _is_flat_state_dict(obj):
        for key, t in obj.items():
            arrays[key] = np.asarray(to_host(t._data), order="C")  # saved from the host
        kind = "OrderedDict" if isinstance(obj, collections.OrderedDict) else "dict"
        return arrays, {kind: [[key, {"tensor": key}] for key in obj]}
    return arrays, _encode(obj, (), arrays, set())


def _is_flat_state_dict(obj):
    return (
        type(obj) in (dict, collections.OrderedDict)
        and all(isinstance(key, str) for key in obj)
        and all(isinstance(value, Tensor) for value in obj.values())
    )


def _encode(obj, path, arrays, open_containers):
    if isinstance(obj, Tensor):
        return {"tensor": _store(to_host(obj._data), path, arrays)}
    if isinstance(obj, np.ndarray):
        return {"ndarray": _store(obj, path, arrays)}
    if isinstance(obj, np.generic):
        return {"numpy_scalar": _store(np.asarray(obj), path, arrays)}
    if isinstance(obj, _SCALARS):
        return obj
    if callable(getattr(obj, "state_dict", None)):  # a Module, an optimizer, a GradScaler...
        holder = "model" if callable(getattr(obj, "forward", None)) else "optimizer" if hasattr(obj, "param_groups") \
            else "obj"
        raise TypeError(
            f"save: can't store a whole {type(obj).__name__} (at {'/'.join(map(str, path)) or 'the top'}): that "
            f"would need pickle, which chainrule never uses. Save its state instead, cr.save({holder}.state_dict(), "
            f"f), and load it into a newly built one with {holder}.load_state_dict(cr.load(f))"
        )
    if not isinstance(obj, (dict, list, tuple)):
        raise TypeError(
            f"save: can't store a {type(obj).__name__} (at {'/'.join(map(str, path)) or 'the top'}); "
            "save holds tensors, arrays, numbers, strings, None and dicts/lists/tuples of them"
        )
    if id(obj) in open_containers:
        raise ValueError("save: the object contains itself; only trees of dicts/lists/tuples can be saved")
    open_containers.add(id(obj))
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, _SCALARS):
                raise TypeError(f"save: dict keys must be str, int, float, bool or None, got {type(key).__name__} {key!r}")
        kind = "OrderedDict" if isinstance(obj, collections.OrderedDict) else "dict"
        encoded = {kind: [[key, _encode(value, path + (key,), arrays, open_containers)] for key, value in obj.items()]}
    else:
        kind = "tuple" if isinstance(obj, tuple) else "list"
        encoded = {kind: [_encode(value, path + (i,), arrays, open_containers) for i, value in enumerate(obj)]}
    open_containers.discard(id(obj))
    return encoded


def _store(array, path, arrays):
    """Keep `array` under the name of its path; return that name."""
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in path]
    base = "/".join(parts) if parts else "tensor"
    name, copy_number = base, 1
    while name in arrays:  # e.g. keys 0 and "0" in one dict; "~2" can't come from the escaping
        copy_number += 1
        name = f"{base}~{copy_number}"
    arrays[name] = np.asarray(array, order="C")
    return name


def _checksum(arrays, structure=None):
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.asarray(arrays[name], order="C")
        digest.update(json.dumps([name, array.dtype.str, list(array.shape)]).encode())
        digest.update(array.reshape(-1).view(np.uint8))
    if structure is not None:
        digest.update(json.dumps(structure, sort_keys=True).encode())
    return digest.hexdigest()


def _write_atomically(path, payload):
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(8)}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)
    _remove_stale_temporaries(folder, os.path.basename(path))


def _remove_stale_temporaries(folder, name):
    """Delete what earlier saves of `name` left behind when killed mid-write: the hidden .NAME.<16 hex>.tmp files
    next to it (only that pattern; other files and other targets' temporaries are left alone)."""
    pattern = re.compile(re.escape(f".{name}.") + r"[0-9a-f]{16}\.tmp")
    try:
        with os.scandir(folder) as entries:
            stale = [entry.path for entry in entries
                     if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)]
    except OSError:
        return
    for temporary in stale:
        with contextlib.suppress(OSError):  # gone already, or not ours to delete
            os.unlink(temporary)


def _fsync_folder(folder):
    # makes the rename itself durable; POSIX only (Windows can't open a folder this way)
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):  # some file systems refuse; the file itself is already safe
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _chainrule_version():
    from . import __version__

    return __version__


# ---- loading: named arrays + JSON structure -> the object ----------------------------------
def _read(path):
    try:
        with safetensors.safe_open(path, framework="np") as f:
            metadata = f.metadata() or {}
            arrays = {name: np.array(f.get_tensor(name)) for name in f.keys()}
    except (safetensors.SafetensorError, TypeError) as err:
        raise _unreadable(path, err) from None
    return arrays, metadata


def _read_bytes(data, path):
    """(arrays, metadata) from a whole safetensors file held in memory."""
    try:
        arrays = {name: np.array(array) for name, array in safetensors.numpy.load(bytes(data)).items()}
        # safetensors checked the layout: 8 bytes of header length, then the JSON header
        header = json.loads(bytes(data[8:8 + int.from_bytes(data[:8], "little")]))
        metadata = header.get("__metadata__") or {}
    except (safetensors.SafetensorError, TypeError) as err:
        raise _unreadable(path, err) from None
    return arrays, metadata


def _unreadable(path, err):
    """The ValueError for a file safetensors could not read (err: its SafetensorError, or NumPy's TypeError)."""
    if isinstance(err, safetensors.SafetensorError):
        return ValueError(
            f"load: {path} is not a valid safetensors file ({err}); it may be truncated or corrupted, or another "
            "format (chainrule never unpickles: load reads only safetensors files)"
        )
    # a TypeError: e.g. bfloat16, which NumPy has no dtype for
    return ValueError(f"load: {path} holds a tensor of a dtype NumPy lacks ({err}); save it as float32")


def _parse_header(text, path):
    try:
        header = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"load: {path} has chainrule metadata that is not valid JSON; the file is corrupted") from None
    if not isinstance(header, dict) or not {"format_version", "sha256", "structure"} <= set(header):
        raise ValueError(f"load: {path} has chainrule metadata without format_version, sha256 and structure")
    version = header["format_version"]
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"load: {path} has an invalid chainrule format_version {version!r}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"load: {path} was written in chainrule file format {version} (by chainrule "
            f"{header.get('chainrule_version')}); this chainrule reads up to format {FORMAT_VERSION}: upgrade chainrule"
        )
    return header


def _build(node, arrays, used, device=None):
    if isinstance(node, _SCALARS):
        return node
    if isinstance(node, list) or len(node) != 1:
        raise ValueError(f"unexpected structure node {node!r}")
    (kind, value), = node.items()
    if kind in ("tensor", "ndarray", "numpy_scalar"):
        array = arrays[value]
        used.add(value)
        return _wrap(place(array, device)) if kind == "tensor" else array if kind == "ndarray" else array[()]
    if kind in ("dict", "OrderedDict"):
        mapping = collections.OrderedDict() if kind == "OrderedDict" else {}
        for key, item in value:
            mapping[key] = _build(item, arrays, used, device)
        return mapping
    if kind in ("list", "tuple"):
        items = [_build(item, arrays, used, device) for item in value]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"unknown structure kind {kind!r}")


def _is_writable_file(f):
    return not isinstance(f, (str, os.PathLike)) and callable(getattr(f, "write", None))


def _is_readable_file(f):
    return not isinstance(f, (str, os.PathLike)) and callable(getattr(f, "read", None))


def _path(f, function):
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    mode = "writing ('wb')" if function == "save" else "reading ('rb')"
    raise TypeError(f"{function}: expected a file path (str or pathlib.Path) or a binary file object open for "
                    f"{mode}, got {type(f).__name__}")
