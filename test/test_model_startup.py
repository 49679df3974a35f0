"""user59w: the planner node names the world model it loaded and what the file records.

Handed a post-trained ``world_model.pt``, the node loaded it without a word (only mismatch
warnings): which file, at which step rate (no node parameter says one), crop, point and gripper
opening it was trained at were nowhere in its log.
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.robot.kinematics import HAND_TCP_RPY
from vjepa_ros.robot.model_startup import model_line, model_warnings

HAND = ((0.0, 0.0, 0.1034), tuple(HAND_TCP_RPY))


@dataclasses.dataclass
class _Model:
    img_size: tuple = (128, 96)  # (height, width) [px]
    aspect_ratio_range: tuple = (0.75, 1.35)
    trained_aspect_ratio_range: tuple | None = None
    trained_rate_hz: float | None = None
    trained_tcp: tuple | None = None
    trained_gripper_max_width: float | None = None
    trained_without_gripper: bool = False


@dataclasses.dataclass
class _Robot:
    tcp_xyz: tuple = HAND[0]
    tcp_rpy: tuple = HAND[1]
    gripper_max_width: float = 0.08


def test_the_line_names_the_file_and_every_record():
    line = model_line(_Model(aspect_ratio_range=(1.0, 1.0), trained_rate_hz=2.0,
                             trained_tcp=((0.0, 0.0, 0.2), HAND[1]),
                             trained_gripper_max_width=0.07), "run/world_model.pt")
    assert line.startswith("world model run/world_model.pt: 96x128 px, crop 1..1, "), line
    assert "trained at 2 Hz steps (each action a 0.5 s motion)" in line, line
    assert "TCP xyz [0, 0, 0.2] m" in line and "0.07 m open" in line and "\n" not in line


def test_an_official_file_records_no_rate_and_a_no_gripper_model_says_so():
    official = model_line(_Model(), "vjepa2-ac-vitg.pt")
    assert "no training step rate recorded (DROID's 4 Hz assumed)" in official, official
    assert "TCP" not in official and "open" not in official, official
    no_hand = model_line(_Model(trained_without_gripper=True, trained_gripper_max_width=0.08),
                         "m.pt")
    assert "trained without the gripper" in no_hand and "open" not in no_hand, no_hand


def test_the_warnings_are_the_mismatches_only():
    assert model_warnings(_Model(trained_tcp=HAND, trained_gripper_max_width=0.08), "m.pt",
                          _Robot(), None) == []
    warnings = model_warnings(
        _Model(trained_aspect_ratio_range=(1.0, 1.0), trained_tcp=((0.0, 0.0, 0.2), HAND[1]),
               trained_gripper_max_width=0.07), "m.pt", _Robot(), (0.8, 1.2))
    assert len(warnings) == 3, warnings
    assert "differ from the crop m.pt was trained with" in warnings[0]
    assert warnings[1].startswith("m.pt: ") and "robot.tcp_xyz" in warnings[1]
    assert warnings[2].startswith("m.pt: ") and "robot.gripper_max_width" in warnings[2]
