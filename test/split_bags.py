"""Recordings split into parts, as ros2 bag record writes them past its size or duration limit.

First written for breaker55h: :func:`episode` (a synthetic episode of :data:`FRAMES` frames),
:func:`split_bag` (it as one MCAP recording of several parts), :func:`split_db3` (one frame a
SQLite3 part, with or without the closing metadata.yaml), :func:`data_file` (a one-part
recording's data file), :func:`records` (an MCAP file's top-level records).
"""

from __future__ import annotations

import shutil
import struct

import numpy as np
import yaml

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag

FRAMES = 12


def episode():
    frames, states, _ = synthetic_episode(FRAMES - 1)
    return frames, states


def data_file(folder):
    return next(p for p in folder.iterdir() if p.name != "metadata.yaml")


def split_bag(folder, parts: int):
    """Write the episode as one recording split into ``parts`` MCAP files (bag_0.mcap, ...)."""
    frames, states = episode()
    folder.mkdir()
    for number, index in enumerate(np.array_split(np.arange(FRAMES), parts)):
        part = write_bag(folder.parent / f"part{number}", frames[index], states[index],
                         start_time_ns=DEFAULT_START_NS + int(index[0] * 0.25e9))
        shutil.move(data_file(part), folder / f"bag_{number}.mcap")
        shutil.rmtree(part)
    return folder


def split_db3(folder, metadata: bool):
    """Write the episode as a SQLite3 recording of one frame a part (bag_0.db3 ... bag_11.db3)."""
    frames, states = episode()
    folder.mkdir()
    infos = []
    for number in range(FRAMES):
        part = write_bag(folder.parent / f"part{number}", frames[number:number + 1],
                         states[number:number + 1], storage="sqlite3",
                         start_time_ns=DEFAULT_START_NS + int(number * 0.25e9))
        shutil.move(data_file(part), folder / f"bag_{number}.db3")
        infos.append(yaml.safe_load((part / "metadata.yaml").read_text()))
    if metadata:  # what the recorder writes at close: every part listed, the counts summed
        info = infos[0]["rosbag2_bagfile_information"]
        info["relative_file_paths"] = [f"bag_{number}.db3" for number in range(FRAMES)]
        info["files"] = [dict(one["rosbag2_bagfile_information"]["files"][0],
                              path=f"bag_{number}.db3") for number, one in enumerate(infos)]
        info["message_count"] = 3 * FRAMES
        info["duration"]["nanoseconds"] = int((FRAMES - 1) * 0.25e9)
        for topic in info["topics_with_message_count"]:
            topic["message_count"] = FRAMES
        (folder / "metadata.yaml").write_text(yaml.safe_dump(infos[0]))
    return folder


def records(raw: bytes):
    """Yield (offset, opcode, length) of an MCAP file's top-level records (MCAP spec)."""
    at = 8
    while at + 9 <= len(raw):
        opcode, length = raw[at], struct.unpack_from("<Q", raw, at + 1)[0]
        yield at, opcode, length
        at += 9 + length
