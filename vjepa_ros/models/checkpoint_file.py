"""Reading a checkpoint file: ``torch.load`` with one-line errors and the zip's CRC-32 checked.

Split from :mod:`vjepa_ros.models.checkpoint` (which re-exports :func:`read_checkpoint_file`
and :func:`check_file_checksums`): what a file is, before its entries are taken apart. Torch;
no ROS.
"""

import os
import pickle
import re
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import torch

from vjepa_ros.input_paths import CHECKPOINT_FORMAT
from vjepa_ros.models.checkpoint_peek import LEGACY_MAGIC_NUMBER, pickle_entry
from vjepa_ros.user_paths import expand_path

from .errors import CheckpointError, NotACheckpointError, UnreadableCheckpointError
from .file_problems import check_fetched, check_not_lfs_pointer, readable

# What to give instead of a file that is not a checkpoint (every command's message ends so; an
# encoder option's names an encoder's writers instead: errors.NotACheckpointError.giving).
CHECKPOINT_HINT = f"give {CHECKPOINT_FORMAT}"
ZIP_MAGIC = b"PK\x03\x04"  # torch.save writes a zip archive
SAFETENSORS_ALONE = ("a safetensors file of a Hugging Face snapshot: give the snapshot folder "
                     "that holds it and its config.json")
# torch's words (torch/_weights_only_unpickler.py) for a global its weights-only load refuses:
# a module it blocks (os, posix, nt, sys), a global not allowed by default (printed without
# ``builtins.``), and the tensor types whose modules must be imported first (NJTs, DTensors).
BLOCKED_GLOBAL = re.compile(r"unsupported GLOBAL (\S+) whose module (\S+) is blocked")
UNSUPPORTED_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+) was not an allowed global")
UNIMPORTED_GLOBAL = re.compile(r"(``.+``) must be imported to load ([^\n.]+)")
UNSUPPORTED_OPERAND = re.compile(r"Unsupported operand (\d+)")  # a pickle opcode it cannot read
# torch's words (caffe2/serialize/inline_container.cc) for a zip whose format version record is
# above what this torch reads: the file of a newer torch (breaker52d)
NEWER_FORMAT = re.compile(r"PyTorch file with version (\d+), but the maximum supported version "
                          r"for reading is (\d+)")
# torch.save's legacy (non-zip) format starts with its magic number pickled as LONG1 (10 bytes)
LEGACY_MAGIC = b"\x8a\x0a" + LEGACY_MAGIC_NUMBER.to_bytes(10, "little")
# what zipfile raises on damaged bytes: a bad record or offset (BadZipFile, OSError EINVAL on a
# seek, EOFError, ValueError, struct.error), an entry's "version needed" or compression it does
# not read (NotImplementedError), a damaged deflate stream (zlib.error), encryption (RuntimeError)
ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error,
              NotImplementedError, zlib.error, RuntimeError)
RESAVE = ("it was not run; re-save its state dicts (tensors only) with torch.save from a "
          "copy you trust")


def not_a_checkpoint(path, why: str) -> CheckpointError:
    """Return the one-line error for a file that is not a checkpoint at all.

    ``{path} is not a vjepa_ros checkpoint ({why}): give a file written by vjepa-ros train or
    Meta's V-JEPA 2-AC checkpoint (...)`` (:data:`CHECKPOINT_HINT`); ``why`` is short (an empty
    file, not a torch.save file, a bare tensor ...).
    """
    return NotACheckpointError.of(path, why, CHECKPOINT_FORMAT)


def read_checkpoint_file(path: str | os.PathLike, verify: bool = False):
    """``torch.load(path, weights_only=True)`` on CPU, with readable errors.

    Raises FileNotFoundError for a missing path and :class:`CheckpointError`
    (:func:`not_a_checkpoint`) for a file torch cannot read as a weights-only ``torch.save``
    file: empty, text, JSON, an .npz, random bytes, a truncated archive, pickled objects; for
    one a newer torch wrote (its zip's format version record above what this torch reads),
    saying to upgrade torch; for a Git LFS pointer in its place (``git lfs pull``) and a file
    this user may not read (``chmod``: ``file_problems``); for a path that is no regular file
    (a pipe, a device; ``/dev/null``: empty): :func:`check_regular`, never opened.
    ``verify``: also check the zip's CRC-32 of every entry (:func:`check_file_checksums`; reads
    the whole file, ~1 s per GB); the loaders verify, the cheap :func:`check_checkpoint` not.
    """
    path = expand_path(path, CheckpointError)  # ~ and $NAME (an unset one: refused naming it)
    with readable(path):  # a folder on the way, or the file, this user may not read
        return _read(path, verify)


def _read(path: Path, verify: bool):
    """:func:`read_checkpoint_file` of an expanded ``path``; PermissionError left to it."""
    check_fetched(path)  # a git-annex link to content not here: not "not found"
    if not path.exists():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    check_regular(path)
    if path.stat().st_size == 0:
        raise not_a_checkpoint(path, "an empty file")
    check_not_lfs_pointer(path, "download the file again")  # (and readable: before torch)
    if is_torchscript_archive(path):  # before torch.load, which warns and then tries jit.load
        raise not_a_checkpoint(path, "a TorchScript program written by torch.jit.save, not the "
                               "tensors of a torch.save file")
    try:
        with warnings.catch_warnings():  # a plain pickle: torch warns of its protocol, then fails
            warnings.filterwarnings("ignore", message=".*pickle protocol", category=UserWarning)
            loaded = torch.load(path, map_location="cpu", weights_only=True,
                                mmap=is_zip(path))
    except Exception as err:  # torch.load raises many kinds on files it cannot read
        newer = NEWER_FORMAT.search(str(err))
        if newer:  # a checkpoint, of a torch this one cannot read
            raise CheckpointError(
                f"{path} was written by a newer PyTorch: its file format version is "
                f"{newer.group(1)}, this torch {torch.__version__} reads up to {newer.group(2)}; "
                "upgrade torch, or re-save its state dicts with torch.save where it was "
                "written") from err
        raise not_a_checkpoint(path, _unreadable(path, err)) from err
    if verify:
        check_file_checksums(path)
    return loaded


# What a path that exists but is no regular file is, by its stat mode (os.stat follows links)
NOT_REGULAR = ((stat.S_ISFIFO, "a pipe (a FIFO, or a shell's <(...) as /dev/fd/N)"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
               (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def check_regular(path: Path) -> None:
    """Raise :class:`CheckpointError` unless ``path`` (it exists) is a regular file; not opened.

    ``/dev/null`` is an empty file (:func:`not_a_checkpoint`); a pipe, a FIFO, a device or a
    socket: one line saying what it is and to save it to a file first. A checkpoint is read more
    than once (the cheap check before a node starts, then the load; the zip's checksums, then
    its tensors, memory-mapped), and a pipe's bytes can be read once only; opening a FIFO no
    one writes to would wait for ever (breaker56d: these were "checkpoint not found").
    """
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return
    if os.path.samefile(path, os.devnull):
        raise not_a_checkpoint(path, f"an empty file: {os.devnull}")
    what = next((text for test, text in NOT_REGULAR if test(mode)), "no regular file")
    raise CheckpointError(f"{path} is {what}, not a regular file: a checkpoint is read more than "
                          "once (checked, then loaded) and a pipe's bytes only once; save it to "
                          f"a file first (e.g. cat ... > wm.pt) and give that file")


def is_torchscript_archive(path: Path) -> bool:
    """Whether ``path`` is a TorchScript zip (``torch.jit.save``): it holds ``constants.pkl``.

    The same test torch.load makes before it warns and hands such a file to ``torch.jit.load``
    (torch/serialization.py, ``_is_torchscript_zip``). A file that is no zip: False. Raises
    :class:`CheckpointError` (:func:`damaged`) for a zip (its first bytes and end record say
    so) that ``zipfile`` cannot list (any of :data:`ZIP_ERRORS`: a damaged offset or entry
    record), which torch.load might read or stop at with words naming no file (breaker57h).
    """
    if not is_zip(path):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.rsplit("/", 1)[-1] == "constants.pkl" for name in archive.namelist())
    except ZIP_ERRORS as err:
        with open(path, "rb") as file:
            if file.read(len(ZIP_MAGIC)) != ZIP_MAGIC:  # an end record by chance: not a zip
                return False
        raise damaged(path, f"its zip records do not read: {_words(err)}") from err


def damaged(path, where: str) -> CheckpointError:
    """Return the one-line error for a checkpoint whose bytes are damaged (``where``: how)."""
    return UnreadableCheckpointError(
        f"{path} is damaged: {where} (a disk or copy error): copy it again from its source, or "
        "give another checkpoint", f"{where}: a disk or copy error")


def _words(err: Exception) -> str:
    """Return ``err``'s message on one line, its type where it has none."""
    return " ".join(str(err).split()) or type(err).__name__


def check_file_checksums(path: Path) -> None:
    """Raise :class:`CheckpointError` when a ``torch.save`` zip's bytes fail their CRC-32.

    torch.load does not check the checksums the zip stores per entry, so a bit flipped on a
    disk or in a copy loads other weights without a word (breaker31); ``zipfile`` reads every
    entry and compares. Entries stored with CRC 0 are not checked: torch writes 0 when saved
    under ``torch.serialization.set_crc32_options(False)`` (breaker31b). Files that are not
    zips (the legacy format) carry no checksum.
    """
    if not is_zip(path):
        return
    name = ""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.CRC == 0 and info.file_size:  # saved without checksums
                    continue
                name = info.filename
                with archive.open(info) as entry:  # zipfile compares the CRC at the end
                    while entry.read(1 << 24):
                        pass
    except ZIP_ERRORS as err:
        where = f"the bytes of its entry {name} do not match their stored checksum" if \
            "CRC" in str(err) else _words(err)
        raise damaged(path, where) from err


def _unreadable(path: Path, err: Exception) -> str:
    """Say in a few words why torch.load could not read ``path`` (``err``: its exception)."""
    refused = refused_global(str(err)) if isinstance(err, pickle.UnpicklingError) else None
    if refused:
        return refused
    operand = (UNSUPPORTED_OPERAND.search(str(err))
               if isinstance(err, pickle.UnpicklingError) else None)
    protocol = _pickle_protocol(path) if operand else None
    if protocol:
        return (f"saved by torch.save with pickle_protocol={protocol}, which a weights-only load "
                "cannot read; from a copy you trust, re-save it with the default protocol: "
                f"torch.save(torch.load(FILE, weights_only=False), NEW_FILE)")
    if Path(path).suffix.lower() == ".safetensors":
        return SAFETENSORS_ALONE
    with open(path, "rb") as file:
        magic = file.read(len(ZIP_MAGIC))
    names = _zip_names(path)
    if names is not None and pickle_entry(names) is None:
        return "a zip archive torch.save did not write, e.g. an .npz"
    if magic == ZIP_MAGIC or names is not None:  # torch's zip reader stopped at its records
        return "a truncated or damaged torch.save file"
    return "not a torch.save file"


def is_zip(path: Path) -> bool:
    """``zipfile.is_zipfile``, True also where the end record it found raises (a damaged zip)."""
    try:
        return zipfile.is_zipfile(path)
    except ZIP_ERRORS:  # e.g. BadZipFile: "zipfiles that span multiple disks ..."
        return True


def _zip_names(path: Path) -> list[str] | None:
    """Return the entry names of the zip ``path``; None where it is none or does not list."""
    if not is_zip(path):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.namelist()
    except ZIP_ERRORS:
        return None


def _pickle_protocol(path: Path) -> int | None:
    """Return the pickle protocol torch.save wrote ``path`` with; None: no pickle's PROTO there.

    torch.save's default is protocol 2; ``torch.save(..., pickle_protocol=4)`` (or 5) writes
    opcodes (FRAME, 149) that ``torch/_weights_only_unpickler.py`` refuses ("Unsupported
    operand": breaker49f). Read from the pickle's PROTO opcode (0x80, then the protocol): the
    zip's ``data.pkl``, or the legacy file's first bytes. Text or random bytes that torch's
    unpickler also stops at as an "operand" have none: None.
    """
    head, legacy = b"", False
    try:
        if is_zip(path):
            with zipfile.ZipFile(path) as archive:
                name = pickle_entry(archive.namelist())
                head = archive.open(name).read(2) if name else b""
        else:  # torch.save's legacy format pickles its magic number first; a plain pickle not
            with open(path, "rb") as file:
                head = file.read(32)
            legacy = LEGACY_MAGIC in head
    except ZIP_ERRORS:
        return None
    if len(head) < 2 or head[0] != 0x80 or head[1] <= 2 or not (legacy or len(head) == 2):
        return None
    return head[1]


def refused_global(message: str) -> str | None:
    """Say what a pickled global torch's weights-only load refused asks for; None if none.

    ``message``: torch.load's UnpicklingError text. Every wording of
    ``torch/_weights_only_unpickler.py`` for a refused GLOBAL: a blocked module's
    (``posix.system``: code that would run), one not allowed by default (a class or function
    whose module would be imported and run), and NJT or DTensor types that need a module
    imported. The answer says that nothing of it was run, and what to do (:data:`RESAVE`).
    """
    found = BLOCKED_GLOBAL.search(message)
    if found:
        return (f"it asks to run {found.group(1)}: code of module {found.group(2)}, which a "
                f"weights-only load blocks; {RESAVE}")
    found = UNSUPPORTED_GLOBAL.search(message)
    if found:
        name = found.group(1) if "." in found.group(1) else f"builtins.{found.group(1)}"
        return (f"it holds a pickled {name}, not only tensors: loading it would import and run "
                f"code of module {name.rsplit('.', 1)[0]}, which a weights-only load refuses; "
                f"{RESAVE}")
    found = UNIMPORTED_GLOBAL.search(message)
    if found:
        modules = found.group(1).replace("``", "")
        return (f"it holds {found.group(2).strip()}, not plain tensors: loading them would "
                f"import {modules}, which a weights-only load refuses; {RESAVE}")
    return None
