"""review59t: defects found reviewing fix59h, fix59s, feat59call, fix59t, perf59 and fix59j.

Each defect is a strict xfail that fails because of it (checked with ``--runxfail``).

#1 (fix59h, ``robot/goal_decoder.GoalDecoder``): fix59a dropped a request superseded by a newer
one; fix59h keeps every request until a newer one became the goal (``applied``), and hands an
outcome over only once the newest request is decoded. A goal image published faster than it
decodes (``image_publisher`` at its default 10 Hz with a 4032x3024 picture: ~0.1 s of CPU per
message to hash and decode here, more on a loaded CPU; review59r #1, still open, says no such
image ever becomes the goal) now also keeps every copy: each request holds its whole message
(36 MB) and its key's unsettled data, none is taken while the publisher runs, so the planner's
memory grows ~0.3 GB a second for as long as it does (measured here: 150 of 150 requests
waiting). Fix (with review59r #1): bound what waits (an older image request with the same
pixels as a newer one is dropped, or at most the newest image request and the newest file
request wait) and let a finished decode be handed over when no newer one has finished.

#2 (fix59h, ``nodes/goal_decodes.GoalDecodes._files_refused``): a refused goal file sets the
file parameters back to the newest *older* file request still pending, even one the user
cleared since: ``goal_image_path`` A (decoding), then '' (the hold ends, "the goal stays"),
then B, which its decode refuses: ``goal_image_path`` is set back to A and A becomes the goal
the user had withdrawn. Fix: set back only to a request the parameters named when the refused
one was set (or drop a file request from the decoder when its parameter is set to '' or other
files: ``GoalDecoder`` gets a per-request drop).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from vjepa_ros.robot.goal_decoder import GoalDecoder

# --- #1: copies of the goal in force, re-sent faster than they decode -----------------------


@pytest.mark.xfail(strict=True, reason="review59t #1: re-sent copies of the goal that are "
                   "not applied pile up in the goal decoder without bound (fix59h)")
def test_copies_re_sent_faster_than_they_decode_do_not_pile_up():
    """A copy every 10 ms, each decoding in 30 ms, each taken and not applied (same pixels).

    What waits must stay bounded: every request holds its whole message (and its key's data)
    until it is dropped, and the re-sender runs as long as the user leaves it.
    """
    decoder = GoalDecoder(lambda: None, name="review59t decoder")
    stop, most = threading.Event(), [0]

    def executor():  # the node's guard condition: take, the same goal, not applied
        while not stop.is_set():
            while decoder.take() is not None:
                pass
            most[0] = max(most[0], len(decoder.pending()))
            time.sleep(0.005)

    taker = threading.Thread(target=executor, daemon=True)
    taker.start()
    try:
        for number in range(150):
            decoder.submit(("image", number), lambda: time.sleep(0.03) or "same pixels")
            time.sleep(0.01)
        most[0] = max(most[0], len(decoder.pending()))
    finally:
        stop.set()
        taker.join(5.0)
        decoder.close()
    assert most[0] <= 10, (f"{most[0]} goal image requests waited at once (150 copies sent, "
                           "each taken and not applied): they are never dropped")


# --- #2: a refused goal file sets the parameter back to one the user cleared ------------------

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import planner_harness as rig  # noqa: E402
from planner_harness import WAIT_SLACK, checkpoint, frame, harness  # noqa: E402,F401
from sensor_msgs.msg import Image  # noqa: E402

import vjepa_ros.nodes.planner_goals as planner_goals  # noqa: E402
from vjepa_ros.images import rgb_to_image_fields, save_image_file  # noqa: E402

OLD, FIRST = 99, 7  # frame seeds: the goal in force (from the topic), the file set then cleared


def _goal_image(h):
    goals = h.session.goals
    return None if goals is None else goals.goals[0].image


@pytest.mark.xfail(strict=True, reason="review59t #2: a refused goal file sets goal_image_path "
                   "back to a file the user set to '' since, which then becomes the goal")
def test_a_refused_file_never_brings_back_a_file_the_user_cleared(
        harness, tmp_path, monkeypatch):  # noqa: F811
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(OLD))))
    assert h.pump(3.0, until=lambda: _goal_image(h) is not None
                  and np.array_equal(_goal_image(h), frame(OLD)))
    entered, release, real = threading.Event(), threading.Event(), planner_goals.goals_from_files

    def held_first(*args, **kwargs):  # the first file (A) decodes slowly
        if not entered.is_set():
            entered.set()
            release.wait(30.0 * WAIT_SLACK)
        return real(*args, **kwargs)

    monkeypatch.setattr(planner_goals, "goals_from_files", held_first)
    first = save_image_file(tmp_path / "withdrawn.png", frame(FIRST))
    assert rig.set_goal_path(h, str(first)).successful
    assert h.pump(5.0, until=entered.is_set)
    assert rig.set_goal_path(h, "").successful  # withdrawn: "the goal stays"
    assert h.session.goal_decoding == ""
    bad = tmp_path / "bad.png"  # a PNG whose header passes and whose decode refuses it
    save_image_file(bad, frame(3))
    bad.write_bytes(bad.read_bytes()[:bad.stat().st_size // 2])
    assert rig.set_goal_path(h, str(bad)).successful
    release.set()  # withdrawn.png decoded first (it was under way), then bad.png, refused
    assert h.pump(5.0 * WAIT_SLACK, until=h.planner.goal_decoder.idle)
    h.pump(0.3)
    assert h.logs("not applied"), "bad.png was never refused"
    path = h.planner.get_parameter("goal_image_path").value
    assert not path.endswith("withdrawn.png"), (
        f"goal_image_path set back to {path!r}, the file the user set to '' before")
    assert np.array_equal(_goal_image(h), frame(OLD)), \
        "the withdrawn file became the goal after the next file was refused"
