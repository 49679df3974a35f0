"""The names a data search reads as recordings: data suffixes, split part names, macOS forks.

Shared by the folder walk (``bag_folders``), the upper-case advice (``upper_case``) and the
output guards (``train.out_check``); no file is opened here.
"""

from __future__ import annotations

import re

DATA_SUFFIXES = (".mcap", ".db3", ".mcap.zstd", ".db3.zstd")
# What a data folder's files must be to be read: a FIFO or device by one of these names would
# block the reader (waiting for a writer), so it is refused (``bag_folders.refuse_special``).
READ_NAMES = (*DATA_SUFFIXES, ".npz")
# rosbag2's split files: <name>_<N>.mcap (``ros2 bag record -o NAME``: the folder NAME's name)
PART_NAME = re.compile(r"^(?P<name>.+)_(?P<number>\d+)(?P<suffix>\.(?:mcap|db3)(?:\.zstd)?)$")


def is_read(name: str) -> bool:
    """Whether a file of this name is read as data (a data file, episode or metadata.yaml)."""
    return name == "metadata.yaml" or name.endswith(READ_NAMES)


def is_fork(name: str) -> bool:
    """Whether a file of this name is a macOS resource fork of data (``._x.mcap``, ``._X.MCAP``).

    A Mac writes one beside each file on a FAT/exFAT disk: no recording, whatever its case.
    """
    return name.startswith("._") and is_read(name.lower())


def suffix_any_case(name: str, suffixes: tuple[str, ...] = READ_NAMES) -> str:
    """Return the suffix of ``suffixes`` that ``name`` ends in, in any case, as it is written.

    ``x.MCAP`` -> ``.MCAP``, ``EP0.npz`` -> ``.npz``; "" when none. For every check that
    protects a recording from being written over or among (``train.out_check``,
    ``eval.out_reuse``, ``collect --out``): a file the readers refuse for its case
    (``upper_case.upper_case_fix``) is still a user's recording, read once renamed.
    """
    lower = name.lower()
    suffix = next((s for s in sorted(suffixes, key=len, reverse=True) if lower.endswith(s)), "")
    return name[len(name) - len(suffix):] if suffix else ""
