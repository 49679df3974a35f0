"""The bag player given one part of a split recording says so, in the words eval and train use.

``bag_player bag:=run/bag_0.mcap`` plays that part alone; its notes (``bag_contents``) must say it
is one part and how to play the whole recording (``split_parts.lone_part_note``), the same line
``read_recording`` gives eval and camera-check.
"""

from __future__ import annotations

import shutil

import pytest
from split_bags import split_bag

from vjepa_ros.eval.playback import bag_contents, bag_topics
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording


@pytest.mark.parametrize("parts, name", [(2, "bag_0.mcap"), (2, "bag_1.mcap"), (3, "bag_1.mcap")])
def test_player_and_eval_say_the_same_of_a_lone_part(tmp_path, parts, name):
    folder = split_bag(tmp_path / "run", parts)
    part = folder / name
    said = [note for note in bag_contents(part).notes if "split recording" in note]
    assert said and f"give its folder {folder}" in said[0] and "only this part" in said[0]
    assert said == [note for note in read_recording(part).notes if "split recording" in note]


def test_player_gives_the_move_when_the_parts_lie_among_other_recordings(tmp_path):
    folder = split_bag(tmp_path / "run", 2)
    frames, states, _ = synthetic_episode(5)
    other = write_bag(tmp_path / "other", frames, states)
    shutil.move(next(other.glob("*.mcap")), folder / "other.mcap")  # a loose recording beside
    (note,) = [note for note in bag_contents(folder / "bag_0.mcap").notes if "split" in note]
    assert "mv" in note and "give its folder" not in note


def test_player_says_nothing_of_a_whole_recording(tmp_path):
    folder = split_bag(tmp_path / "run", 2)
    assert not any("split recording" in note for note in bag_contents(folder).notes)
    frames, states, _ = synthetic_episode(5)
    bag = write_bag(tmp_path / "bag", frames, states)
    alone = next(bag.glob("*.mcap"))  # bag_0.mcap of a recording that was never split
    assert not any("split recording" in note for note in bag_contents(alone).notes)
    assert bag_topics(folder / "bag_0.mcap")  # the topics alone: no note read


@pytest.mark.parametrize("name", ["bag_0.mcap", "bag_3.mcap", "bag_11.mcap"])
def test_a_part_too_short_alone_is_refused_with_its_folder(tmp_path, name):
    folder = split_bag(tmp_path / "run", 12)  # one frame a part
    with pytest.raises(BagError) as caught:
        read_recording(folder / name)
    words = str(caught.value)
    assert f"give its folder {folder}" in words and "one part of a split recording" in words
    assert "record longer" not in words and "only this part is read" not in words


def test_a_short_part_among_other_recordings_gets_the_move(tmp_path):
    folder = split_bag(tmp_path / "run", 12)
    frames, states, _ = synthetic_episode(5)
    other = write_bag(tmp_path / "other", frames, states)
    shutil.move(next(other.glob("*.mcap")), folder / "other.mcap")
    with pytest.raises(BagError) as caught:
        read_recording(folder / "bag_3.mcap")
    assert "mv" in str(caught.value) and "record longer" not in str(caught.value)


def test_a_short_recording_of_one_file_is_still_record_longer(tmp_path):
    frames, states, _ = synthetic_episode(0)  # one frame
    bag = write_bag(tmp_path / "bag", frames, states)
    for given in (bag, next(bag.glob("*.mcap"))):
        with pytest.raises(BagError, match="record longer"):
            read_recording(given)
