"""One damaged part of a split recording (a copy that failed on one file): the others are read.

An empty, cut or unreadable ``bag_5`` of 12 was refused as a whole ("the recorder stopped before
it wrote a message"), though the recorder wrote six parts after it. Now every reader (eval/train/
pretrain: ``read_recording``; the player: ``bag_contents``) leaves that part out with a note naming
it (counted as lost: the player's exit status 1) and reads the others; a repair command recovers
into the part's own name, never a folder. Alone, or when no part reads, it is refused.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from split_bags import FRAMES, episode, split_bag, split_db3

from vjepa_ros.eval.playback import bag_contents
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bags import read_recording


def damage(file, how):
    raw = file.read_bytes()
    file.write_bytes({"empty": b"", "cut": raw[:len(raw) // 2], "garbage": b"x" * 5000}[how])


def expected_frames(lost: int):
    frames, _ = episode()
    return np.delete(frames, lost, axis=0)


@pytest.mark.parametrize("how", ["empty", "cut", "garbage"])
@pytest.mark.parametrize("number", [0, 5, 10])
def test_a_damaged_mcap_part_is_left_out_and_named(tmp_path, how, number):
    folder = split_bag(tmp_path / "run", 12)
    part = folder / f"bag_{number}.mcap"
    damage(part, how)
    recording = read_recording(folder)
    times = recording.image_times
    assert len(times) == FRAMES - 1
    assert np.array_equal(recording.load_frames(range(len(times))), expected_frames(number))
    (note,) = [note for note in recording.damage if part.name in note]
    assert f"part {number + 1} of the 12" in note and "before it wrote a message" not in note
    contents = bag_contents(folder)
    assert contents.lost and any(part.name in note for note in contents.notes)


@pytest.mark.parametrize("metadata", [True, False], ids=["metadata", "killed"])
def test_an_unreadable_db3_part_is_left_out_with_a_recovery_in_its_place(tmp_path, metadata):
    folder = split_db3(tmp_path / "run", metadata)
    part = folder / "bag_5.db3"
    damage(part, "garbage")
    recording = read_recording(folder)
    assert len(recording.image_times) == FRAMES - 1
    assert np.array_equal(recording.load_frames(range(FRAMES - 1)), expected_frames(5))
    (note,) = [note for note in recording.damage if "bag_5.db3" in note]
    assert f"sqlite3 {part} .recover" in note and "to bag_5.db3" in note
    assert f"sqlite3 {folder} " not in " ".join(recording.notes)
    assert bag_contents(folder).lost


def test_a_split_recording_whose_parts_all_fail_is_refused(tmp_path):
    folder = split_bag(tmp_path / "run", 3)
    for part in folder.glob("*.mcap"):
        damage(part, "empty")
    with pytest.raises(BagError, match="bag_0.mcap"):
        read_recording(folder)


def test_a_damaged_part_given_alone_is_refused(tmp_path):
    folder = split_bag(tmp_path / "run", 3)
    damage(folder / "bag_1.mcap", "empty")
    with pytest.raises(BagError, match="bag_1.mcap is empty"):
        read_recording(folder / "bag_1.mcap")


def test_the_last_part_left_out_is_still_said_as_the_recorder_killed(tmp_path):
    folder = split_bag(tmp_path / "run", 3)
    damage(folder / "bag_2.mcap", "empty")
    (note,) = [note for note in read_recording(folder).damage if "bag_2.mcap" in note]
    assert "last file of a split recording" in note


def test_metadata_listing_the_damaged_part_reads_around_it(tmp_path):
    folder = split_db3(tmp_path / "run", True)
    assert yaml.safe_load((folder / "metadata.yaml").read_text())  # listed: bag_0 .. bag_11
    damage(folder / "bag_3.db3", "empty")
    recording = read_recording(folder)
    assert len(recording.image_times) == FRAMES - 1
    assert any("bag_3.db3" in note for note in recording.damage)
