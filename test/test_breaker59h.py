"""breaker59h: the planner node's lifecycle, part 2, and fix59a's goal decoder.

Attacked at 63f97164 (base59h): ``robot/goal_decoder.py`` (``GoalDecoder``),
``nodes/planner_goals.py`` (``_take_goal_image``, ``_apply_goal_image``,
``_decode_goal_files``, ``_apply_goal_files``, ``_take_decoded_goal``),
``nodes/planner_commanding.py`` (``_enable``, ``prepare_shutdown``).

Each decode here is held on the decoder's thread by an event the test releases (a phone photo
takes 0.5 s to decode, an 8192-px PNG 3.5 s: the window is real, the event only makes it
deterministic).

Defects (strict xfail at 63f97164):

1. A goal set by parameter is dropped by a goal image that then changes nothing. A lab's
   ``ros2 topic pub /vjepa_planner/goal_image ...`` (no ``--once``) re-sends the goal image at
   1 Hz; the user sets ``goal_image_path`` to a new file (answered successful, "decoding ...
   the previous goal stays until they are decoded"). The next re-sent copy of the old image is
   submitted to the decoder while the file decodes and supersedes it (``GoalDecoder.submit``
   drops the older request before anyone knows whether the image will become the goal); the
   copy then has the goal's pixels (``_same_goal_image``: no goal change), so neither goal is
   applied: the arm keeps the old goal, the parameter says the new file, and setting it again
   is "set to its value in force, its files unchanged ...: no goal change". The same for a goal
   image the decode refuses (too small, transparent): "ignoring goal image ...; the previous
   goal stays", and the file goal silently lost. Should: a goal image that does not become the
   goal drops no other request (supersede only once it is applied).
2. ``~/enable true`` while a goal file set by parameter decodes commands the arm toward the
   goal being replaced: ``ros2 param set /vjepa_planner goal_image_path new.png`` then
   ``ros2 service call /vjepa_planner/enable ...`` (a lab script; before fix59a the goal was
   ``new.png`` once the set was answered) plans and commands toward the previous goal for the
   whole decode (0.5-3.5 s), and neither the ``~/enable`` answer nor ``/diagnostics`` says a
   goal is still decoding. Should: no plan toward a goal already replaced is commanded (a
   "goal decoding" hold, said in the answer and ``/diagnostics``), or the set answered after
   the decode.
3. With ``goals.gripper: subgoal``, a ``~/goal_image`` (which carries no hand state) makes
   ``session.set_goals`` raise ValueError inside ``_apply_goal_image`` (the guard condition's
   callback); before fix59a it was caught ("ignoring goal image ...: goals.gripper is
   'subgoal' but ... capture the goal with ~/capture_goal ..."), now it escapes the executor:
   the planner's spin ends with a traceback (``ros2 run``: the node exits; ``vjepa-ros
   launch``: every node stops), an enabled arm left without its set-point stream. Should: one
   error line, the previous goal kept, the node running.
4. ``vjepa-ros launch`` stopped (Ctrl-C, ``Launch.shutdown``) while a goal image keeps coming
   (``ros2 topic pub -r 1``) or a goal parameter is set: ``prepare_shutdown`` closes the goal
   decoder, then waits for the plans (up to 30 s: a first plan compiling) while the executors
   still spin; the next ``~/goal_image`` (or ``goal_image_path`` set) calls
   ``GoalDecoder.submit``, which raises RuntimeError("the goal decoder is closed ...") out of
   the subscription (parameter) callback: the planner's spin ends with a traceback and every
   other node of the launch is stopped as after a callback's error. Should: a goal that comes
   while the node shuts down is dropped quietly (or in one line).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from planner_harness import (  # noqa: F401
    WAIT_SLACK,
    call_async,
    checkpoint,
    frame,
    harness,
    publish_goal_taken,
    set_goal_path,
)

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rcl_interfaces.msg import Log, Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import SetParameters  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import SetBool, Trigger  # noqa: E402

import vjepa_ros.nodes.planner_goals as planner_goals  # noqa: E402
from vjepa_ros.images import rgb_to_image_fields, save_image_file  # noqa: E402
from vjepa_ros.robot.plan_record import PlanRecord  # noqa: E402


class HeldDecode:
    """Hold each goal file decode (``planner_goals.goals_from_files``) until released."""

    def __init__(self, monkeypatch, what: str = "goals_from_files"):
        self.entered, self.release = threading.Event(), threading.Event()
        real = getattr(planner_goals, what)

        def held(*args, **kwargs):
            self.entered.set()
            self.release.wait(30.0 * WAIT_SLACK)
            return real(*args, **kwargs)

        monkeypatch.setattr(planner_goals, what, held)


_async, _set_path = call_async, set_goal_path  # (planner_harness)


def _settle_decoder(h, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds * WAIT_SLACK
    while not h.planner.goal_decoder.idle() and time.monotonic() < deadline:
        h.pump(0.05)
    h.pump(0.3)


def _goal_image(h):
    goals = h.session.goals
    return None if goals is None else goals.goals[0].image


def _reports(h) -> list[PlanRecord]:
    import json

    return [json.loads(m.data) for m in h.got["report"]]


def _topic_goal(h, seed: int = 99) -> np.ndarray:
    """Publish goal image ``frame(seed)`` on the latched ``~/goal_image``; wait until it is set."""
    rgb = frame(seed)
    h.goal_pub.publish(Image(**rgb_to_image_fields(rgb)))
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None and np.array_equal(
        _goal_image(h), rgb)), "the goal image never became the goal"
    return rgb


def _file_goal_decoding(h, path, monkeypatch, rgb: np.ndarray) -> HeldDecode:
    """Set goal_image_path to ``path`` (saved from ``rgb``); return once its decode is held."""
    save_image_file(path, rgb)
    held = HeldDecode(monkeypatch)
    assert _set_path(h, str(path)).successful
    assert held.entered.wait(5.0 * WAIT_SLACK), "the goal file never started decoding"
    return held


# -- 1. a goal image that changes nothing drops the goal file decoding -------------------------

@pytest.mark.parametrize("sent", ["resent", "refused"])
def test_a_goal_image_that_changes_nothing_does_not_drop_a_goal_file_set_meanwhile(
        harness, tmp_path, monkeypatch, sent):  # noqa: F811
    """The user sets goal_image_path; meanwhile a goal image comes that changes nothing.

    resent: ``ros2 topic pub`` re-sends the goal image in force at 1 Hz (same pixels: no goal
    change); refused: an image the decode refuses (8x8 px: one error line, "the previous goal
    stays"). Either way the file's goal should be applied once decoded.
    """
    h = harness()
    old = _topic_goal(h)
    new, path = frame(7), tmp_path / "new_goal.png"
    held = _file_goal_decoding(h, path, monkeypatch, new)
    image = old if sent == "resent" else np.zeros((8, 8, 3), np.uint8)  # under 32 px a side
    publish_goal_taken(h, image)  # (a node that drops it before taking it: 20 s, then on)
    held.release.set()  # (its decode waits for the decoder's thread, held in the file's)
    _settle_decoder(h)
    if sent == "refused":
        assert h.pump(2.0, until=lambda: h.logs("ignoring goal image", level=Log.ERROR)), \
            [m.msg for m in h.got["log"]][-6:]
    assert h.planner.get_parameter("goal_image_path").value == str(path)
    assert np.array_equal(_goal_image(h), new), (
        f"goal_image_path says the new file, the goal is still the old one; logs: "
        f"{h.logs('goal')[-4:]}")


# -- 2. ~/enable while the new goal decodes commands toward the old one -------------------------

def test_enable_while_a_goal_file_decodes_commands_nothing_toward_the_replaced_goal(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """``ros2 param set ... goal_image_path new.png`` then ``~/enable true`` (a lab script)."""
    h = harness()
    _topic_goal(h)
    replaced_version = h.session.goal_version
    held = _file_goal_decoding(h, tmp_path / "new_goal.png", monkeypatch, frame(9))
    answer = _async(h, SetBool, "/vjepa_planner/enable", SetBool.Request(data=True))
    assert answer.success
    seen = h.pump(1.0, until=lambda: any(  # (10 s: a plan is 0.1 s here)
        r["commanded"] and r["goal_version"] == replaced_version for r in _reports(h)))
    _, values = h.diagnostics()
    held.release.set()
    _settle_decoder(h)
    said = "decod" in answer.message or any("decod" in v for v in values.values())
    assert not seen or said, (
        f"commanded toward the replaced goal while the new one decoded; ~/enable said "
        f"{answer.message!r}, /diagnostics {values}")
    assert not seen, "a plan toward the goal already replaced was commanded"


# -- 3. goals.gripper subgoal: a ~/goal_image ends the node's spin -----------------------------

def test_goal_image_under_subgoal_gripper_is_refused_in_one_line_and_the_node_runs(
        harness):  # noqa: F811
    h = harness(**{"goals.gripper": "subgoal"})
    h.pump(1.0)
    assert h.capture().success  # a captured goal (with the hand) to keep
    kept = _goal_image(h).copy()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))
    h.pump(2.0, until=lambda: h.logs("goal image") or h.launch.executor.error is not None)
    h.pump(0.5)
    error = h.launch.executor.error
    assert error is None, f"the planner's spin ended: {type(error).__name__}: {error}"
    assert np.array_equal(_goal_image(h), kept)
    assert h.logs("ignoring goal image", level=Log.ERROR)
    assert _async(h, Trigger, "/vjepa_planner/capture_goal", Trigger.Request()).success


# -- held ---------------------------------------------------------------------------------------

def test_clear_goals_during_a_goal_file_decode_drops_it_and_the_parameter(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """~/clear_goals while a goal file decodes: no goal afterwards, the parameter emptied."""
    h = harness()
    _topic_goal(h)
    held = _file_goal_decoding(h, tmp_path / "new_goal.png", monkeypatch, frame(10))
    assert _async(h, Trigger, "/vjepa_planner/clear_goals", Trigger.Request()).success
    held.release.set()
    _settle_decoder(h)
    assert h.session.goals is None
    assert h.planner.get_parameter("goal_image_path").value == ""


def test_a_newer_goal_file_set_during_a_decode_wins(harness, tmp_path, monkeypatch):  # noqa: F811
    h = harness()
    _topic_goal(h)
    first = save_image_file(tmp_path / "first.png", frame(11))
    second_rgb = frame(12)
    second = save_image_file(tmp_path / "second.png", second_rgb)
    held = HeldDecode(monkeypatch)
    assert _set_path(h, str(first)).successful
    assert held.entered.wait(5.0 * WAIT_SLACK)
    assert _set_path(h, str(second)).successful
    held.release.set()
    _settle_decoder(h)
    assert np.array_equal(_goal_image(h), second_rgb)
    assert h.planner.goal_parameter == "goal_image_path"
    assert h.planner.goal_files_loaded == [str(second)]


# -- shutdown while the executors still spin (Launch.shutdown waits on plans) -------------------

@pytest.mark.parametrize("sent", ["image", "parameter"])
def test_a_goal_after_prepare_shutdown_raises_nothing_into_the_executor(
        harness, tmp_path, sent):  # noqa: F811
    """``Launch.shutdown`` closes the goal decoder, then waits for plans while the executors spin.

    ``prepare_shutdown`` is what ``Launch.shutdown`` calls for every planner (its wait for a
    plan: up to 30 s for one stuck in the model) before it stops the executors, which spin on.
    image: a ``~/goal_image`` re-sent at 1 Hz; parameter: ``ros2 param set ... goal_image_path``.
    """
    h = harness()
    _topic_goal(h)
    path = save_image_file(tmp_path / "late_goal.png", frame(98))
    h.planner.prepare_shutdown(5.0)
    if sent == "image":
        h.goal_pub.publish(Image(**rgb_to_image_fields(frame(98))))
    else:
        client = h.node.create_client(SetParameters, "/vjepa_planner/set_parameters")
        client.call_async(SetParameters.Request(parameters=[Parameter(
            name="goal_image_path", value=ParameterValue(
                type=ParameterType.PARAMETER_STRING, string_value=str(path)))]))
    h.pump(1.5)
    error = h.launch.executor.error
    assert error is None, f"the planner's spin ended: {type(error).__name__}: {error}"


def test_goal_steps_set_while_its_goal_files_decode_apply_to_them(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """goal_image_paths set, then goal_steps while they decode: the goal gets those steps."""
    h = harness()
    _topic_goal(h)
    paths = [str(save_image_file(tmp_path / f"g{i}.png", frame(20 + i))) for i in range(2)]
    held = HeldDecode(monkeypatch)
    request = SetParameters.Request(parameters=[Parameter(
        name="goal_image_paths", value=ParameterValue(
            type=ParameterType.PARAMETER_STRING_ARRAY, string_array_value=paths))])
    assert _async(h, SetParameters, "/vjepa_planner/set_parameters", request).results[0].successful
    assert held.entered.wait(5.0 * WAIT_SLACK)
    request = SetParameters.Request(parameters=[Parameter(
        name="goal_steps", value=ParameterValue(
            type=ParameterType.PARAMETER_INTEGER_ARRAY, integer_array_value=[3, 0]))])
    assert _async(h, SetParameters, "/vjepa_planner/set_parameters", request).results[0].successful
    held.release.set()
    _settle_decoder(h)
    goals = h.session.goals
    assert len(goals.goals) == 2 and goals.steps == [3, 0]
    assert np.array_equal(goals.goals[1].image, frame(21))


def test_shutdown_during_a_goal_file_decode_ends_cleanly_and_applies_nothing(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """Ctrl-C of ``vjepa-ros launch`` (``Launch.shutdown``) while a goal file decodes."""
    h = harness()
    old = _topic_goal(h)
    held = _file_goal_decoding(h, tmp_path / "new_goal.png", monkeypatch, frame(13))
    session, decoder = h.session, h.planner.goal_decoder
    started = time.monotonic()
    h.launch.shutdown(timeout=10.0)
    assert time.monotonic() - started < 10.0 * WAIT_SLACK
    held.release.set()  # the decode ends after the node is gone: nothing is applied
    deadline = time.monotonic() + 5.0 * WAIT_SLACK
    while not decoder.idle() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert decoder.idle() and decoder.pending() == []
    assert np.array_equal(session.goals.goals[0].image, old)
    assert h.launch.executor.error is None


# -- the goal decoder alone ---------------------------------------------------------------------
# (its property test moved to test/test_goal_decode_order.py with fix59h's contract: newest
# first, an older request dropped only once a newer one was applied)
