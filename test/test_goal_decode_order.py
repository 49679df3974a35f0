"""fix59h: which goal wins when goal decodes overlap, and the hold while a goal file decodes.

``robot/goal_decoder.GoalDecoder`` hands outcomes back newest first and drops older requests
only once one became the goal (``applied``); ``nodes/goal_decodes.py`` applies them on the
executor and holds the session while a goal file set by parameter decodes
(``GoalSession.goal_decoding_began``). Over ROS: every pair of a first goal decoding (a file
set by parameter, an image on ``~/goal_image``) and a second one arriving meanwhile that is
accepted, changes nothing or is refused (breaker59h #1), as a table; and the hold's words in
``~/enable``, ``/diagnostics`` and the plan reports (breaker59h #2).
"""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import planner_harness as rig
import pytest
from planner_harness import WAIT_SLACK, checkpoint, frame, harness  # noqa: F401

from vjepa_ros.robot.goal_decoder import GoalDecoder

# -- the decoder alone: newest first, an older request dropped only by one applied ------------


def test_goal_decoder_hands_outcomes_newest_first_and_drops_older_only_when_applied():
    """Random submits, cancels, decode ends, and takes applied or not: the model holds.

    Model: the requests not taken nor dropped, oldest first. A take returns the newest of them
    (or None while it decodes); applied, every older one is dropped; not applied (no change,
    refused), none is. At the end every request left is handed over once, newest first.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    ops = st.lists(st.sampled_from(["submit", "fail", "cancel", "release", "apply", "refuse"]),
                   min_size=1, max_size=14)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ops=ops)
    def run(ops):
        decoder = GoalDecoder(lambda: None, name="test goal decoder",
                              lane=lambda what: None)  # the order; the bound: test_goal_decoder
        events, alive, taken = [], [], set()

        def decode(number, event, fail):
            def work():
                event.wait(10.0)
                if fail:
                    raise ValueError(f"bad {number}")
                return number
            return work

        def take(apply):
            done = decoder._take()  # one at a time, as hand_over takes them
            if done is None:
                return None
            assert alive and done.what == alive[-1], (done.what, alive)
            assert done.what not in taken
            taken.add(done.what)
            alive.pop()
            if done.error is None:
                assert done.value == done.what
            else:
                assert str(done.error) == f"bad {done.what}"
            if apply:
                decoder._applied(done.ticket)
                alive.clear()  # (only older ones were left)
            return done

        try:
            for op in ops:
                if op in ("submit", "fail"):
                    number = len(events)
                    events.append(threading.Event())
                    assert decoder.submit(number, decode(number, events[-1], op == "fail"))
                    alive.append(number)
                else:
                    play(decoder, op, events, alive, take)
                assert decoder.pending() == alive
            drain(decoder, events, alive, take)
        finally:
            for event in events:
                event.set()
            decoder.close()

    run()


def play(decoder, op: str, events: list, alive: list, take) -> None:
    """Play a model op other than a submit: cancel, release (the oldest held decode), a take."""
    if op == "cancel":
        decoder.cancel()
        alive.clear()
    elif op == "release" and events:
        next((e for e in events if not e.is_set()), events[-1]).set()
        time.sleep(0.002)
    elif op in ("apply", "refuse"):
        take(op == "apply")


def drain(decoder, events: list, alive: list, take) -> None:
    """Release every decode; every request left must be handed over, newest first."""
    for event in events:
        event.set()
    deadline = time.monotonic() + 10.0
    while alive and time.monotonic() < deadline:  # the rest, newest first
        if take(False) is None:
            time.sleep(0.001)
    assert not alive, f"never handed over: {alive}"
    assert _until(decoder.idle) and decoder.pending() == []


def test_a_closed_decoder_drops_a_request_without_raising():
    decoder = GoalDecoder(lambda: None)
    decoder.close()
    assert decoder.submit("late", lambda: 1) is None and decoder.idle()


def _until(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.002)
    return predicate()


# -- over ROS: every pair of overlapping goal decodes, as a table -----------------------------

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from rcl_interfaces.msg import Log  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import SetBool  # noqa: E402

import vjepa_ros.nodes.planner_goal_images as planner_goal_images  # noqa: E402
import vjepa_ros.nodes.planner_goals as planner_goals  # noqa: E402
from vjepa_ros.images import rgb_to_image_fields, save_image_file  # noqa: E402

OLD, FIRST, SECOND = 99, 7, 5  # frame seeds: the goal in force, the first request's, the second's


_async, _set_path = rig.call_async, rig.set_goal_path


def _goal_image(h):
    goals = h.session.goals
    return None if goals is None else goals.goals[0].image


def _hold_first(monkeypatch, name: str) -> tuple[threading.Event, threading.Event]:
    """Hold the first call of decode ``name`` (where the node calls it) until released.

    ``goals_from_files``: a goal file's decode (``planner_goals``); ``_decoded_goal_image``: a
    goal image's (``planner_goal_images``).
    """
    module = planner_goal_images if name == "_decoded_goal_image" else planner_goals
    entered, release, real = threading.Event(), threading.Event(), getattr(module, name)

    def held(*args, **kwargs):
        if not entered.is_set():
            entered.set()
            release.wait(30.0 * WAIT_SLACK)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    return entered, release


def _refused_file(path):
    """Write a PNG whose header passes the set's check and whose decode refuses it (cut short)."""
    save_image_file(path, frame(3))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return str(path)


def _second(h, tmp_path, kind: str, what: str, first: str) -> None:
    """Send the second request: a file or an image, accepted, no change or refused."""
    if kind == "image":
        rgb = {"accepted": frame(SECOND), "no change": frame(OLD),  # a re-sent copy
               "refused": np.zeros((8, 8, 3), np.uint8)}[what]  # under 32 px a side
        assert rig.publish_goal_taken(h, rgb), "the goal image was never taken"
        return
    if what == "accepted":
        value = str(save_image_file(tmp_path / "second.png", frame(SECOND)))
    elif what == "no change":  # its value in force: answered, no goal change
        value = str(tmp_path / "first.png") if first == "file" else ""
    else:
        value = _refused_file(tmp_path / "refused.png")
    assert _set_path(h, value).successful


@pytest.mark.parametrize("what", ["accepted", "no change", "refused"])
@pytest.mark.parametrize("first,second", [("file", "image"), ("image", "file"),
                                          ("image", "image"), ("file", "file")])
def test_overlapping_goal_decodes_the_newest_goal_that_is_applied_wins(
        harness, tmp_path, monkeypatch, first, second, what):  # noqa: F811
    """A goal decodes (held); a second request comes meanwhile: accepted, no change, refused.

    Accepted (new pixels): the second one is the goal. No change (a re-sent copy of the goal in
    force; the file parameter set to its value in force) or refused (an 8x8 image; a PNG with
    transparent pixels): the first one is, never lost (breaker59h #1), and the goal parameters
    say where the goal came from.
    """
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(OLD))))
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None
                  and np.array_equal(_goal_image(h), frame(OLD)))
    if first == "file":
        entered, release = _hold_first(monkeypatch, "goals_from_files")
        path = save_image_file(tmp_path / "first.png", frame(FIRST))
        assert _set_path(h, str(path)).successful
    else:
        entered, release = _hold_first(monkeypatch, "_decoded_goal_image")
        h.goal_pub.publish(Image(**rgb_to_image_fields(frame(FIRST))))
    assert h.pump(5.0, until=entered.is_set), "the first goal never started decoding"
    _second(h, tmp_path, second, what, first)
    release.set()
    deadline = time.monotonic() + 5.0 * WAIT_SLACK
    while not h.planner.goal_decoder.idle() and time.monotonic() < deadline:
        h.pump(0.05)
    h.pump(0.3)
    wins, source = (SECOND, second) if what == "accepted" else (FIRST, first)
    lines = [m.msg for m in h.got["log"]][-6:]
    assert np.array_equal(_goal_image(h), frame(wins)), (
        f"the goal is not the {'second' if wins == SECOND else 'first'} request's; {lines}")
    path_value = h.planner.get_parameter("goal_image_path").value
    assert (path_value != "") == (source == "file"), path_value
    if source == "file":  # (a refused second file: set back to the first, which won)
        assert path_value.endswith("second.png" if wins == SECOND else "first.png"), path_value
    if what == "refused":
        assert h.logs("not applied" if second == "file" else "ignoring goal image",
                      level=Log.ERROR), lines
    assert h.session.goal_decoding == "" and h.launch.executor.error is None


# -- the hold while a goal file decodes -------------------------------------------------------

def test_the_goal_decoding_hold_is_said_and_ends_when_the_file_is_refused(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """Enabled, a goal file set, refused by its decode: held meanwhile, then the old goal on.

    The hold is the session's (``~/enable`` answer and ``/diagnostics`` name it); a plan begun
    before is void; once the file is refused (one error line saying the previous goal goes
    on) plans toward the old goal are commanded again.
    """
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(OLD))))
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None)
    entered, release = _hold_first(monkeypatch, "goals_from_files")
    assert _set_path(h, _refused_file(tmp_path / "refused.png")).successful
    assert h.pump(5.0, until=entered.is_set)
    answer = _async(h, SetBool, "/vjepa_planner/enable", SetBool.Request(data=True))
    assert answer.success and "goal decoding: goal_image_path refused.png" in answer.message, \
        answer.message
    h.got["report"].clear()
    h.pump(1.0)
    _, values = h.diagnostics()
    assert any("goal decoding" in v for v in values.values()), values
    reports = [json.loads(m.data) for m in h.got["report"]]
    assert not any(r["commanded"] for r in reports), "commanded while the goal file decodes"
    release.set()
    assert h.pump(5.0, until=lambda: h.logs("not applied", level=Log.ERROR))
    assert h.logs("the arm still pursues the previous goal")
    assert h.pump(5.0, until=lambda: any(
        json.loads(m.data)["commanded"] for m in h.got["report"])), "the old goal never resumed"
    assert np.array_equal(_goal_image(h), frame(OLD)) and h.session.goal_decoding == ""


def test_shadow_mode_plans_while_a_goal_file_decodes_are_labelled(
        harness, tmp_path, monkeypatch):  # noqa: F811
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(OLD))))
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None)
    entered, release = _hold_first(monkeypatch, "goals_from_files")
    assert _set_path(h, str(save_image_file(tmp_path / "new.png", frame(FIRST)))).successful
    assert h.pump(5.0, until=entered.is_set)
    h.got["report"].clear()
    labelled = "planned toward the goal being replaced (goal_image_path new.png decoding)"
    assert h.pump(5.0, until=lambda: any(labelled in json.loads(m.data)["detail"]
                                         for m in h.got["report"])), \
        [json.loads(m.data)["detail"] for m in h.got["report"]][-3:]
    release.set()
    assert h.pump(5.0, until=lambda: np.array_equal(_goal_image(h), frame(FIRST)))
    assert h.session.goal_decoding == ""


# -- the guard condition's callback never ends the spin ----------------------------------------

def test_an_unexpected_error_applying_a_decoded_goal_disables_commanding_and_the_node_runs(
        harness, monkeypatch):  # noqa: F811
    """Any exception while a decoded goal is applied: as other callback errors, never the spin.

    Handled as the node's other unexpected callback errors (``_failed``): commanding disabled,
    ``/diagnostics`` ERROR naming it, one error line, the previous goal kept; the next goal
    image is applied again.
    """
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(OLD))))
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None)
    assert h.enable().success
    real = h.session.set_goals

    def broken(goals):
        raise RuntimeError("a bug in set_goals")

    monkeypatch.setattr(h.session, "set_goals", broken)
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(FIRST))))
    assert h.pump(3.0, until=lambda: h.logs("applying a decoded goal failed", level=Log.ERROR))
    h.pump(0.5)
    assert h.launch.executor.error is None
    assert not h.session.enabled and np.array_equal(_goal_image(h), frame(OLD))
    def said():
        status = h.got["diag"][-1].status[0] if h.got["diag"] else None
        return status is not None and status.level in (2, b"\x02") and any(
            "a bug in set_goals" in kv.value for kv in status.values)

    assert h.pump(3.0, until=said), h.diagnostics()
    monkeypatch.setattr(h.session, "set_goals", real)
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(SECOND))))
    assert h.pump(3.0, until=lambda: np.array_equal(_goal_image(h), frame(SECOND)))


def test_a_goal_file_set_during_shutdown_is_refused_in_its_answer(harness, tmp_path):  # noqa: F811
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(OLD))))  # (the graph knows it now)
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None)
    path = save_image_file(tmp_path / "late.png", frame(FIRST))
    h.planner.prepare_shutdown(5.0)
    result = _set_path(h, str(path))
    assert not result.successful and "shutting down" in result.reason, result.reason
    dropped = "is dropped: the node is shutting down"
    for seed in (SECOND, FIRST):  # (ros2 topic pub -r 1 while Launch.shutdown waits on plans)
        h.goal_pub.publish(Image(**rgb_to_image_fields(frame(seed))))
        assert h.pump(3.0, until=lambda: h.logs(dropped))
    h.pump(1.0)
    assert len(h.logs(dropped)) == 1  # said once
    assert h.launch.executor.error is None


def test_a_goal_file_set_back_to_empty_while_it_decodes_ends_the_hold_at_once(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """``goal_image_path`` new.png, then '' before it decoded: no hold on a file no longer named.

    The old goal (from the topic) stays, said by the set's own line; the file request is
    dropped at once, its decode under way then ending unused (fix59v: review59t #2).
    """
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(OLD))))
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None)
    assert h.enable().success
    entered, release = _hold_first(monkeypatch, "goals_from_files")
    assert _set_path(h, str(save_image_file(tmp_path / "new.png", frame(FIRST)))).successful
    assert h.pump(5.0, until=entered.is_set)
    assert h.session.goal_decoding == "goal_image_path new.png"
    assert _set_path(h, "").successful
    assert h.session.goal_decoding == "" and h.logs("did not come from a goal file and stays")
    assert h.planner.goal_decoder.pending() == [], "a withdrawn file request is still held"
    h.got["report"].clear()
    assert h.pump(5.0, until=lambda: any(
        json.loads(m.data)["commanded"] for m in h.got["report"])), "the old goal never resumed"
    release.set()
    assert h.pump(3.0, until=h.planner.goal_decoder.idle)
    h.pump(0.3)
    assert np.array_equal(_goal_image(h), frame(OLD))


def test_different_goal_images_faster_than_they_decode_are_bounded_and_the_newest_wins(
        harness, monkeypatch):  # noqa: F811
    """review59t #1 over ROS: pictures that each come while the first decodes wait one at a time.

    The first decodes (held); four different pictures come meanwhile: only the newest waits
    (each older waiting one dropped, its message released), and once the first is decoded the
    newest is decoded and becomes the goal; the ones dropped are never decoded.
    """
    h = harness()
    entered, release = _hold_first(monkeypatch, "_decoded_goal_image")
    decoded, real = [], planner_goal_images._decoded_goal_image

    def counted(msg):
        decoded.append(msg.header.frame_id)
        return real(msg)

    monkeypatch.setattr(planner_goal_images, "_decoded_goal_image", counted)
    seeds = [20, 21, 22, 23, 24]
    assert rig.publish_goal_taken(h, frame(seeds[0]))
    assert h.pump(5.0, until=entered.is_set)
    for seed in seeds[1:]:
        assert rig.publish_goal_taken(h, frame(seed)), "a goal image was never taken"
        waiting = [what for what in h.planner.goal_decoder.pending() if what[0] == "image"]
        assert len(waiting) <= 2, f"{len(waiting)} goal images held (one decodes, one waits)"
    release.set()
    assert h.pump(5.0 * WAIT_SLACK, until=h.planner.goal_decoder.idle)
    h.pump(0.3)
    assert np.array_equal(_goal_image(h), frame(seeds[-1])), "the newest picture is not the goal"
    assert len(decoded) == 2, f"{len(decoded)} decodes: the first, the newest, and dropped ones"
