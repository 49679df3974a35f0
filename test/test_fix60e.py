"""fix60e: the families behind breaker60e's three defects, beyond the cases its tests pin.

1. ``real_time_factor`` other than 0 and 1 on wall-clock stamps is refused by the node's config
   (no rclpy), naming ``publish_clock`` and the factor's pace; on simulated time it is taken.
2. ``vjepa-ros launch --node sim``: every robot value both nodes hold must agree (TCP position
   and rotation, flange, hand opening, base frame); agreeing values, set on both sides or equal
   as rotations, start.
3. ``record`` / ``collect`` ``--frames``: the memory estimate against the free memory, with the
   most frames that fit; also the camera_rate_hz refusal writes numbers that differ.
"""

from __future__ import annotations

import math

import pytest
from test_breaker60e import DEMO_MODEL, launched  # noqa: F401 (launched: a fixture)

from vjepa_ros.sim.frames_memory import episode_bytes, frames_memory_problem
from vjepa_ros.sim.node_config import SimNodeConfig
from vjepa_ros.sim.runner import RunnerConfig, check_rates


@pytest.mark.parametrize("factor, pace", [(0.5, "slower"), (0.999, "slower"), (2.0, "faster"),
                                          (100.0, "faster")])
def test_any_factor_but_1_needs_publish_clock(factor, pace):
    with pytest.raises(ValueError) as caught:
        SimNodeConfig(real_time_factor=factor, publish_clock=False).check()
    text = str(caught.value)
    assert text.startswith(f"real_time_factor {factor:g} needs publish_clock true"), text
    assert f"stamped {1 / factor:g} ticks apart" in text and f"reads {pace}" in text
    assert "--use-sim-time" in text and "\n" not in text
    SimNodeConfig(real_time_factor=factor, publish_clock=True).check()  # simulated time: taken


def test_the_tick_grid_and_real_time_stay_as_they_were():
    SimNodeConfig(real_time_factor=1.0, publish_clock=False).check()
    with pytest.raises(ValueError, match=r"^real_time_factor 0 \(as fast as the CPU allows\)"):
        SimNodeConfig(real_time_factor=0.0, publish_clock=False).check()
    with pytest.raises(ValueError, match="parameter 'real_time_factor' 1e-12"):  # timer first
        SimNodeConfig(real_time_factor=1e-12, publish_clock=False).check()


@pytest.mark.parametrize("camera", [60.0000001, 60.5, 100.0])
def test_the_camera_rate_refusal_shows_two_different_numbers(camera):
    with pytest.raises(ValueError) as caught:
        check_rates(RunnerConfig(control_rate_hz=60.0, camera_rate_hz=camera), 240.0)
    text = str(caught.value)
    asked = text.removeprefix("camera_rate_hz ").partition(" ")[0]
    assert float(asked) == camera and "the control tick rate 60 Hz" in text, text
    assert asked != "60", text


GIB = 1024 ** 3


def test_frames_memory_estimate_and_the_most_that_fit():
    assert episode_bytes(10, 128, 128) == 10 * (2 * 128 * 128 * 3 + 1024)
    assert frames_memory_problem(1000, 128, 128, available=16 * GIB) == ""
    assert frames_memory_problem(10 ** 8, 128, 128, available=0) != ""
    text = frames_memory_problem(10 ** 8, 128, 128, available=16 * GIB)
    assert text.startswith("--frames 100000000 at 128x128 needs about 9250.6 GiB"), text
    fits = int(text.split("give at most ")[1].split(" ")[0])
    assert episode_bytes(fits, 128, 128) <= 8 * GIB < episode_bytes(fits * 1.1, 128, 128)
    # not even two frames fit: the size is the fix, never "at most 1"
    tiny = frames_memory_problem(2, 1024, 1024, available=4 * 1024 ** 2)
    assert "give a smaller --width/--height" in tiny and "at most" not in tiny
    assert frames_memory_problem(16, 256, 256, available=None) == ""  # this machine: fits


@pytest.mark.parametrize("command", ["record", "collect"])
def test_frames_that_fit_are_not_refused_for_memory(tmp_path, monkeypatch, capsys, command):
    """``--frames`` 2 at 32x32 gets past the memory check (an unwritable out stops it after)."""
    from vjepa_ros.cli import main
    from vjepa_ros.sim import frames_memory

    asked = []
    real = frames_memory.frames_memory_problem

    def spy(*args, **kwargs):
        asked.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(frames_memory, "frames_memory_problem", spy)
    blocker = tmp_path / "file"
    blocker.write_text("")
    out = str(blocker / "sub")  # under a file: refused after the options' checks
    argv = ([command, out] if command == "record" else [command, "--out", out, "--episodes",
                                                          "1"])
    status = main([*argv, "--frames", "2", "--width", "32", "--height", "32"])
    assert asked == [(2, 32, 32)], asked
    err = capsys.readouterr().err
    assert status == 1 and "--frames" not in err, (status, err)


def _launch(capsys, *items: str) -> tuple[int, str]:
    from vjepa_ros.cli import main

    argv = ["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim"]
    for item in items:
        argv += ["-p", item]
    try:
        status = main(argv)
    except SystemExit as ended:
        status = ended.code
    return status, capsys.readouterr().err


@pytest.mark.parametrize("items, words", [
    (("planner.robot.tcp_xyz:=[0.05, 0.0, 0.1034]",),
     ["(5.0 cm apart)", "lies on the hand's z axis only",
      "-p planner.robot.tcp_rpy:=[0.0, 0.0, -0.7853981633974483]"]),
    (("planner.robot.tcp_rpy:=[0.0, 0.0, 0.0]",), ["(45.0 deg apart)", "tcp_rpy [0, 0, 0]"]),
    (("planner.robot.flange_offset:=0.1",),
     ["planner.robot.flange_offset 0.1 (-p planner.robot.flange_offset)", "0.107 m"]),
    (("planner.robot.gripper_max_width:=0.07",),
     ["planner.robot.gripper_max_width 0.07", "opens 0.08 m"]),
    (("sim.base_frame:=world",), ["sim.base_frame 'world'", "-p sim.base_frame:=panda_link0"]),
    (("planner.robot.base_frame:=fr3_link0",), ["planner.robot.base_frame 'fr3_link0'"]),
    # a prefix the simulator publishes no joint of (fix61misc: refused as such, not as a frame)
    (("planner.robot.joint_prefix:=fr3_",), ["planner.robot.joint_prefix 'fr3_'",
                                              "-p planner.robot.joint_prefix:=panda_"]),
])
def test_launch_refuses_each_robot_value_the_simulator_does_not_share(
        launched, capsys, items, words):  # noqa: F811
    status, err = _launch(capsys, *items)
    assert status == 2 and not launched, (status, err)
    line = err.strip().splitlines()[-1]
    assert len(err.strip().splitlines()) == 1 and line.startswith("vjepa-ros launch: "), err
    for word in words:
        assert word in line, (word, line)


@pytest.mark.parametrize("items", [
    ("sim.controller.tcp_offset:=0.2", "planner.robot.tcp_xyz:=[0.0, 0.0, 0.2]"),
    (f"planner.robot.tcp_rpy:=[0.0, 0.0, {-math.pi / 4 + 2 * math.pi!r}]",),  # one rotation
    ("planner.robot.base_frame:=/panda_link0",),  # a leading '/' is ignored by both nodes
    ("planner.robot.base_frame:=base",),  # franka_description's base: panda_link0 for both
    ("planner.robot.joint_prefix:=panda_",),
])
def test_launch_starts_a_simulator_that_agrees_with_the_planner(
        launched, capsys, items):  # noqa: F811
    status, err = _launch(capsys, *items)
    assert "not started in this test" in err and launched.get("sim") is not None, (status, err)
