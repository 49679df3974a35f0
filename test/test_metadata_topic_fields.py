"""``metadata.yaml`` describing a topic otherwise than its data file: the data files are read.

``rosbags`` reads a data file's connection only through a listed one of the same topic, type,
serialization format, QoS profiles and type hash; another distro's rosbag2 (Humble writes the
QoS profiles otherwise than Jazzy, no hash) or a hand edit leaves a topic with 0 messages. Every
reader (eval/train/pretrain: ``read_recording``; the player: ``bag_contents``/``iter_bag``) reads
every message, with a note naming ``metadata.yaml``, the topic and the field; nothing is lost.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from vjepa_ros.eval.playback import bag_contents, iter_bag
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording

FRAMES = 12
TOPICS = BagTopics()
HUMBLE_QOS = ("- history: 3\n  depth: 0\n  reliability: 1\n  durability: 2\n  deadline:\n"
              "    sec: 2147483647\n    nsec: 4294967295\n  lifespan:\n    sec: 2147483647\n"
              "    nsec: 4294967295\n  liveliness: 1\n  liveliness_lease_duration:\n"
              "    sec: 2147483647\n    nsec: 4294967295\n"
              "  avoid_ros_namespace_conventions: false")


def changed_bag(tmp_path, storage, topic, field, value):
    frames, states, _ = synthetic_episode(FRAMES - 1)
    bag = write_bag(tmp_path / "bag", frames, states, storage=storage)
    meta = bag / "metadata.yaml"
    document = yaml.safe_load(meta.read_text())
    for entry in document["rosbag2_bagfile_information"]["topics_with_message_count"]:
        if topic in (None, entry["topic_metadata"]["name"]):
            entry["topic_metadata"][field] = value
    meta.write_text(yaml.safe_dump(document))
    return bag, frames


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
@pytest.mark.parametrize("topic", [TOPICS.image, TOPICS.pose, None], ids=["camera", "pose", "all"])
def test_other_qos_profiles_in_metadata_read_every_message(tmp_path, storage, topic):
    bag, frames = changed_bag(tmp_path, storage, topic, "offered_qos_profiles", HUMBLE_QOS)
    recording = read_recording(bag)
    assert np.array_equal(recording.load_frames(range(FRAMES)), frames)
    assert len(recording.image_times) == FRAMES and not recording.damage
    note = next(note for note in recording.notes if "metadata.yaml" in note)
    assert "offered_qos_profiles" in note and (topic or TOPICS.image) in note
    contents = bag_contents(bag)
    assert not contents.lost and all(info.count == FRAMES for info in contents.topics.values())
    published = [message.topic for message in iter_bag(bag)]
    assert all(published.count(name) == FRAMES for name in (TOPICS.image, TOPICS.pose))


@pytest.mark.parametrize("topic", [TOPICS.image, None], ids=["camera", "all"])
def test_another_type_hash_in_metadata_reads_every_message(tmp_path, topic):
    bag, frames = changed_bag(tmp_path, "sqlite3", topic, "type_description_hash",
                              "RIHS01_" + "ab" * 32)
    recording = read_recording(bag)
    assert np.array_equal(recording.load_frames(range(FRAMES)), frames)
    assert any("metadata.yaml" in note and "type_description_hash" in note
               for note in recording.notes)
    assert sum(message.topic == TOPICS.image for message in iter_bag(bag)) == FRAMES


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_a_metadata_without_type_hashes_is_no_disagreement(tmp_path, storage):
    bag, frames = changed_bag(tmp_path, storage, None, "type_description_hash", "")  # Humble
    recording = read_recording(bag)
    assert np.array_equal(recording.load_frames(range(FRAMES)), frames)
    assert not any("metadata.yaml" in note for note in recording.notes)


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_an_intact_bag_has_no_metadata_note(tmp_path, storage):
    frames, states, _ = synthetic_episode(FRAMES - 1)
    bag = write_bag(tmp_path / "bag", frames, states, storage=storage)
    assert read_recording(bag).notes == [] and bag_contents(bag).notes == ()
