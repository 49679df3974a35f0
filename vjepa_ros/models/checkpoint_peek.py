"""A torch.save file's ``config`` entry read without torch, for choices made before it loads.

``vjepa-ros launch`` sizes its simulator by the frames the planner's model was trained on
(``launch_inputs.size_sim_for_model``) before any node checks its parameters, and a refused
``-p`` must come before torch loads (seconds). ``torch.save`` writes its objects as one pickle:
in a zip (``<archive>/data.pkl``, each tensor's bytes in a file of its own) or, in its legacy
format (``_use_new_zipfile_serialization=False``), as the fourth of the pickles at the start
of the file (its magic number, protocol version and system info first). Tensors are named by
``persistent_id`` and rebuilt through ``torch._utils`` functions. Here that pickle is read with
nothing imported or run: every persistent id is None, every global an inert placeholder
(:class:`Placeholder`) but a few builtins that are data (``set``, ``frozenset``, ``bytes``,
``bytearray``, ``collections.OrderedDict``, and ``_codecs.encode`` as protocol 2 writes bytes),
so the plain Python values (``config``: dicts, lists, numbers, strings) come back as written
whatever the other entries hold. No torch, no ROS.
"""

from __future__ import annotations

import collections
import io
import pickle
import zipfile
from pathlib import Path

MAX_PICKLE_BYTES = 64 * 2**20  # a world model's data.pkl is kB: larger is no file of ours
# torch.save's legacy format: its first two pickles (torch/serialization.py, _legacy_save)
LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001


def _latin1_bytes(text="", encoding=None, *rest):
    """``_codecs.encode`` as pickle protocol 2 writes bytes: ``(str, 'latin1')``; else inert."""
    if isinstance(text, str) and encoding in ("latin1", "latin-1") and not rest:
        return text.encode("latin1")
    return Placeholder()


class Placeholder:
    """An unpickled global that is not read here: called, built or filled, it stays inert.

    Stands for a class or function of any module (torch's tensors and storages, a lab's own
    objects): nothing of that module is imported or run, its arguments are dropped.
    """

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return Placeholder()

    def __setstate__(self, state):  # BUILD
        pass

    def __setitem__(self, key, value):  # SETITEM(S)
        pass

    def append(self, value):  # APPEND(S)
        pass

    def extend(self, values):
        pass

    def add(self, value):  # ADDITEMS
        pass


# the globals read as themselves: values, never code that runs on a file's say
DATA = {("collections", "OrderedDict"): collections.OrderedDict,
        ("builtins", "set"): set, ("builtins", "frozenset"): frozenset,
        ("builtins", "bytes"): bytes, ("builtins", "bytearray"): bytearray,
        ("__builtin__", "set"): set, ("__builtin__", "frozenset"): frozenset,
        ("_codecs", "encode"): _latin1_bytes}


class _ConfigUnpickler(pickle.Unpickler):
    """Unpickle a torch.save pickle: globals as placeholders, persistent ids None."""

    def find_class(self, module: str, name: str):
        return DATA.get((module, name), Placeholder)

    def persistent_load(self, pid):
        return None


class _Capped(io.RawIOBase):
    """A read-only view of ``file`` that ends after ``limit`` bytes (a pickle's claimed size)."""

    def __init__(self, file, limit: int):
        self.file, self.left = file, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            return 0
        data = self.file.read(min(len(buffer), self.left))
        buffer[:len(data)] = data
        self.left -= len(data)
        return len(data)


def peek_config(path: str | Path) -> dict | None:
    """Return the ``config`` entry of the ``torch.save`` file at ``path``, or None.

    A zip (``data.pkl``) or the legacy format. None where the file has none (the official
    checkpoints' ``config`` is there, a bare state dict has none) or cannot be read so: not a
    torch.save file, no ``data.pkl``, a damaged zip (any error of ``zipfile``: a bad offset,
    an entry's "version needed", a compression it cannot read) or pickle, one nested past the
    recursion limit. Never raises for the file's content: the loader
    (``checkpoint_file.read_checkpoint_file``) says what is wrong with a file, when the model
    loads. ``OSError`` for a file that cannot be opened.
    """
    config = peek_entry(path, "config")
    return config if isinstance(config, dict) else None


def peek_entry(path: str | Path, key: str):
    """Return the top-level entry ``key`` of the ``torch.save`` file at ``path``, or None.

    As :func:`peek_config` reads it (plain Python values as written, tensors as None): None where
    the file holds no such entry or cannot be read so; ``OSError`` for a file that cannot be
    opened. E.g. the ``step`` a ``vjepa-ros train`` world_model.pt was exported at.
    """
    with open(path, "rb") as file:
        try:
            loaded = _load(file)
        except Exception:  # zipfile and pickle raise many kinds on bad bytes
            return None
    return loaded.get(key) if isinstance(loaded, dict) else None


def pickle_entry(names) -> str | None:
    """Return the zip entry torch.save pickled its object into, None where there is none.

    ``names``: the zip's entry names (``ZipFile.namelist()``, in the zip's order). As torch's
    reader (``caffe2/serialize/inline_container.cc``) finds it: ``<archive>/data.pkl``, where
    ``<archive>`` is the folder of the zip's first entry; never a ``data.pkl`` at the top (torch:
    "file in archive is not in a subdirectory"), in a deeper or another folder, nor another name
    ending so (``archive/xdata.pkl``).
    """
    names = list(names)
    folder, slash, _ = names[0].partition("/") if names else ("", "", "")
    wanted = f"{folder}/data.pkl"
    return wanted if slash and wanted in names else None


def _load(file):
    """Return the object ``torch.save`` pickled into the open ``file``; None if none."""
    if not zipfile.is_zipfile(file):
        file.seek(0)
        capped = io.BufferedReader(_Capped(file, MAX_PICKLE_BYTES))
        for expected in (LEGACY_MAGIC_NUMBER, LEGACY_PROTOCOL_VERSION):
            if _ConfigUnpickler(capped).load() != expected:
                return None
        _ConfigUnpickler(capped).load()  # sys_info: byte order, type sizes
        return _ConfigUnpickler(capped).load()
    with zipfile.ZipFile(file) as archive:
        name = pickle_entry(archive.namelist())
        if name is None or archive.getinfo(name).file_size > MAX_PICKLE_BYTES:
            return None
        with archive.open(name) as entry:
            return _ConfigUnpickler(io.BufferedReader(_Capped(entry, MAX_PICKLE_BYTES))).load()
