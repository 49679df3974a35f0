"""A split bag whose metadata.yaml lists its parts in text order (bag_10 before bag_2).

rosbags reads the parts in the order ``relative_file_paths`` lists them; a listing sorted as
text (a reindex of another tool, a hand-made file) put part 10 after part 1, and the bag was
refused as its stamps stepping back. The parts are read as rosbag2 orders them: by part
number (``recorded_files.part_key``), else by the start times ``files`` gives. Written with
rosbags (``bag_writing.write_bag``), 12 parts.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag
from vjepa_ros.recordings.bags import read_recording

SEC = 1_000_000_000
PARTS = 12
PER_PART = 2  # frames in each part, 0.25 s apart


def _twelve_part_bag(tmp_path, names=None):
    """Write a 12-part mcap recording rec_0..rec_11 whose metadata lists ``names`` in order.

    Return (folder, frames [24, 8, 8, 3] uint8 in time order). ``names``: the listing (default
    text order); each part also keeps its own ``files`` entry with its start time.
    """
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (PARTS * PER_PART, 8, 8, 3), dtype=np.uint8)
    states = np.zeros((PARTS * PER_PART, 7))
    states[:, 0] = 0.3 + 0.001 * np.arange(PARTS * PER_PART)
    states[:, 2], states[:, 6] = 0.4, 1.0  # a unit quaternion (x, y, z, qx, qy, qz, qw)
    folder = tmp_path / "rec"
    folder.mkdir()
    infos = []
    for number in range(PARTS):
        part = slice(number * PER_PART, (number + 1) * PER_PART)
        start = DEFAULT_START_NS + number * PER_PART * SEC // 4
        bag = write_bag(tmp_path / f"part{number}", frames[part], states[part],
                        np.arange(PER_PART) * 0.25, start_time_ns=start)
        shutil.copy(next(bag.glob("*.mcap")), folder / f"rec_{number}.mcap")
        info = yaml.safe_load((bag / "metadata.yaml").read_text())
        infos.append(info["rosbag2_bagfile_information"])
    by_name = {f"rec_{number}.mcap": info for number, info in enumerate(infos)}
    names = names or sorted(by_name)  # rec_0, rec_1, rec_10, rec_11, rec_2, ...
    info = dict(infos[0])
    info["relative_file_paths"] = names
    info["files"] = [{**by_name[name]["files"][0], "path": name} for name in names]
    info["message_count"] = sum(i["message_count"] for i in infos)
    end = max(i["starting_time"]["nanoseconds_since_epoch"] + i["duration"]["nanoseconds"]
              for i in infos)
    info["duration"] = {"nanoseconds": end - DEFAULT_START_NS}
    info["topics_with_message_count"] = [
        {**topic, "message_count": topic["message_count"] * PARTS}
        for topic in infos[0]["topics_with_message_count"]]
    (folder / "metadata.yaml").write_text(yaml.safe_dump({"rosbag2_bagfile_information": info}))
    return folder, frames


def test_parts_listed_in_text_order_are_read_in_part_order(tmp_path):
    folder, frames = _twelve_part_bag(tmp_path)
    listed = yaml.safe_load((folder / "metadata.yaml").read_text())
    assert listed["rosbag2_bagfile_information"]["relative_file_paths"][2] == "rec_10.mcap"
    recording = read_recording(folder)
    assert len(recording.image_times) == len(frames)
    assert np.all(np.diff(recording.image_times) > 0)
    np.testing.assert_array_equal(recording.load_frames(range(len(frames))), frames)


@pytest.mark.parametrize("names", [
    [f"rec_{n}.mcap" for n in reversed(range(PARTS))],  # backwards
    [f"rec_{n}.mcap" for n in range(PARTS)],  # as rosbag2 writes it: unchanged
])
def test_any_listing_order_reads_the_parts_in_time_order(tmp_path, names):
    folder, frames = _twelve_part_bag(tmp_path, names)
    recording = read_recording(folder)
    np.testing.assert_array_equal(recording.load_frames(range(len(frames))), frames)


def test_files_not_named_as_parts_are_ordered_by_their_start_times_when_all_have_one():
    from vjepa_ros.recordings.recorded_files import read_order

    def info(names, starts):
        files = [{"path": name, "starting_time": {"nanoseconds_since_epoch": start}}
                 for name, start in zip(names, starts, strict=True) if start is not None]
        return {"rosbag2_bagfile_information": {"relative_file_paths": names, "files": files}}

    names = ["late.mcap", "early.mcap", "middle.mcap"]
    assert read_order(info(names, [30, 10, 20])) == [1, 2, 0]
    assert read_order(info(names, [30, 10, None])) == [0, 1, 2]  # one unknown: as listed
    parts = ["r_2.mcap", "r_10.mcap", "r_1.mcap"]  # the part number wins over the times
    assert read_order(info(parts, [5, 1, 9])) == [2, 0, 1]
    mixed = ["r_2.mcap", "s_1.mcap"]  # two recordings' names: not one sequence
    assert read_order(info(mixed, [9, 1])) == [1, 0]
