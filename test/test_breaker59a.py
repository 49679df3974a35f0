"""breaker59a: the planner node's lifecycle and threads, fifth round.

Attacked at 2b7ff011 (base59): ``nodes/planner_goals.py`` (``_on_set_parameters``,
``load_goal_files``), ``robot/goal_files.py`` (``check_goal_files``), ``nodes/planner_node.py``
(the stream timer, its watchdog), ``nodes/planner_commanding.py``, ``use_sim_time`` switched at
run time.

Defects (strict xfail at 2b7ff011):

1. A goal file set at run time (``ros2 param set /vjepa_planner goal_image_path
   /data/goal.jpg``, the documented way to change the goal while commanding) is decoded inside
   the parameter service's callback, on the planner node's one executor thread: the set-point
   stream timer, its watchdog, ``/diagnostics`` and every service stand still until the file
   is decoded (``check_goal_files`` → ``load_image_file``, then ``goals_from_files``). A phone
   photo (4032x3024 JPEG) takes 0.54 s to check on this machine, a 4032x3024 PNG 1.1 s, an
   8192x8192 PNG (the documented limit) 3.5 s, and ``goal_image_paths`` decodes each of its
   files: the enabled arm's set-point stops dead mid-motion for that long (the controller's
   target halts from up to ``safety.max_speed_m_s``, outside ``safety.max_accel_m_s2``), and a
   hold the stream would have taken meanwhile (stale inputs) waits for it.
   docs/planner_behaviour.md 'Threads': "every callback is short ... so subscriptions,
   services, parameters, the stream timer and diagnostics keep their rates".
   Should: the stream ticks while a goal file is decoded (decode off the executor thread, or
   on a callback group of its own).
"""

from __future__ import annotations

import threading
import time

import pytest
from planner_harness import WAIT_SLACK, checkpoint, frame, harness  # noqa: F401

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import SetParameters  # noqa: E402

import vjepa_ros.robot.goal_files as goal_files  # noqa: E402
from vjepa_ros.images import save_image_file  # noqa: E402


def _set_string(h, name: str, value: str):
    """Set string parameter ``name`` over ROS, as ``ros2 param set``: on the node's executor."""
    request = SetParameters.Request(parameters=[Parameter(name=name, value=ParameterValue(
        type=ParameterType.PARAMETER_STRING, string_value=value))])
    return h.call(SetParameters, "/vjepa_planner/set_parameters", request,
                  timeout=30.0).results[0]


def _commanding(h) -> None:
    """Capture a goal, enable, and wait until set-points stream."""
    h.pump(1.0)
    assert h.capture().success
    assert h.enable().success
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > 10), "no set-points"


def test_the_stream_ticks_while_a_goal_file_set_at_run_time_is_decoded(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """``ros2 param set /vjepa_planner goal_image_path /data/goal.jpg`` while commanding.

    The file's decode is made to last until the stream timer has ticked 3 times (at most
    ``2 * WAIT_SLACK`` s of wall time): where the decode runs on the executor thread that also
    runs the stream timer, no tick comes. Recorded: the stream ticks seen during the decode,
    and that the goal file was taken. Should: 3 ticks (the stream keeps its rate), the goal set.
    A real decode of a phone photo takes 0.5 s, of an 8192-px PNG 3.5 s (see the module).
    """
    h = harness()
    _commanding(h)
    path = save_image_file(tmp_path / "goal.png", frame(7))
    real = goal_files.load_image_file
    seen = []

    def slow_decode(p):
        rgb = real(p)
        ticks, last, deadline = 0, h.planner.stream_ticked, time.monotonic() + 2 * WAIT_SLACK
        while ticks < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
            if h.planner.stream_ticked != last:
                ticks, last = ticks + 1, h.planner.stream_ticked
        seen.append((threading.current_thread().name, ticks))
        return rgb

    monkeypatch.setattr(goal_files, "load_image_file", slow_decode)
    result = _set_string(h, "goal_image_path", str(path))
    assert result.successful, result.reason
    assert seen, "the goal file was never decoded"
    assert all(ticks >= 3 for _, ticks in seen), (
        f"stream ticks while the goal file was decoded (thread, ticks): {seen}")
    h.pump(1.0)
    assert h.planner.goal_parameter == "goal_image_path"


def _set_bool(h, name: str, value: bool):
    request = SetParameters.Request(parameters=[Parameter(name=name, value=ParameterValue(
        type=ParameterType.PARAMETER_BOOL, bool_value=value))])
    return h.call(SetParameters, "/vjepa_planner/set_parameters", request).results[0]


def test_use_sim_time_switched_on_while_commanding_holds_and_off_resumes(harness):  # noqa: F811
    """``ros2 param set /vjepa_planner use_sim_time true`` on an enabled, commanding planner.

    Held (session 59): no ``/clock`` publishes, so the node clock reads 0 and no input can be
    timed: no set-point goes out and ``/diagnostics`` names the clock (WARN, not OK). Switched
    back off, the inputs are timed again and set-points stream again.
    """
    h = harness()
    _commanding(h)
    assert _set_bool(h, "use_sim_time", True).successful
    h.pump(0.5)
    h.take_queued()
    held = len(h.got["pose"])
    h.pump(2.0)
    h.take_queued()
    assert len(h.got["pose"]) == held, "set-points went out on a clock reading 0"
    assert h.pump(2.0, until=lambda: "use_sim_time is true but no /clock" in
                  h.diagnostics()[0].message)
    assert h.diagnostics()[0].level != b"\x00"
    assert _set_bool(h, "use_sim_time", False).successful
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > held + 10), "never commanded again"
    assert h.pump(2.0, until=lambda: h.diagnostics()[0].level == b"\x00")
