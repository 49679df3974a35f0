"""Whether an output lies among the data it is made from (never write into recordings).

One rule for every command that writes beside recordings: ``train --out`` and its
``--feature-cache``, ``pretrain --out`` (a file), ``eval --out`` (its default ``./eval_<bag>``
too). Kept free of torch: ``train``'s settings check uses it before anything heavy loads.
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.recordings.bag_folders import DATA_SUFFIXES, data_files, suffix_any_case

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
    bag/x.mcap --out bag/run``). ``file``: ``out`` is a file written into its folder
    (``pretrain --out enc.pt``): that folder is judged as an output folder is (one holding
    rosbag2 data files refused, as ``train --out`` there is). The one guard of ``train --out``,
    ``--feature-cache`` and ``pretrain --out``. The folder of an episode file given (``--data
    dir/ep0.npz --out dir/run``) is not guarded: what is given as data is the file, and no
    file a run writes (``.pt``, ``.json``, ``.png``) is read as data by a later ``--data dir``.
    Paths are compared resolved (links, ``..``) and named as given. Data files are recognised
    in any case (``x.MCAP``: ``bag_folders.suffix_any_case``).
    """
    resolved = Path(os.path.realpath(Path(out).expanduser()))  # a link loop: named elsewhere
    into = f"{writer} would write its files into the recording; give {give} outside the data"
    recording = _recording_in(resolved)
    if recording:
        return f"{setting} {out} {recording}: {into}"
    bag = next((folder for folder in resolved.parents if _is_bag(folder)), None)
    if bag is not None:
        return f"{setting} {out} lies inside the rosbag2 bag {bag}: {into}"
    recording = _recording_in(resolved.parent) if file else ""
    if recording:
        return f"{setting} {out} lies in {resolved.parent}, which {recording}: {into}"
    for name, paths in groups.items():
        for given in paths:
            folder = Path(os.path.realpath(Path(given).expanduser()))
            what = "the data folder"
            if folder.is_file() and suffix_any_case(folder.name, DATA_SUFFIXES):
                folder, what = folder.parent, "the recording folder of"
            elif not folder.is_dir():
                continue
            if resolved == folder or folder in resolved.parents:
                where = "is" if resolved == folder else "lies inside"
                return (f"{setting} {out} {where} {what} {name} {given}: {writer} would write "
                        f"its files among the episodes; give {give} outside the data")
    return ""


def refuse_out_in_bag(out, bag, writer: str) -> None:
    """Raise ValueError when a command's output folder ``out`` lies among its ``bag`` (one line).

    For ``eval`` and ``camera-check``, whose default ``--out`` is ``./<writer>_<bag name>``:
    ``cd bag && vjepa-ros eval .`` would write it into the bag (:func:`out_among_data`).
    """
    problem = out_among_data(out, {"bag": [bag]}, setting="--out", writer=writer)
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
        return (f"{setting} {out} is named like a recording ({suffix or name}): a later --data "
                "search of its folder would read it as one; give a name ending in .pt")
    return ""


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
            return "is a rosbag2 bag"
        found = data_files(folder, any_case=True)
    except OSError:  # unreadable: the output check names it
        return ""
    return f"holds rosbag2 data files ({found[0].name})" if found else ""
