"""What a weights file may be instead of the weights: unreadable by this user, a Git LFS pointer.

One rule for every file the loaders read (a ``torch.save`` checkpoint:
``checkpoint_file.read_checkpoint_file``; a Hugging Face snapshot's ``config.json`` and
``model.safetensors``: ``hf.read_hf_directory``), each a one-line :class:`CheckpointError`
naming the file and what to do (breaker54d):

- a file or folder this user may not read: ``path_advice.unreadable``'s words, the ``chmod``
  that ``vjepa-ros demo`` advises too (:func:`readable`), not a bare PermissionError nor a
  library's own error (each file is opened before a library reads it:
  :func:`check_not_lfs_pointer`);
- a folder that is no Hugging Face snapshot: what one holds, and the checkpoint files in it
  (:func:`folder_advice`);
- a Git LFS pointer (a ``git clone`` of a model repository without git-lfs leaves a ~130-byte
  text file whose first line is ``version https://git-lfs.github.com/spec/v1`` in place of
  each weights file): ``git lfs pull``, or the download again (:func:`check_not_lfs_pointer`).
"""

import contextlib
import os
from pathlib import Path

from vjepa_ros.input_paths import (
    ANNEX_PLACEHOLDER,
    ANNEX_POINTER_START,
    annex_get,
    missing,
    run_model_file,
)
from vjepa_ros.name_lists import first_names
from vjepa_ros.path_advice import blocked_folder, unreadable

from .errors import CheckpointError

LFS_POINTER_START = b"version https://git-lfs"  # the first line of every Git LFS pointer file
LFS_POINTER_MAX = 1024  # pointer files are ~130 bytes; git-lfs reads no larger file as one


@contextlib.contextmanager
def readable(path: str | os.PathLike):
    """Turn a PermissionError inside the block into :class:`CheckpointError` (``chmod`` advice).

    ``path``: the file or folder read (named when the error names no file). The line:
    ``FILE cannot be read by this user (Permission denied): let this user read it: `chmod a+r
    FILE` ...`` (``path_advice.unreadable``; a folder: ``chmod -R a+rX``).
    """
    try:
        yield
    except PermissionError as exc:
        denied = denied_path(exc.filename or path)
        raise CheckpointError(unreadable(denied, exc.strerror or "Permission denied")) from None


def denied_path(path: str | os.PathLike) -> Path:
    """Return the first folder on the way to ``path`` this user may not enter, else ``path``.

    A file in a folder of mode 000 is denied for the folder, whose ``chmod -R a+rX`` is the fix
    (``path_advice.read_access``), not the file's ``chmod a+r``; the way is the one links lead
    (``path_advice.blocked_folder``: a link to a file in such a folder names that folder).
    """
    return blocked_folder(path) or Path(path)


def check_not_lfs_pointer(path: Path, again: str) -> None:
    """Raise :class:`CheckpointError` unless ``path`` is a file this user may read, no pointer.

    The file is opened first, whatever its size: a file this user may not read is
    :func:`readable`'s ``chmod`` line here, before a library reads it (safetensors' error is no
    PermissionError: a shared hub cache's blob of another user's mode 600 was called "cut short,
    an error page or damaged ... download again", breaker54l). A Git LFS pointer in place of
    the file (at most :data:`LFS_POINTER_MAX` bytes, read only then) says ``git lfs pull``;
    ``again``: the other way to get the file (``download the file again``), said after it. A
    git-annex pointer (an unlocked file not fetched: ``/annex/objects/KEY``) says ``git annex
    get`` (``input_paths.annex_get``).
    """
    with readable(path), open(path, "rb") as file:
        if os.fstat(file.fileno()).st_size > LFS_POINTER_MAX:  # (a pointer is small)
            return
        head = file.read()
    if head.startswith(ANNEX_POINTER_START):  # an unlocked git-annex file, not fetched
        raise CheckpointError(f"{path} {ANNEX_PLACEHOLDER} (an unlocked file holding "
                              f"{len(head)} bytes of text, {ANNEX_POINTER_START.decode()}...): "
                              f"{annex_get(path)}")
    if head.startswith(LFS_POINTER_START):
        raise CheckpointError(
            f"{path} is a Git LFS pointer ({len(head)} bytes of text), not the weights: the "
            "repository was cloned without git-lfs; run `git lfs install && git lfs pull` in "
            f"the clone, or {again}")


def check_fetched(path: Path) -> None:
    """Raise :class:`CheckpointError` for a link to a git-annex object not fetched (locked).

    ``FILE is a git-annex placeholder, ...: run `git -C FOLDER annex get NAME` ...``
    (``input_paths.missing``'s words), not "not found": ``ls`` lists the file. An unlocked
    one is :func:`check_not_lfs_pointer`'s.
    """
    if os.path.islink(path):
        why = missing(path)
        if why.startswith(ANNEX_PLACEHOLDER):
            raise CheckpointError(f"{path} {why}")


# What a model folder must hold, as the refusal of another folder says it
FOLDER_HOLDS = ("a model folder is a Hugging Face snapshot: config.json and model.safetensors "
                "(or its shards and model.safetensors.index.json), as save_pretrained or hf "
                "download facebook/vjepa2-vitl-fpc64-256 write them; else give a checkpoint file")
CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".bin")  # torch.save files a folder may hold


def folder_advice(path: Path) -> str:
    """Say what a model folder holds, and name the torch.save files in folder ``path``.

    :data:`FOLDER_HOLDS`, then ``" (it holds X.pt: give that file)"`` when it holds such files
    (:func:`held_checkpoints`). A train output folder (``input_paths.run_model_file``) gets
    ``""``: the commands' ``input_paths.world_model_error`` names the file to give there, in its
    own words.
    """
    if run_model_file(path) is not None:
        return ""
    held = held_checkpoints(path)
    return f"{FOLDER_HOLDS} ({held})" if held else FOLDER_HOLDS


def held_checkpoints(path: str | os.PathLike) -> str:
    """Return ``"it holds X.pt: give that file"`` for the torch.save files in folder ``path``.

    Files whose suffix is one of :data:`CHECKPOINT_SUFFIXES` (up to 3 named, ``give one of
    them`` for several); ``""`` when it holds none or cannot be listed. Said by the loaders'
    folder refusal (:func:`folder_advice`) and by the commands' ``--checkpoint`` folder
    refusal (``input_paths.world_model_path``) alike (user54u).
    """
    try:
        files = sorted(entry for entry in Path(path).iterdir()
                       if entry.suffix.lower() in CHECKPOINT_SUFFIXES and entry.is_file())
    except OSError:
        return ""
    if not files:
        return ""
    which = "that file" if len(files) == 1 else "one of them"
    return f"it holds {first_names(files, 3)}: give {which}"
