"""fix52i: the end-effector point and the gripper a model was trained with, end to end.

``data.topics.tcp_xyz`` / ``tcp_rpy`` label a joint-state bag (``read_recording``) at the
planner's point; ``world_model.pt`` records them and ``no_gripper``; ``robot.trained_model``'s
rules (the gripper held, a warning for another point) read them back.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.robot.kinematics import HAND_TCP_RPY, FrankaKinematics, RobotConfig
from vjepa_ros.robot.trained_model import gripper_rule, tcp_note

SEC = 1_000_000_000
HOME = np.array([0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785])


def _joint_state_bag(path):
    names = [f"panda_joint{i}" for i in range(1, 8)]
    entries, joints = [], []
    for i in range(3):
        t = DEFAULT_START_NS + i * SEC // 4
        q = HOME + np.r_[0, 0, 0, 0, 0, 0.1 * i, 0]
        joints.append(q)
        entries.append(("/joint_states", m.JOINT_STATE, t, m.joint_state_message(names, q, t)))
        entries.append(("/camera/camera/color/image_raw", m.IMAGE, t,
                        m.image_message(np.zeros((8, 8, 3), np.uint8), t, "cam")))
    write_messages(path, entries, "mcap")
    return path, np.array(joints)


def test_a_joint_state_bag_is_read_at_the_topics_tcp(tmp_path):
    path, joints = _joint_state_bag(tmp_path / "bag")
    tool = [0.0, 0.0, 0.2]
    recording = read_recording(path, BagTopics(tcp_xyz=tool, no_gripper=True))
    want = FrankaKinematics(RobotConfig(tcp_xyz=tool)).ee_pose(joints)
    np.testing.assert_allclose(recording.states[:, :6], want, atol=1e-9)
    hand = read_recording(path, BagTopics(no_gripper=True))
    assert np.abs(hand.states[:, :3] - recording.states[:, :3]).max() > 0.01


@pytest.mark.parametrize("field, value", [("tcp_xyz", [0, 0, 5]), ("tcp_rpy", [0, 0]),
                                          ("tcp_xyz", [0, float("nan"), 0])])
def test_an_impossible_tcp_is_refused_naming_the_setting(field, value):
    with pytest.raises(BagError, match=f"^{field} must be 3 numbers"):
        BagTopics(**{field: value}).check()


def test_train_and_eval_options_set_the_tcp():
    import argparse

    from vjepa_ros.eval.bag_options import add_topic_arguments, topics_from_args
    from vjepa_ros.train.command_options import OPTIONS

    fields = {field for _, field, _ in OPTIONS}
    assert {"data.topics.tcp_xyz", "data.topics.tcp_rpy"} <= fields
    parser = argparse.ArgumentParser()
    add_topic_arguments(parser)
    topics = topics_from_args(parser.parse_args(["--tcp-xyz", "0", "0", "0.2"]))
    assert topics.tcp_xyz == [0.0, 0.0, 0.2] and topics.tcp_rpy == HAND_TCP_RPY
    from vjepa_ros.config import UsageError

    with pytest.raises(UsageError, match="--tcp-xyz must be 3 numbers"):
        topics_from_args(parser.parse_args(["--tcp-xyz", "0", "0", "9"]))


@dataclasses.dataclass
class _Model:
    trained_tcp: tuple | None = None
    trained_without_gripper: bool = False
    trained_gripper_max_width: float | None = None


@pytest.mark.parametrize(("recorded", "planned", "reads", "apart", "opens"), [
    (0.07, 0.08, "35 mm open reads closedness 0.5625 here, 0.5 to the model", "0.125",
     "caps every commanded open at 70 mm"),
    (0.08, 0.07, "35 mm open reads closedness 0.5 here, 0.5625 to the model", "0.125",
     "every open is then commanded at 80 mm"),
    (0.085, 0.08, "40 mm open reads closedness 0.5 here, 0.5294 to the model", "0.0588",
     "every open is then commanded at 85 mm")])
def test_the_width_note_names_both_widths_and_what_a_hand_reads(recorded, planned, reads,
                                                                apart, opens):
    """breaker58e: closedness trained at one fully open width, planned at another.

    review58s: only closedness in [0, 1]; the advice says robot.gripper_max_width sets the opens.
    """
    from vjepa_ros.robot.trained_model import gripper_width_note

    note = gripper_width_note(_Model(None, False, recorded), planned)
    assert f"{recorded:g} m" in note and f"is {planned:g} m" in note, note
    assert reads in note and f"differ by up to {apart}" in note and opens in note, note
    assert opens not in gripper_width_note(_Model(None, False, recorded), planned,
                                           "--gripper-max-width", False)  # a bag: no commands
    assert "robot.gripper_max_width" in note and "\n" not in note
    assert gripper_width_note(_Model(None, False, recorded), recorded + 5e-7) == ""  # YAML
    assert gripper_width_note(_Model(None, True, recorded), planned) == ""  # never learnt it
    assert gripper_width_note(_Model(), planned) == ""  # official: not recorded


def test_tcp_note_names_both_points_and_the_parameter():
    hand = ((0.0, 0.0, 0.1034), tuple(HAND_TCP_RPY))
    assert tcp_note(_Model(hand), [0, 0, 0.1034], HAND_TCP_RPY) == ""
    assert tcp_note(_Model(None), [0, 0, 0.3], HAND_TCP_RPY) == ""  # official: not recorded
    note = tcp_note(_Model(hand), [0, 0, 0.2], HAND_TCP_RPY)
    assert "xyz [0, 0, 0.1034]" in note and "xyz [0, 0, 0.2]" in note
    assert "robot.tcp_xyz" in note and "\n" not in note


@pytest.mark.parametrize("gripper", ["planned", "subgoal", "hold"])
def test_the_gripper_rule_holds_only_planned_on_a_model_without_gripper(gripper):
    switching = GoalSwitchConfig(gripper=gripper)
    assert gripper_rule(_Model(), switching) == (switching, "")
    held, note = gripper_rule(_Model(trained_without_gripper=True), switching)
    assert held.gripper == ("subgoal" if gripper == "subgoal" else "hold")  # subgoal: kept
    assert bool(note) == (gripper == "planned") and "goals.gripper" in (note or "goals.gripper")
    assert held.rule == switching.rule


def test_the_simulator_notes_advise_only_what_run_and_reach_take():
    """fix52m: run and reach plan at the Franka Hand TCP, which no option of theirs changes.

    run's --subgoal-gripper refuses ``hold``; reach sets no goals.* at all (nor eval, demo).
    """
    from vjepa_ros.cli_options import option_message
    from vjepa_ros.robot.trained_model import simulator_rules
    from vjepa_ros.sim.run_notes import RUN_GRIPPER_ADVICE

    switching = GoalSwitchConfig()
    assert simulator_rules(_Model(), switching, RUN_GRIPPER_ADVICE) == (switching,
                                                                        ["", "", ""])
    model = _Model(((0.0, 0.0, 0.2), tuple(HAND_TCP_RPY)), True)
    held, (tcp, gripper, width) = simulator_rules(model, switching, RUN_GRIPPER_ADVICE)
    assert width == ""  # trained without the gripper: its width was never read
    gripper = option_message(gripper)  # as run prints it
    assert held.gripper == "hold" and "--subgoal-gripper subgoal" in gripper
    assert "--subgoal-gripper hold" not in gripper and "goals." not in gripper
    assert "xyz [0, 0, 0.1034]" in tcp and "xyz [0, 0, 0.2]" in tcp and "--tcp-xyz" in tcp
    assert "robot.tcp" not in tcp and "give" not in tcp  # no setting to give the point
    _, (reach_tcp, reach_gripper, _) = simulator_rules(model)  # reach: no goals.* settings
    assert reach_tcp == tcp and "held" in reach_gripper
    assert "goals." not in reach_gripper and "--subgoal" not in reach_gripper


@pytest.mark.parametrize("recorded", [0.07, 0.085])
def test_the_simulator_notes_a_model_trained_at_another_gripper_width(recorded):
    """user59w: reach and run said the TCP of a model trained at another point, not its width.

    A model whose closedness was computed at 0.07 m reads the simulator's Franka Hand (0.08 m)
    otherwise; reach's planner node warned only into its hidden output, run not at all. The
    simulator's opening is no setting: the note names both widths and advises training again.
    """
    from vjepa_ros.robot.trained_model import simulator_notes, simulator_rules

    _, (tcp, gripper, width) = simulator_rules(_Model(None, False, recorded))
    assert tcp == "" and gripper == ""
    assert f"width of {recorded:g} m" in width and "Franka Hand opens 0.08 m" in width, width
    assert "train again with data.topics.gripper_max_width 0.08" in width, width
    assert "robot.gripper_max_width" not in width and "give" not in width, width
    assert "commanded" not in width and "\n" not in width, width
    assert simulator_notes(_Model(None, False, recorded)) == [width]
    assert simulator_rules(_Model(None, False, 0.08))[1] == ["", "", ""]  # the same hand


def test_the_model_file_records_the_point_and_a_bad_record_names_the_file(tmp_path):
    from vjepa_ros.models.checkpoint import CheckpointError
    from vjepa_ros.models.checkpoint_records import trained_tcp, trained_without_gripper
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.model_records import model_data

    config = make_config({"data.topics.tcp_xyz": [0.0, 0.0, 0.2],
                          "data.topics.no_gripper": True})
    data = model_data(config, None, None)
    assert trained_tcp({"data": data}, "f.pt") == ((0.0, 0.0, 0.2), tuple(HAND_TCP_RPY))
    assert trained_without_gripper({"data": data}, "f.pt") is True
    assert trained_tcp({}, "f.pt") is None and trained_without_gripper({}, "f.pt") is False
    with pytest.raises(CheckpointError, match="^f.pt: config.data.tcp_xyz must be 3"):
        trained_tcp({"data": {"tcp_xyz": [0, 1], "tcp_rpy": [0, 0, 0]}}, "f.pt")
    with pytest.raises(CheckpointError, match="^f.pt: config.data.no_gripper must be"):
        trained_without_gripper({"data": {"no_gripper": "yes"}}, "f.pt")


@pytest.mark.parametrize("gripper, held", [("planned", True), ("subgoal", False)])
def test_the_planner_session_holds_the_gripper_of_a_model_without_one(gripper, held):
    """The planner node's, ``vjepa-ros run``'s and reach's session: the rule where it plans."""
    from vjepa_ros.demo import small_random_world_model
    from vjepa_ros.planning.config import preset
    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.robot.mpc import MPCSession
    from vjepa_ros.robot.safety import SafetyLimits

    model = small_random_world_model("cpu", None, 0)
    model.trained_without_gripper = True
    logs = []
    session = MPCSession(model, preset("paper", horizon=1, samples=8, iterations=1, topk=2),
                         SafetyLimits(), ControlConfig(), clock=lambda: 0.0,
                         log=lambda level, message: logs.append((level, message)),
                         goal_switching=GoalSwitchConfig(gripper=gripper))
    assert session.goal_switching.gripper == ("hold" if held else "subgoal")
    assert (6, 0.0) in session.cem.fixed_axes and session.cem.close_gripper is None
    warned = [level for level, message in logs if "goals.gripper" in message]
    assert warned == (["warning"] if held else [])


@pytest.mark.parametrize("source", ["joint_states", "pose"])
def test_the_recording_notes_compare_the_point_only_on_a_joint_state_bag(source):
    """Say both notes for a recorded bag in one function (eval, camera-check; mend53b).

    A joint-state bag is labelled at --tcp-xyz; a pose-topic bag at its recorder's point, which
    no option of theirs sets. The gripper note needs no goals.* (they take none).
    """
    from vjepa_ros.robot.trained_model import recording_rules

    recording = type("Recording", (), {"state_source": source})()
    topics = BagTopics(tcp_xyz=[0.0, 0.0, 0.1034])
    model = _Model(((0.0, 0.0, 0.2), tuple(HAND_TCP_RPY)), True)
    tcp, width, gripper = recording_rules(model, recording, topics)
    assert ("--tcp-xyz" in tcp and "xyz [0, 0, 0.2]" in tcp) == (source == "joint_states")
    assert bool(tcp) == (source == "joint_states")
    assert "held" in gripper and "goals." not in gripper
    assert width == ""  # the model records no width
    assert recording_rules(_Model(), recording, topics) == ["", "", ""]


def test_the_file_check_gives_the_width_to_reachs_notes(tmp_path):
    """user59w: reach reads the file's records without loading it (``check_checkpoint``).

    ``CheckpointSizes`` held the TCP, the gripper and the rate but not the width, so reach's
    width note had nothing to compare; the check now gives what the load gives.
    """
    import torch

    from vjepa_ros.models import build_encoder, build_predictor
    from vjepa_ros.models.checkpoint import check_checkpoint, load_world_model, save_world_model
    from vjepa_ros.robot.trained_model import simulator_rules

    size = dict(img_size=64, embed_dim=32, depth=1, num_heads=2)
    path = save_world_model(tmp_path / "w.pt", build_encoder(**size),
                            build_predictor(predictor_embed_dim=32, **size),
                            data={"gripper_max_width": 0.07})
    sizes = check_checkpoint(path)
    model = load_world_model(path, device=torch.device("cpu"), dtype=torch.float32)
    assert sizes.trained_gripper_max_width == model.trained_gripper_max_width == 0.07
    assert "width of 0.07 m" in simulator_rules(sizes)[1][2]
    assert check_checkpoint(save_world_model(tmp_path / "o.pt", build_encoder(**size))
                            ).trained_gripper_max_width is None  # none recorded
