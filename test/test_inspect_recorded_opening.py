"""``vjepa-ros inspect`` reads a bag's recorded hand opening as eval and train do (mend61a).

A bag written by this package records the opening its fingers were written at
(``metadata.yaml`` ``custom_data``, ``recordings.recorded_hand``). eval reads it at that opening
when ``--gripper-max-width`` is not given (``bag_options.read_bag``), train when all its bags
record one (``train.recorded_width.run_opening``); inspect said 0.08 m for a 0.07 m bag (session
60's regression: it called neither). Each test compares inspect's answer with the readers eval
and train run on the same bag, and the closedness read with the one written. The Python API's
``evaluate_bag`` / ``check_bag`` without topics read as the commands without options do.
"""

import json

import numpy as np
import pytest

from vjepa_ros.cli import build_parser, main
from vjepa_ros.recordings import BagTopics, read_recording
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.recorded_hand import GRIPPER_KEY, WIDTH_KEY

POSE = "/franka_robot_state_broadcaster/current_pose"
CLOSEDNESS = np.linspace(0.0, 0.9, 12)  # what the hand did: written at the bag's opening


def _bag(path, width):
    """Write a 12-frame bag by the package's writer, its fingers at opening ``width`` [m]."""
    states = np.zeros((12, 7))
    states[:, 0] = 0.4 + 0.01 * np.arange(12)
    states[:, 2] = 0.3
    states[:, 6] = CLOSEDNESS
    frames = np.random.default_rng(7).integers(0, 255, (12, 32, 32, 3), dtype=np.uint8)
    return write_bag(path, frames, states, topics=BagTopics(gripper_max_width=width))


@pytest.fixture(scope="module")
def narrow(tmp_path_factory):
    return _bag(tmp_path_factory.mktemp("narrow") / "bag", 0.07)


@pytest.fixture(scope="module")
def franka(tmp_path_factory):
    return _bag(tmp_path_factory.mktemp("franka") / "bag", 0.08)


def _inspected(capsys, *argv):
    """Run ``vjepa-ros inspect ARGV --json``: {source path: entry}, and the notes."""
    assert main(["inspect", *map(str, argv), "--frames-per-clip", "2", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    return {entry["path"]: entry for entry in answer["sources"]}, answer["notes"]


def _eval_width(bag, options):
    """Return the opening ``vjepa-ros eval BAG OPTIONS`` reads ``bag`` at, and its closedness."""
    from vjepa_ros.eval.bag_options import read_bag, topics_from_args

    args = build_parser().parse_args(["eval", str(bag), *options])
    recording, topics = read_bag(args, topics_from_args(args))
    assert topics.gripper_max_width == recording.gripper_max_width
    return recording.gripper_max_width, recording.states[:, 6]


def _train_width(bags, out, options):
    """Return the opening ``vjepa-ros train --data BAGS OPTIONS`` reads its bags at."""
    from vjepa_ros.train.command import config_from_args

    args = build_parser().parse_args(["train", "--data", *map(str, bags), "--out", str(out),
                                      "--init", "demo", *options])
    return config_from_args(args).data.topics.gripper_max_width


@pytest.mark.parametrize("options, width", [
    ([], 0.07),  # not given: the recorded opening, as eval and train read it
    (["--gripper-max-width", "0.075"], 0.075),  # given: it wins, as in eval and train
])
def test_inspect_says_the_opening_eval_and_train_read_a_recorded_bag_at(narrow, tmp_path, capsys,
                                                                        options, width):
    entries, notes = _inspected(capsys, narrow, *options)
    entry = entries[str(narrow)]
    eval_width, closedness = _eval_width(narrow, options)
    train_width = _train_width([narrow], tmp_path / "out", options)
    assert entry["eval"]["gripper_max_width"] == eval_width == width
    assert entry["train"]["gripper_max_width"] == train_width == width
    assert f"read at {width:g} m" in entry["hand"], entry["hand"]
    assert "written by vjepa-ros" in entry["hand"], entry["hand"]  # RECORDER_KEY, read
    if not options:  # the hand's own closedness, not the 0.08 m scale's (0.1125 at the end)
        np.testing.assert_allclose(closedness, CLOSEDNESS, atol=1e-6)
        assert notes == ["data.topics.gripper_max_width not given: the bag records the hand's "
                         "full opening 0.07 m (metadata.yaml vjepa_ros.gripper_max_width): "
                         "their fingers are read at it and world_model.pt records it "
                         "(--gripper-max-width gives another)"], notes
        assert [n for n in entry["eval"]["recording"]["notes"] if WIDTH_KEY in n], entry
    else:
        assert not notes, notes


def test_inspect_of_bags_recording_two_openings_says_each_reader_s_choice(narrow, franka, tmp_path,
                                                                          capsys):
    """Eval reads each bag at its own opening; train's one run at the default, as train does."""
    entries, notes = _inspected(capsys, narrow, franka)
    train_width = _train_width([narrow, franka], tmp_path / "out", [])
    assert train_width == 0.08 and not notes, notes
    for bag in (narrow, franka):
        entry = entries[str(bag)]
        assert entry["eval"]["gripper_max_width"] == _eval_width(bag, [])[0]
        assert entry["train"]["gripper_max_width"] == train_width
    assert entries[str(narrow)]["eval"]["gripper_max_width"] == 0.07
    assert "eval reads it at 0.07 m, train at 0.08 m" in entries[str(narrow)]["hand"]
    assert "read at 0.08 m" in entries[str(franka)]["hand"]
    # the text lines say the same
    assert main(["inspect", str(narrow), str(franka), "--frames-per-clip", "2"]) == 0
    hands = [line for line in capsys.readouterr().out.splitlines() if line.startswith("hand ")]
    assert len(hands) == 2 and "eval reads it at 0.07 m, train at 0.08 m" in hands[0], hands


@pytest.mark.parametrize("api", ["evaluate_bag", "check_bag"])
def test_the_bag_apis_without_topics_read_the_recorded_opening(narrow, monkeypatch, api):
    """``evaluate_bag(bag, ...)`` / ``check_bag(bag, ...)``: the CLI's reading without options.

    The recording they plan over is taken where it is handed on (the model is not needed to
    tell the opening it was read at).
    """
    from vjepa_ros.eval import camera_check_bag, evaluate

    module, inner = ((evaluate, "evaluate_recording") if api == "evaluate_bag" else
                     (camera_check_bag, "check_recording"))
    monkeypatch.setattr(module, inner, lambda recording, *args, **kwargs: recording)
    read = getattr(module, api)(narrow, None, None)
    assert read.gripper_max_width == 0.07 == _eval_width(narrow, [])[0]
    given = getattr(module, api)(narrow, None, None, topics=BagTopics())  # given: as given
    assert given.gripper_max_width == 0.08
    np.testing.assert_array_equal(given.states[:, 6], read_recording(narrow).states[:, 6])


def _edited(bag, target, **custom):
    from test_recordings_recorded_hand import edit_custom

    return edit_custom(bag, target, **custom)


@pytest.mark.parametrize("custom, width", [
    ({}, 0.07),  # the writer's own record: followed
    ({GRIPPER_KEY: POSE}, 0.08),  # a topic of another type
    ({GRIPPER_KEY: "/fr3/franka_gripper/joint_states"}, 0.08),  # a topic not in the bag
    ({GRIPPER_KEY: ""}, 0.08),  # an opening without a topic
    ({WIDTH_KEY: "wide"}, 0.08),  # no opening
])
def test_eval_and_train_take_one_rule_for_the_recorded_opening(narrow, tmp_path, capsys, custom,
                                                               width):
    """``recorded_hand.recorded_opening``: eval's reading and train's metadata agree (mend61a)."""
    bag = _edited(narrow, tmp_path / "edited", **custom)
    entries, _ = _inspected(capsys, bag)
    assert _eval_width(bag, [])[0] == _train_width([bag], tmp_path / "out", []) == width
    assert entries[str(bag)]["eval"]["gripper_max_width"] == width
    assert entries[str(bag)]["train"]["gripper_max_width"] == width


def test_a_recorded_joint_state_topic_without_fingers_is_said_by_inspect(tmp_path, capsys):
    """The one case the two readers' evidence splits: train takes 0.07 from metadata.yaml.

    The record names /joint_states (listed as JointState, without the fingers): eval's reading
    finds no fingers there and reads the hand's own topic at 0.08; train, deciding before any
    bag is read, takes 0.07 and says so as it reads. inspect says both openings.
    """
    states = np.zeros((12, 7))
    states[:, 0], states[:, 2], states[:, 6] = 0.4 + 0.01 * np.arange(12), 0.3, CLOSEDNESS
    frames = np.random.default_rng(8).integers(0, 255, (12, 32, 32, 3), dtype=np.uint8)
    joints = np.tile([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785], (12, 1))
    bag = write_bag(tmp_path / "bag", frames, states, topics=BagTopics(gripper_max_width=0.07),
                    joint_positions=joints, joint_names=[f"panda_joint{i}" for i in range(1, 8)])
    bag = _edited(bag, tmp_path / "edited", **{GRIPPER_KEY: "/joint_states"})
    entries, _ = _inspected(capsys, bag)
    eval_width, train_width = _eval_width(bag, [])[0], _train_width([bag], tmp_path / "out", [])
    assert (eval_width, train_width) == (0.08, 0.07)
    entry = entries[str(bag)]
    assert (entry["eval"]["gripper_max_width"], entry["train"]["gripper_max_width"]) == (0.08,
                                                                                         0.07)
    assert "eval reads it at 0.08 m, train at 0.07 m" in entry["hand"], entry["hand"]
    assert [n for n in entry["train"]["notes"] if "not the topic read" in n], entry["train"]
