"""A ``.db3`` cut short (a copy stopped early): only rows holding no lost byte are ever read.

SQLite reads the bytes past a cut file's end as zeros; ``recordings.sqlite_cut`` reads each row
twice (lost bytes as 00 and as ff) and keeps those read alike. Every reader of a bag (eval, train,
pretrain: ``read_recording``; the player: ``bag_contents``/``iter_bag``) must give recorded
frames only, and say what was cut, or refuse naming the file.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from vjepa_ros.eval.playback import bag_contents, iter_bag
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.sqlite_cut import cut_short

FRAMES = 12
PAGE = 4096


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    frames, states, _ = synthetic_episode(FRAMES - 1)
    bag = write_bag(tmp_path_factory.mktemp("db3") / "bag", frames, states, storage="sqlite3")
    return bag, frames


def cut_copy(tmp_path, recorded, cut: int, metadata=True):
    bag, frames = recorded
    copy = shutil.copytree(bag, tmp_path / "bag")
    db = next(copy.glob("*.db3"))
    raw = db.read_bytes()
    db.write_bytes(raw[:len(raw) - cut])
    if not metadata:
        (copy / "metadata.yaml").unlink()
    return copy, db, frames


def test_an_intact_db3_is_not_cut_short(recorded):
    bag, _ = recorded
    db = next(bag.glob("*.db3"))
    assert db.stat().st_size % PAGE == 0 and cut_short(db) is None
    recording = read_recording(bag)
    assert not recording.damage and not any("cut short" in note for note in recording.notes)


# cuts inside the last page, at a page boundary, and several pages in: each size a lab gets
@pytest.mark.parametrize("cut", [1, 17, 512, 2048, 4000, 4095, 4096, 4097, 9000, 20000])
@pytest.mark.parametrize("metadata", [True, False], ids=["metadata", "killed"])
def test_every_frame_read_from_a_cut_db3_was_recorded(tmp_path, recorded, cut, metadata):
    bag, db, frames = cut_copy(tmp_path, recorded, cut, metadata)
    assert cut_short(db).startswith("cut short")
    try:
        recording = read_recording(bag)
    except BagError as exc:  # refused: the file named, with a command that reads a .db3
        words = str(exc)
        assert db.name in words and "cut short" in words and ".recover" in words
        return
    read = recording.load_frames(range(len(recording.image_times)))
    assert 0 < len(read) < FRAMES or len(read) == FRAMES
    assert np.array_equal(read, frames[:len(read)])  # pixel for pixel, never zero-filled
    assert any(db.name in note and "cut short" in note for note in recording.damage)


@pytest.mark.parametrize("cut", [40, 1000, 4095])
def test_player_publishes_only_recorded_frames_of_a_cut_db3(tmp_path, recorded, cut):
    bag, db, frames = cut_copy(tmp_path, recorded, cut)
    contents = bag_contents(bag)
    assert contents.lost and any(db.name in note for note in contents.notes)
    camera = BagTopics().image
    played = [message for message in iter_bag(bag) if message.topic == camera]
    assert 0 < len(played) < FRAMES  # the frame holding lost bytes is not published
    recording = read_recording(bag)
    assert np.array_equal(recording.load_frames(range(len(played))), frames[:len(played)])


def test_a_cut_db3_given_alone_is_read_the_same(tmp_path, recorded):
    _, db, frames = cut_copy(tmp_path, recorded, 1000)
    recording = read_recording(db)
    read = recording.load_frames(range(len(recording.image_times)))
    assert len(read) == FRAMES - 1 and np.array_equal(read, frames[:len(read)])
    assert recording.damage


def test_a_db3_cut_inside_its_header_is_not_taken_for_a_cut_database(tmp_path):
    db = tmp_path / "bag.db3"
    db.write_bytes(b"SQLite format 3\x00" + b"\x10\x00")  # 18 bytes: no page size yet read
    assert cut_short(db) is None  # sqlite3's own error says it (refused with .recover)
