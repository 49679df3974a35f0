"""Whether a training run's output folder lies among its data (never write into recordings).

Kept free of torch: ``train``'s settings check uses it before anything heavy loads.
"""

from __future__ import annotations

import os
from pathlib import Path

from vjepa_ros.recordings.bag_folders import data_files


def out_among_data(out, groups: dict[str, list]) -> str:
    """Say why output folder ``out`` must not be used with this data ("" when it may).

    ``groups``: setting name -> the data paths it gives (``{"data.train": [...], ...}``).
    Refused: ``out`` that is a data folder, lies inside one, or is a bag (``metadata.yaml``, or
    rosbag2 data files in it): the run would write its files among the recordings. Paths are
    compared resolved (links, ``..``) and named as given.
    """
    resolved = Path(os.path.realpath(Path(out).expanduser()))  # a link loop: named elsewhere
    recording = _recording_in(resolved)
    if recording:
        return (f"out {out} {recording}: the run would write its files into the recording; "
                "give an --out outside the data")
    for name, paths in groups.items():
        for given in paths:
            folder = Path(os.path.realpath(Path(given).expanduser()))
            if not folder.is_dir():
                continue
            if resolved == folder or folder in resolved.parents:
                where = "is" if resolved == folder else "lies inside"
                return (f"out {out} {where} the data folder {name} {given}: the run would "
                        "write its files among the episodes; give an --out outside the data")
    return ""


def _recording_in(folder: Path) -> str:
    """Say what rosbag2 recording ``folder`` is or holds ("" when none, or not a folder)."""
    try:
        if not folder.is_dir():
            return ""
        if (folder / "metadata.yaml").is_file():
            return "is a rosbag2 bag"
        found = data_files(folder)
    except OSError:  # unreadable: the output check names it
        return ""
    return f"holds rosbag2 data files ({found[0].name})" if found else ""
