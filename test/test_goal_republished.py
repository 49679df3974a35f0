"""fix59r1: a goal image re-published while its copy decodes is decoded once (review59r #1).

``robot/goal_decoder.GoalDecoder``'s ``identity``: a request for a picture already requested and
not taken is not decoded again; it becomes the newest request (the copy's ``what`` and ticket).
Over ROS: ``image_publisher`` re-sends its picture with fresh stamps faster than a big picture
decodes; the goal is taken from one of the copies, each picture decoded once meanwhile.
"""

from __future__ import annotations

import threading
import time

from planner_harness import WAIT_SLACK, checkpoint, frame, harness  # noqa: F401
from test_goal_decode_order import drain, play
from test_goal_decoder import _handed, _next, _wait

from vjepa_ros.robot.goal_decoder import GoalDecoder


def _picture(what):
    return what[0]  # ("A", copy number): picture "A"


def test_a_copy_submitted_while_its_picture_decodes_is_decoded_once_and_handed_over():
    release, calls, ready = threading.Event(), [], threading.Event()
    decoder = GoalDecoder(ready.set, identity=_picture)

    def slow():
        calls.append("A")
        release.wait(10.0)
        return "a"

    first = decoder.submit(("A", 1), slow)
    assert _wait(lambda: calls == ["A"])
    copies = [decoder.submit(("A", n), lambda: calls.append("again")) for n in (2, 3, 4)]
    assert decoder.pending() == [("A", 4)]  # one request: the newest copy's
    assert copies == sorted(copies) and copies[0] > first
    release.set()
    assert _wait(ready.is_set)
    (done,) = _handed(decoder)
    assert (done.what, done.value, done.ticket) == (("A", 4), "a", copies[-1])
    assert calls == ["A"] and _wait(decoder.idle)


def test_a_copy_after_a_newer_picture_makes_its_picture_the_newest_request():
    """A decodes, B comes, A again: A (the newest) is handed first, B only if A is not applied."""
    release, decoded = threading.Event(), []
    decoder = GoalDecoder(lambda: None, identity=_picture)

    def work(name):
        def run():
            decoded.append(name)
            release.wait(10.0)
            return name
        return run

    decoder.submit(("A", 1), work("A"))
    assert _wait(lambda: decoded == ["A"])
    decoder.submit(("B", 1), work("B"))
    ticket = decoder.submit(("A", 2), work("A again"))
    assert decoder.pending() == [("B", 1), ("A", 2)]
    release.set()
    done = _next(decoder)
    assert done.what == ("A", 2) and done.value == "A" and done.ticket == ticket
    decoder._applied(done.ticket)  # A became the goal: B, older now, is dropped
    assert _wait(decoder.idle) and _handed(decoder) == []
    assert "A again" not in decoded


def test_a_copy_of_a_decoded_picture_not_taken_is_ready_at_once():
    """A decoded while B decodes (A waits behind B); A again: handed now, not decoded again."""
    hold_b, ready, decoded = threading.Event(), threading.Event(), []
    decoder = GoalDecoder(ready.set, identity=_picture)
    release_a = threading.Event()
    decoder.submit(("A", 1), lambda: (decoded.append("A"), release_a.wait(10.0)) and "a")
    assert _wait(lambda: decoded == ["A"])
    decoder.submit(("B", 1), lambda: (decoded.append("B"), hold_b.wait(10.0)) and "b")
    release_a.set()
    assert _wait(lambda: decoded == ["A", "B"])  # A decoded, not handed: B is newer
    assert not ready.is_set() and decoder._take() is None  # B, the newest, decodes
    decoder.submit(("A", 2), lambda: decoded.append("A again"))
    assert ready.is_set()  # A's outcome is the newest now
    (done,) = _handed(decoder)  # A only: B still decodes
    assert done.what == ("A", 2) and done.value == "a" and decoded == ["A", "B"]
    hold_b.set()
    decoder.close()


def test_requests_without_an_identity_are_each_decoded():
    """A file request (identity None) set twice is two requests: the node matches files itself."""
    decoder = GoalDecoder(lambda: None, identity=lambda what: None,
                          lane=lambda what: None)  # the node's file requests: bounded by it
    gate = threading.Event()
    decoder.submit("f", lambda: gate.wait(10.0))
    decoder.submit("f", lambda: 2)
    assert decoder.pending() == ["f", "f"]
    gate.set()
    decoder.close()


def test_copies_among_random_requests_keep_the_newest_first_model():
    """Random submits, copies of a picture requested, cancels, decode ends, takes: model holds.

    Model: the requests not taken nor dropped, oldest first, each a (picture, copy) ``what``. A
    copy of a picture among them moves it to the newest place with the copy's ``what``, not
    decoded again; of one not among them, a new request. A take returns the newest; applied,
    every older one is dropped. Every picture request is decoded once; the rest handed over.
    """
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    ops = st.lists(st.tuples(st.sampled_from(["submit", "copy", "cancel", "release", "apply",
                                              "refuse"]), st.integers(0, 5)),
                   min_size=1, max_size=16)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ops=ops)
    def run(ops):
        decoder = GoalDecoder(lambda: None, name="test goal decoder", identity=_picture,
                              lane=lambda what: None)  # the order; the bound: test_goal_decoder
        events, alive, requested, decoded = [], [], [], []

        def decode(picture, event):
            def work():
                decoded.append(picture)
                event.wait(10.0)
                return picture
            return work

        def submit(picture):
            copy = sum(1 for r in requested if r == picture)
            what = (picture, copy)
            requested.append(picture)
            events.append(threading.Event())
            assert decoder.submit(what, decode(picture, events[-1]))
            same = [w for w in alive if w[0] == picture]
            for old in same:
                alive.remove(old)
            alive.append(what)
            return bool(same)

        def take(apply):
            done = decoder._take()  # one at a time, as hand_over takes them
            if done is None:
                return None
            assert alive and done.what == alive[-1], (done.what, alive)
            assert done.value == done.what[0]
            alive.pop()
            if apply:
                decoder._applied(done.ticket)
                alive.clear()
            return done

        try:
            requests = 0
            for op, pick in ops:
                if op == "submit":
                    requests += not submit(len(set(requested)))
                elif op == "copy" and requested:
                    requests += not submit(requested[pick % len(requested)])
                elif op != "copy":
                    play(decoder, op, events, alive, take)
                assert decoder.pending() == alive
            drain(decoder, events, alive, take)
            assert len(decoded) <= requests, (decoded, requests)  # a copy is never decoded
        finally:
            for event in events:
                event.set()
            decoder.close()

    run()


def test_image_publisher_fresh_stamps_faster_than_the_decode_set_the_goal_decoding_once(
        harness, monkeypatch):  # noqa: F811
    """``image_publisher`` at 10 Hz of a phone photo: fresh stamps, a decode longer than 0.1 s.

    Each decode lasts 0.8 s (a 4032x3024 JPEG here); copies go out every 0.1 s. The goal must
    be the picture within a few decodes, and the picture decoded once while its copies came.
    """
    import numpy as np
    import pytest
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from builtin_interfaces.msg import Time
    from sensor_msgs.msg import Image

    import vjepa_ros.nodes.planner_goal_images as planner_goal_images
    from vjepa_ros.images import rgb_to_image_fields

    h = harness()
    h.pump(1.0)
    real_decode, decodes = planner_goal_images._decoded_goal_image, []

    def slow_decode(msg):
        decodes.append(h.session.goal_version == version)  # started before the goal came
        time.sleep(0.8)
        return real_decode(msg)

    monkeypatch.setattr(planner_goal_images, "_decoded_goal_image", slow_decode)
    version, rgb = h.session.goal_version, frame(9)
    deadline, sent = time.monotonic() + 6.0 * WAIT_SLACK, 0
    while h.session.goal_version == version and time.monotonic() < deadline:
        sent += 1
        message = Image(**rgb_to_image_fields(rgb))
        message.header.stamp = Time(sec=sent)  # a fresh stamp per copy, as image_publisher's
        h.goal_pub.publish(message)
        h.pump(0.1)
    assert h.session.goal_version != version, f"{sent} copies sent, {len(decodes)} decoded"
    assert sent >= 4, "the copies did not come faster than the decode: the case is not tested"
    assert decodes.count(True) == 1, decodes  # one picture, decoded once while copies came
    assert np.array_equal(h.session.goals.goals[0].image, rgb)
