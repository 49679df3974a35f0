"""mend49r: a summary shortfall's damage scan runs once per file; a too-short topic's advice.

The player reads a camera topic of two types through (to word whether its transport changed)
only where its notes are used (``bag_contents``, not ``bag_topics``, which each ``iter_bag``
pass calls) and only for the topics chosen.

A bag whose ``metadata.yaml`` counts more messages than its records hold is no damage; the
MCAP scan that tells it from a chunk damaged inside (``mcap_salvage.records_fail``) decompresses
the whole file, so it runs once per file as it is on disk, not on every full read. A topic left
empty or too short while its summary counted more is advised a re-copy, camera and state
topic alike (the state topic's error advised naming another topic).
"""

import os
import sqlite3

import pytest
from test_breaker49b import CAMERA, POSE
from test_breaker49e import _inflate, _mcap_writer_bag

from vjepa_ros.eval import playback
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings import bag_reader, mcap_salvage
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError, iter_messages, open_reader
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording

pytestmark = pytest.mark.usefixtures("one_thread")

RECOPY = "re-copy the bag from the recording machine, or record again"


def _read_camera(bag) -> int:
    reader = open_reader(bag)
    try:
        short: dict = {}
        count = len(list(iter_messages(reader, bag, [CAMERA], {CAMERA: frozenset({m.IMAGE})},
                                       short)))
        assert short == {(CAMERA, m.IMAGE): (13, 12)}
        return count
    finally:
        reader.close()


def test_an_over_counted_mcap_is_scanned_once_until_it_changes(tmp_path, monkeypatch):
    """Three reads of an over-counted MCAP scan it once; a changed file is scanned again."""
    frames, states, _ = synthetic_episode(11)
    bag = _inflate(write_bag(tmp_path / "bag", frames, states))
    scans = []
    real = mcap_salvage.records_fail
    monkeypatch.setattr(mcap_salvage, "records_fail",
                        lambda path: scans.append(path) or real(path))
    bag_reader._records_fail_cached.cache_clear()
    assert [_read_camera(bag) for _ in range(3)] == [12] * 3
    assert len(scans) == 1, scans
    (data,) = bag.glob("*.mcap")
    stat = data.stat()
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _read_camera(bag) == 12
    assert len(scans) == 2, scans  # the file as it is now, not the cached answer


def _state_rows_dropped(tmp_path):
    """Return a .db3 bag whose pose rows are deleted, metadata.yaml still counting all 12."""
    frames, states, _ = synthetic_episode(11)
    bag = write_bag(tmp_path / "bag", frames, states, storage="sqlite3")
    (db,) = bag.glob("*.db3")
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM messages WHERE topic_id = "
                           "(SELECT id FROM topics WHERE name = ?)", (POSE,))
    connection.close()
    return bag


def test_a_state_topic_emptied_below_its_count_is_advised_a_recopy(tmp_path):
    """A state topic empty though metadata.yaml counts 12: re-copy, not "name the topic"."""
    with pytest.raises(BagError) as error:
        read_recording(_state_rows_dropped(tmp_path))
    text = str(error.value)
    assert f"state topic {POSE} has no messages, though its summary counted 12" in text, text
    assert text.endswith(RECOPY), text
    assert "--pose-topic" not in text, text
    assert "\n" not in text


def test_an_empty_state_topic_never_counted_is_advised_another_topic(tmp_path):
    """A state topic with no messages and no count above them: name the right topic."""
    bag = _state_rows_dropped(tmp_path)
    meta = bag / "metadata.yaml"
    text = meta.read_text()
    at = text.index(f"name: {POSE}")
    start = text.rindex("message_count: 12", 0, at)
    meta.write_text(f"{text[:start]}message_count: 0{text[start + len('message_count: 12'):]}")
    with pytest.raises(BagError) as error:
        read_recording(bag)
    text = str(error.value)
    assert text.endswith(f"state topic {POSE} has no messages: name the topic that carries the "
                         "arm's state (--pose-topic / --joint-states-topic)"), text
    assert RECOPY not in text


def test_the_player_reads_a_two_type_camera_only_to_word_a_note_it_gives(tmp_path, monkeypatch):
    """bag_contents of the camera words its transport switch; other reads read no camera."""
    path = _mcap_writer_bag(tmp_path / "x.mcap", compressed_from=5)
    read = []
    real = playback._switched
    monkeypatch.setattr(playback, "_switched",
                        lambda reader, bag, both: read.append(sorted(both)) or real(reader, bag,
                                                                                     both))
    notes = playback.bag_contents(path).notes
    assert [n for n in notes if n.startswith(f"{shown_path(path)}: {CAMERA}")
            and "message(s) are not (the camera's transport changed?)" in n], notes
    assert read == [[CAMERA]]
    assert not [n for n in playback.bag_contents(path, [POSE]).notes if CAMERA in n]
    assert set(playback.bag_topics(path)) == {CAMERA, POSE, "/franka_gripper/joint_states"}
    assert len(list(playback.iter_bag(path))) == 31  # 7 CompressedImages, 12 poses, 12 fingers
    assert read == [[CAMERA]]  # neither the pose-only contents nor bag_topics read the camera
