"""Whether an output lies among the data it is made from (never write into recordings).

One rule for every command that writes beside recordings: ``train --out`` and its
``--feature-cache``, ``pretrain --out`` (a file), ``eval --out`` (its default ``./eval_<bag>``
too). Kept free of torch: ``train``'s settings check uses it before anything heavy loads.
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_folders import DATA_SUFFIXES, data_files, suffix_any_case
from vjepa_ros.recordings.data_names import PART_NAME

# Names a data search reads as recordings: an output by one of them would be read as one.
RECORDING_NAMES = (*DATA_SUFFIXES, ".npz")


def out_among_data(out, groups: dict[str, list], setting: str = "out",
                   give: str = "an --out", writer: str = "the run", file: bool = False) -> str:
    """Say why output ``out`` must not be used with this data ("" when it may).

    ``groups``: setting name -> the data paths it gives (``{"data.train": [...], ...}``);
    ``setting``: how the message names the output (``out``, ``data.feature_cache_dir``,
    ``--out``); ``give``: what to give instead (``an --out``), ``outside the data`` follows;
    ``writer``: who writes (``the run``, ``eval``). Refused, one line naming both paths:
    ``out`` that is a bag or lies inside one (a folder with ``metadata.yaml`` and data files;
    ``cd bag && vjepa-ros eval .``), that holds rosbag2 data files, that is or lies inside a
    data folder given, or inside the recording folder of a data file given (``--data
    bag/x_0.mcap --out bag/run``: a folder with ``metadata.yaml``, or a split part's, as a
    killed recorder leaves it). A loose data file in a plain folder (``x.mcap``, no
    ``metadata.yaml``, no part name) is a recording of its own: ``eval x.mcap`` (its default
    ``./eval_x``) and ``--data x.mcap --out run`` there are allowed. ``file``: ``out`` is a
    file written into its folder (``pretrain --out enc.pt``, with its ``.json`` and ``.png``):
    that folder is refused when it is a recording's (a bag: ``metadata.yaml``; a killed
    recorder's: a split part ``x_0.mcap``, or a file named as the folder), not for a loose
    ``x.mcap`` beside it (its own recording, left whole: ``pretrain --out enc.pt`` in a folder
    of loose bags is allowed, as ``train --out run`` there is; an ``--out`` folder that holds
    data files is refused, the run writing its files among them).
    The one guard of ``train --out``, ``--feature-cache`` and ``pretrain --out``. The folder
    of an episode file given (``--data dir/ep0.npz --out dir/run``) is not guarded: what is
    given as data is the file, and no file a run writes (``.pt``, ``.json``, ``.png``) is read
    as data by a later ``--data dir``. Paths are compared resolved (links, ``..``) and named
    as given (``path_text.shown_path``: one line whatever they hold). Data files are
    recognised in any case (``x.MCAP``: ``bag_folders.suffix_any_case``).
    """
    resolved = Path(os.path.realpath(Path(out).expanduser()))  # a link loop: named elsewhere
    into = f"{writer} would write its files into the recording; give {give} outside the data"
    recording = _recording_in(resolved)
    shown = shown_path(out)
    if recording:
        return f"{setting} {shown} {recording}: {into}"
    bag = next((folder for folder in resolved.parents if _is_bag(folder)), None)
    if bag is not None:
        return f"{setting} {shown} lies inside the rosbag2 bag {shown_path(bag)}: {into}"
    recording = _recording_folder(resolved.parent) if file else ""
    if recording:
        return (f"{setting} {shown} lies in {shown_path(resolved.parent)}, which {recording}: "
                f"{into}")
    for name, paths in groups.items():
        for given in paths:
            folder = Path(os.path.realpath(Path(given).expanduser()))
            what = "the data folder"
            if folder.is_file() and suffix_any_case(folder.name, DATA_SUFFIXES):
                if not _in_recording_folder(folder):  # a loose x.mcap: a recording of its own
                    continue
                folder, what = folder.parent, "the recording folder of"
            elif not folder.is_dir():
                continue
            if resolved == folder or folder in resolved.parents:
                where = "is" if resolved == folder else "lies inside"
                return (f"{setting} {shown} {where} {what} {name} {shown_path(given)}: {writer} "
                        f"would write its files among the episodes; give {give} outside the "
                        "data")
    return ""


def refuse_out_in_recording(out, writer: str, bag=None, setting: str = "--out") -> None:
    """Raise ValueError when the output folder ``out`` is, holds or lies in a rosbag2 recording.

    :func:`out_among_data`'s rule, one line. ``bag``: the recording the command reads (``eval``
    and ``camera-check``, whose default ``--out`` is ``./<writer>_<bag name>``: ``cd bag &&
    vjepa-ros eval .`` would write into it); None for the commands that write pictures and
    episodes into a folder of the user's choice (``reach``, ``run``, ``collect``: ``--out``
    given a bag's folder wrote into the recording, breaker38). A folder above ``out`` counts
    only as a bag (``metadata.yaml`` beside data files), not for a ``metadata.yaml`` of its own
    (breaker38b).
    """
    problem = out_among_data(out, {"bag": [bag]} if bag is not None else {}, setting=setting,
                             writer=writer)
    if problem:
        raise ValueError(problem)


def named_like_data(out, setting: str = "--out") -> str:
    """Say why an output file must not be named like a recording ("" when it may).

    ``pretrain --out x.mcap`` (or ``.db3``, ``.zstd``, ``.npz``, ``metadata.yaml``) would be
    read as a recording by the next ``--data`` search of its folder; in any case too
    (``x.MCAP``, ``EP0.NPZ``: refused by that search with a rename to lower case).
    """
    name = Path(out).name
    suffix = suffix_any_case(name, RECORDING_NAMES)
    if name.lower() == "metadata.yaml" or suffix:
        return (f"{setting} {shown_path(out)} is named like a recording "
                f"({shown_path(suffix or name)}): a later --data search of its folder would "
                "read it as one; give a name ending in .pt")
    return ""


BAG_WORDS = "is a rosbag2 bag"  # what _recording_in says of a folder holding metadata.yaml


def _is_bag(folder: Path) -> bool:
    """Whether ``folder`` is a rosbag2 bag: ``metadata.yaml`` beside data files."""
    try:
        return (folder / "metadata.yaml").is_file() and bool(data_files(folder, any_case=True))
    except (OSError, ValueError):  # unreadable, or a FIFO named as data: not known to be one
        return False


def _recording_in(folder: Path) -> str:
    """Say what rosbag2 recording ``folder`` is or holds ("" when none, or not a folder)."""
    try:
        if not folder.is_dir():
            return ""
        if (folder / "metadata.yaml").is_file():
            return BAG_WORDS
        found = data_files(folder, any_case=True)
    except (OSError, ValueError):  # unreadable, a FIFO named as data: the output check names it
        return ""
    return f"holds rosbag2 data files ({shown_path(found[0].name)})" if found else ""


def _recording_folder(folder: Path) -> str:
    """Say what recording ``folder`` is ("" when none: loose data files, each its own, are not).

    A rosbag2 bag (``metadata.yaml``), or the folder of a recorder killed before writing it
    (a split part, a file named as the folder: :func:`_in_recording_folder`).
    """
    recording = _recording_in(folder)
    if not recording or recording == BAG_WORDS:
        return recording
    try:
        part = next((file for file in data_files(folder, any_case=True)
                     if _in_recording_folder(file)), None)
    except (OSError, ValueError):  # unreadable, a FIFO named as data: the output check names it
        return ""
    if part is None:
        return ""
    return f"holds a rosbag2 recording's data files ({shown_path(part.name)})"


def _in_recording_folder(file: Path) -> bool:
    """Whether data ``file``'s folder is its recording's: ``metadata.yaml`` beside it, a part.

    A split part (``x_0.mcap``: ``data_names.PART_NAME``, in any case) lies in the folder
    ``ros2 bag record`` wrote, killed before its ``metadata.yaml``, as does a file named as its
    folder (``bag/bag.mcap``, as a bag writer names it); a loose ``x.mcap`` in a plain folder
    is a recording of its own, and nothing written beside it is read with it.
    """
    name = file.name.lower()
    stem = name[:len(name) - len(suffix_any_case(name, DATA_SUFFIXES))]
    try:
        return ((file.parent / "metadata.yaml").is_file() or bool(PART_NAME.match(name))
                or stem == file.parent.name.lower())
    except OSError:  # unreadable: guarded as a recording folder
        return True
