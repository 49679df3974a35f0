"""An MCAP cut in the records rosbag2 writes as it closes a file: no message is lost.

After the last chunk and its message indexes the recorder writes its ``rosbag2`` Metadata
record, then Data End (MCAP spec). A file cut inside either holds every message: read with no
damage (the player's exit status 0), once the Metadata record's name is whole (a Metadata
record of another name may come before chunks). A cut anywhere before (a chunk, a message
index) still says messages may be lost.
"""

from __future__ import annotations

import numpy as np
import pytest
from split_bags import records

from vjepa_ros.eval.playback import bag_contents
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.mcap_salvage import closing_record

CHUNK, MESSAGE_INDEX, METADATA, DATA_END = 0x06, 0x07, 0x0C, 0x0F  # MCAP spec opcodes


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    frames, states, _ = synthetic_episode(11)
    bag = write_bag(tmp_path_factory.mktemp("mcap") / "bag", frames, states)
    raw = next(bag.glob("*.mcap")).read_bytes()
    return frames, states, raw


def cut_bag(tmp_path, raw, end):
    bag = tmp_path / "cut"
    bag.mkdir()
    (bag / "bag.mcap").write_bytes(raw[:end])
    return bag


def record_of(raw, opcode):
    return [(at, length) for at, code, length in records(raw) if code == opcode]


@pytest.mark.parametrize("where", [0.0, 0.3, 0.9, 1.0])
@pytest.mark.parametrize("opcode", [METADATA, DATA_END], ids=["metadata", "data-end"])
def test_a_cut_in_a_closing_record_loses_nothing(tmp_path, written, opcode, where):
    frames, _, raw = written
    (at, length), = record_of(raw, opcode)[-1:]
    # from where it is known (Data End: its opcode; Metadata: its name whole) to its last byte
    known = 1 if opcode == DATA_END else 9 + 4 + len("rosbag2")
    end = at + known + int((9 + length - known - 1) * where)
    bag = cut_bag(tmp_path, raw, end)
    recording = read_recording(bag)
    assert not recording.damage
    assert np.array_equal(recording.load_frames(range(len(recording.image_times))), frames)
    assert not bag_contents(bag).lost


@pytest.mark.parametrize("opcode", [CHUNK, MESSAGE_INDEX], ids=["chunk", "message-index"])
def test_a_cut_in_the_last_chunk_or_message_index_still_says_what_may_be_lost(
        tmp_path, written, opcode):
    _, _, raw = written
    (at, length), = record_of(raw, opcode)[-1:]
    bag = cut_bag(tmp_path, raw, at + 9 + length // 2)
    assert read_recording(bag).damage and bag_contents(bag).lost


def test_another_metadata_record_cut_is_still_damage():
    named = b"\x0c" + (30).to_bytes(8, "little") + (7).to_bytes(4, "little") + b"rosbag2"
    other = b"\x0c" + (30).to_bytes(8, "little") + (5).to_bytes(4, "little") + b"calib"
    assert closing_record(named) and closing_record(b"\x0f\x04")
    assert not closing_record(other) and not closing_record(b"\x06" + bytes(12))
    assert not closing_record(b"")


def test_a_metadata_record_cut_before_its_name_is_not_known_as_the_closing_one(tmp_path, written):
    _, _, raw = written
    (at, _), = record_of(raw, METADATA)[-1:]
    bag = cut_bag(tmp_path, raw, at + 9 + 6)  # "rosbag2" not yet whole: a chunk may follow
    assert read_recording(bag).damage
