"""review58s: today's later merges read once (fix58be's gripper width records).

The planner node's warning of a model trained at another ``data.topics.gripper_max_width`` had
no test of its own; and the width note's arithmetic says a closedness no reading can have when
the model was trained wider than the planner's ``robot.gripper_max_width`` (closedness is
clipped to [0, 1]: ``robot.joint_states.closedness_from_fingers``). fix58g's gripper results:
a close its server reports SUCCEEDED at an object's width is read as a failure, where the same
fingers reported ABORTED (franka_gripper's default epsilons) are a hold.
"""

from __future__ import annotations

import re

import pytest
import torch


def _save(path, width):
    from vjepa_ros.models import build_encoder, build_predictor, save_world_model
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

    torch.manual_seed(0)
    data = {"tcp_xyz": list(HAND_TCP_XYZ), "tcp_rpy": list(HAND_TCP_RPY), "rate_hz": 4.0,
            "aspect_ratio_range": [0.75, 1.35], "no_gripper": False, "gripper_max_width": width}
    return save_world_model(path, build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2),
                            build_predictor(img_size=64, embed_dim=32, predictor_embed_dim=32,
                                            depth=1, num_heads=2), data=data)


def test_the_planner_node_warns_of_a_model_trained_at_another_gripper_width(
        context, tmp_path, monkeypatch):
    """A 0.07 m model under the default 0.08: one warning naming both; at 0.07: none."""
    from rclpy.impl.rcutils_logger import RcutilsLogger

    from vjepa_ros.nodes.planner_node import PlannerNode

    said: list[str] = []
    warning = RcutilsLogger.warning
    monkeypatch.setattr(RcutilsLogger, "warning",
                        lambda self, text, **kw: said.append(str(text)) or warning(self, text,
                                                                                   **kw))
    path = _save(tmp_path / "narrow.pt", 0.07)
    args = ["--ros-args", "-p", f"model.checkpoint:={path}", "-p", "model.device:=cpu"]
    for extra, warned in (([], True), (["-p", "robot.gripper_max_width:=0.07"], False)):
        said.clear()
        node = PlannerNode(context=context, cli_args=[*args, *extra])
        node.destroy_node()
        width = [text for text in said if "gripper closedness" in text]
        if warned:
            assert len(width) == 1, said
            assert str(path) in width[0] and "0.07 m" in width[0] and "0.125" in width[0] and \
                "robot.gripper_max_width is 0.08 m" in width[0], width
        else:
            assert not width, width


def test_the_width_note_states_only_closedness_the_planner_can_read():
    from vjepa_ros.robot.trained_model import gripper_width_note
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.predictor_init import init_hand_notes

    wide = type("Model", (), {"trained_gripper_max_width": 0.08})
    note = gripper_width_note(wide, 0.07)
    config = make_config({"out": "run", "data.topics.gripper_max_width": 0.07})
    notes = init_hand_notes(config, None, 0.08, "init.pt")
    assert note and notes
    for text in (note, *notes):
        values = [float(v) for v in re.findall(r"closedness (-?[0-9.]+)", text)]
        assert values and all(0.0 <= v <= 1.0 for v in values), text


# (ABORTED: franka_gripper's default epsilons; SUCCEEDED: wide ones)
@pytest.mark.parametrize("status_name", ["SUCCEEDED", "ABORTED"])
def test_a_close_stopped_on_an_object_is_a_hold_whatever_the_server_claims(status_name):
    import types

    from vjepa_ros.robot import gripper_results
    from vjepa_ros.robot.gripper_results import judge_result

    status = getattr(gripper_results, f"STATUS_{status_name}")
    result = types.SimpleNamespace(position=0.015, effort=0.0, stalled=False,
                                   reached_goal=status_name == "SUCCEEDED")
    judged = judge_result(status, 0.0, result, 0.08, start=0.04, finger=0.015)
    assert judged.held == pytest.approx(0.03), judged  # a hold: no failure, no resend
