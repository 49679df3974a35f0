"""The planner's goal decoder: decodes off the caller's thread, newest first (fix59a, fix59h).

``robot/goal_decoder.GoalDecoder`` (ROS-free) and, over ROS, a goal image on ``~/goal_image``
decoded while the set-point stream keeps ticking (breaker59a #1's topic path).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from planner_harness import WAIT_SLACK, checkpoint, frame, harness  # noqa: F401

from vjepa_ros.robot.goal_decoder import GoalDecoder


def _wait(predicate, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.005)
    return predicate()


def test_a_newer_request_is_handed_over_first_and_drops_the_older_once_applied():
    ready, release, threads = threading.Event(), threading.Event(), []
    decoder = GoalDecoder(ready.set)

    def slow():
        threads.append(threading.current_thread().name)
        release.wait(10.0)
        return "old"

    decoder.submit("A", slow)
    assert _wait(lambda: decoder.pending() == ["A"] and threads)
    decoder.submit("B", lambda: "new")
    release.set()
    assert _wait(ready.is_set)
    kept = []

    def apply(done):  # B became the goal: A's outcome dropped
        kept.append(decoder.pending())
        return True

    (done,) = _handed(decoder, apply)
    assert (done.what, done.value, done.error) == ("B", "new", None)
    assert kept == [["A"]]  # B not applied yet: A is kept (breaker59h #1)
    assert decoder.pending() == [] and decoder.idle()
    assert threads == ["goal decoder"]


def test_an_older_request_is_handed_over_once_the_newer_one_was_not_applied():
    release, started = threading.Event(), threading.Event()
    decoder = GoalDecoder(lambda: None)
    decoder.submit("A", lambda: started.set() or (release.wait(10.0) and "a"))
    assert _wait(started.is_set)  # (a request still waiting is dropped by a newer one)
    decoder.submit("copy", lambda: "same pixels")  # a re-sent copy: no goal change
    release.set()
    assert decoder.pending() == ["A", "copy"]
    assert _next(decoder).what == "copy"  # newest first; taken, not applied (no goal change)
    done = _next(decoder)
    assert (done.what, done.value) == ("A", "a") and decoder.idle()


def _handed(decoder, apply=lambda done: False):
    """Return the outcomes ``decoder.hand_over(apply)`` hands over now, newest first."""
    handed = []
    decoder.hand_over(lambda done: handed.append(done) or apply(done))
    return handed


def _next(decoder, seconds=10.0):
    """Return the next outcome taken (waiting up to ``seconds`` for its decode), not applied.

    One at a time, as ``hand_over`` takes them (its private ``_take``): the tests that step
    between two outcomes.
    """
    done, deadline = None, time.monotonic() + seconds
    while done is None and time.monotonic() < deadline:
        done = decoder._take()
        time.sleep(0.002)
    assert done is not None, "nothing handed over"
    return done


def test_cancel_drops_every_request_and_errors_are_handed_over():
    release, ready, started = threading.Event(), threading.Event(), threading.Event()
    decoder = GoalDecoder(ready.set)
    decoder.submit("A", lambda: started.set() or release.wait(10.0))
    assert _wait(started.is_set)
    decoder.submit("B", lambda: "b")
    assert _wait(lambda: decoder.pending() == ["A", "B"])
    decoder.cancel()  # a goal set another way (a service) meanwhile
    release.set()
    assert _wait(decoder.idle) and _handed(decoder) == [] and decoder.pending() == []
    ready.clear()
    decoder.submit("bad", lambda: (_ for _ in ()).throw(ValueError("cut short")))
    assert _wait(ready.is_set)
    (done,) = _handed(decoder)
    assert done.what == "bad" and isinstance(done.error, ValueError) and done.value is None
    decoder.close()
    assert decoder.submit("late", lambda: None) is None  # shutting down: dropped (#4)


def test_what_waits_is_bounded_per_lane_and_the_newest_still_wins():
    """review59t #1: one waiting, one decoding, one decoded fallback per lane; lane None kept.

    Images (lane "image") arrive faster than they decode; file requests (lane None) are the
    caller's to bound. A waiting image is dropped, never decoded, by a newer one; a decoded
    one by a newer decoded one while the newest still decodes; the order stays newest first.
    """
    gates = {name: threading.Event() for name in "ABCD"}
    decoded, started = [], {name: threading.Event() for name in "ABCD"}

    def decode(name):
        def work():
            started[name].set()
            gates[name].wait(10.0)
            decoded.append(name)
            return name.lower()
        return work

    decoder = GoalDecoder(lambda: None, lane=lambda what: None if what[0] == "file" else "image")
    decoder.submit(("image", "A"), decode("A"))
    assert _wait(started["A"].is_set)
    decoder.submit(("file", "F"), lambda: "f")  # another lane's: never dropped here
    decoder.submit(("image", "B"), decode("B"))
    decoder.submit(("image", "C"), decode("C"))  # B waited: dropped, its data released
    assert decoder.pending() == [("image", "A"), ("file", "F"), ("image", "C")]
    gates["A"].set()
    assert _wait(started["C"].is_set)  # the newest next
    decoder.submit(("image", "D"), decode("D"))
    gates["C"].set()
    assert _wait(lambda: decoder.pending() == [("file", "F"), ("image", "C"), ("image", "D")]), \
        decoder.pending()  # C decoded while D is newer: A, the older fallback, dropped
    gates["D"].set()
    assert [_next(decoder).what for _ in range(3)] == [("image", "D"), ("image", "C"),
                                                       ("file", "F")]  # none applied
    assert _wait(decoder.idle) and "B" not in decoded and decoded == ["A", "C", "D"]
    decoder.close()


def _decoded(decoder, ready, *names):
    """Submit ``names`` one by one, each once the one before is decoded (waiting, oldest first)."""
    for name in names:
        ready.clear()
        decoder.submit(name, lambda name=name: name.lower())
        assert _wait(ready.is_set), f"{name} never decoded"


def test_a_hand_over_is_idle_only_once_its_outcomes_are_applied_and_finished():
    """mend60a: ``idle()`` was True once an outcome was taken, before it was applied.

    A caller on another thread that waits for idle and then reads the goal (every goal test;
    ``goal_decided``) read the old goal where the executor had taken the outcome and not yet
    applied it. Here each apply and the finish are held: idle stays False until both ended.
    """
    ready = threading.Event()
    decoder = GoalDecoder(ready.set)
    _decoded(decoder, ready, "A", "B")
    gates = {name: threading.Event() for name in ("B", "A", "finish")}
    entered = {name: threading.Event() for name in gates}
    order = []

    def held(name, result):
        entered[name].set()
        gates[name].wait(60.0)
        order.append(name)
        return result

    def apply(done):
        return held(done.what, done.what == "A")  # B changes nothing, A becomes the goal

    hand = threading.Thread(target=decoder.hand_over,
                            args=(apply, lambda: held("finish", None)))
    hand.start()
    for name in gates:  # the executor holds each step; another thread asks meanwhile
        assert _wait(entered[name].is_set), f"{name} never handed over"
        assert not decoder.idle(), f"idle while {name} is not applied yet"
        gates[name].set()
    hand.join(60.0)
    assert order == ["B", "A", "finish"] and decoder.idle() and decoder.pending() == []


def test_an_error_in_a_hand_over_is_raised_and_leaves_the_rest_to_take():
    ready = threading.Event()
    decoder = GoalDecoder(ready.set)
    _decoded(decoder, ready, "A", "B")

    def broken(done):
        raise RuntimeError(f"applying {done.what}")

    with pytest.raises(RuntimeError, match="applying B"):
        decoder.hand_over(broken)
    assert decoder.pending() == ["A"] and not decoder.idle()  # A waits to be taken
    handed = []
    decoder.hand_over(lambda done: handed.append(done.what))
    assert handed == ["A"] and decoder.idle()


def test_the_goal_decoder_is_idle_only_once_the_decoded_goal_image_is_applied(harness,  # noqa: F811
                                                                               monkeypatch):
    """mend60a: a goal image decoded while the planner's executor is held in applying it.

    A test (or any caller off the executor) waiting for ``goal_decoder.idle()`` and then
    reading the goal got the old goal: idle was True once the executor had taken the outcome
    (``GoalDecoder.take``), before ``_apply_decoded`` set it (breaker29b's goal_steps test
    failed now and then). Expected: not idle until the new goal is in force.
    """
    from sensor_msgs.msg import Image

    from vjepa_ros.images import image_msg_to_rgb, rgb_to_image_fields

    h = harness()
    entered, release = threading.Event(), threading.Event()
    real = h.planner._apply_decoded

    def held(done):
        entered.set()
        release.wait(60.0)
        return real(done)

    monkeypatch.setattr(h.planner, "_apply_decoded", held)
    msg = Image(**rgb_to_image_fields(frame(9)))
    try:
        h.goal_pub.publish(msg)
        assert h.pump(6.0, until=entered.is_set), "the goal image was never handed over"
        assert not h.planner.goal_decoder.idle(), "idle while the decoded goal is not applied"
    finally:
        release.set()
    assert h.pump(6.0, until=h.planner.goal_decoder.idle)
    goals = h.session.goals
    assert goals is not None and np.array_equal(goals.goals[0].image,
                                                image_msg_to_rgb(msg, goal=True))


def test_the_stream_ticks_while_a_goal_image_on_the_topic_is_decoded(harness, monkeypatch):  # noqa: F811
    """``ros2 topic pub --once ~/goal_image`` of a big picture while commanding.

    The decode is made to last until the stream timer ticked 3 times: on the executor thread
    no tick would come (a 4032x3024 JPEG takes 0.5 s to decode).
    """
    from sensor_msgs.msg import Image

    import vjepa_ros.nodes.planner_goal_images as planner_goal_images
    from vjepa_ros.images import rgb_to_image_fields

    h = harness()
    h.pump(1.0)
    assert h.capture().success and h.enable().success
    assert h.pump(3.0, until=lambda: len(h.got["pose"]) > 10), "no set-points"
    real, seen = planner_goal_images._decoded_goal_image, []

    def slow_decode(msg):
        ticks, last = 0, h.planner.stream_ticked
        deadline = time.monotonic() + 2 * WAIT_SLACK
        while ticks < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
            if h.planner.stream_ticked != last:
                ticks, last = ticks + 1, h.planner.stream_ticked
        seen.append((threading.current_thread().name, ticks))
        return real(msg)

    monkeypatch.setattr(planner_goal_images, "_decoded_goal_image", slow_decode)
    version = h.session.goal_version
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(9))))
    assert h.pump(4 * WAIT_SLACK, until=lambda: h.session.goal_version != version)
    assert seen and seen[0] == ("goal decoder", 3), seen
    assert h.session.goals.goals[0].source == "~/goal_image"
