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

#3 (fix59t, ``recordings/recorded_hand.recorded_width``; fixed by fix60t, no longer an xfail):
not given ``--gripper-max-width``, eval
and camera-check (and train, ``train/recorded_width.py``) take the opening a bag's hand record
gives whenever its topic is listed in ``metadata.yaml``; the reader ignores a record whose topic
holds no finger joints (``recorded_topic``: "the record is ignored") and reads the fingers on
another topic, which ``width_note`` then never names: the fingers are read at the ignored
record's opening (0.07 m: every closedness off by 12 %) with no line saying so. Fix: one rule
for "the record applies" (``recorded_topic``'s: the topic holds this arm's finger joints) used
by ``recorded_width`` too, or the width note said for whatever topic is read.

#4 (fix59h, ``GoalDecodes._files_refused``, with feat59call's ``vjepa-ros planner goal-image
FILES --steps``): the set-back restores the older request's file parameter only, not the
``goal_steps`` / ``goal_gripper`` set with it. ``goal_image_paths`` [a, b] with ``goal_steps``
[3, 3] decoding, then [bad] with [5], refused: the line says "goal_image_paths is set back to
[a, b] ... it becomes the goal once decoded", but ``goal_steps`` stays [5], so once decoded it
is refused as "2 goal images but 1 goal_steps": the goal never changes and the parameters
describe no goal. Fix: keep the older request's goal counts in its ``what`` and set them back
with its files (or apply the older files with their own counts).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from vjepa_ros.robot.goal_decoder import GoalDecoder

# --- #1: copies of the goal in force, re-sent faster than they decode -----------------------


def test_copies_re_sent_faster_than_they_decode_do_not_pile_up():
    """150 copies sent faster than they decode, each taken and not applied (same pixels).

    Each decode lasts until the next copy came (a publish period shorter than the decode,
    whatever the machine's load).

    What waits must stay bounded: every request holds its whole message (and its key's data)
    until it is dropped, and the re-sender runs as long as the user leaves it.
    """
    decoder = GoalDecoder(lambda: None, name="review59t decoder")
    stop, most, sent = threading.Event(), [0], [0]

    def decode(mine):
        def work():  # lasts until a newer copy was submitted (at most 2 s)
            deadline = time.monotonic() + 2.0
            while sent[0] <= mine and time.monotonic() < deadline:
                time.sleep(0.001)
            return "same pixels"
        return work

    def executor():  # the node's guard condition: take, the same goal, not applied
        while not stop.is_set():
            decoder.hand_over(lambda done: False)
            most[0] = max(most[0], len(decoder.pending()))
            time.sleep(0.005)

    taker = threading.Thread(target=executor, daemon=True)
    taker.start()
    try:
        for number in range(1, 151):
            decoder.submit(("image", number), decode(number))
            sent[0] = number
            time.sleep(0.005)
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


# --- #3: a record the reader ignores still sets the opening the fingers are read at -----------

def test_an_ignored_hand_record_sets_no_opening(tmp_path):
    """The record names a topic of the bag that holds no finger joints, with an opening 0.07 m.

    The reader ignores the record (one line: "the record is ignored") and reads the fingers on
    the namespace rule's topic; eval (and camera-check) not given ``--gripper-max-width`` must then
    read them at the default 0.08 m, as for "a record of an absent topic" (fix59t), not at the
    ignored record's 0.07 m with no line saying so. Fixed by fix60t: eval's one reading of the
    bag decides (``bag_options.read_bag``, ``recorded_hand.opening_read``).
    """
    pytest.importorskip("pybullet", reason="pybullet is in install_requires")
    from test_recordings_recorded_hand import edit_custom

    from vjepa_ros.cli import build_parser, main
    from vjepa_ros.eval.bag_options import read_bag, topics_from_args
    from vjepa_ros.recordings import read_recording
    from vjepa_ros.recordings.recorded_hand import GRIPPER_KEY, WIDTH_KEY

    own = tmp_path / "own"
    assert main(["record", str(own), "--frames", "5", "--width", "64", "--height", "64",
                 "--seed", "900001"]) == 0
    bag = edit_custom(own, tmp_path / "edited", **{
        GRIPPER_KEY: "/franka_robot_state_broadcaster/current_pose", WIDTH_KEY: "0.07"})
    args = build_parser().parse_args(["eval", str(bag)])
    recording, topics = read_bag(args, topics_from_args(args))
    assert any("the record is ignored" in note for note in recording.notes), recording.notes
    said = [note for note in recording.notes if WIDTH_KEY in note and "0.07" in note]
    assert topics.gripper_max_width == recording.gripper_max_width == 0.08, (
        f"fingers on {recording.gripper_source} read at {topics.gripper_max_width} m, the "
        f"ignored record's opening; lines about it: {said}")
    at_default = read_recording(bag)  # the closedness itself: on the default's scale
    np.testing.assert_array_equal(recording.states[:, 6], at_default.states[:, 6])


# --- #4: a refused goal file set back to the older files, but not their goal_steps -------------

def _set_files(h, paths: list[str], steps: list[int]):
    """Set ``goal_image_paths`` and ``goal_steps`` at once (``vjepa-ros planner goal-image``)."""
    from rcl_interfaces.msg import Parameter as Msg
    from rcl_interfaces.msg import ParameterType, ParameterValue
    from rcl_interfaces.srv import SetParametersAtomically

    request = SetParametersAtomically.Request(parameters=[
        Msg(name="goal_image_paths", value=ParameterValue(
            type=ParameterType.PARAMETER_STRING_ARRAY, string_array_value=paths)),
        Msg(name="goal_steps", value=ParameterValue(
            type=ParameterType.PARAMETER_INTEGER_ARRAY, integer_array_value=steps))])
    return rig.call_async(h, SetParametersAtomically,
                          "/vjepa_planner/set_parameters_atomically", request).result


def test_a_refused_file_set_with_its_steps_gives_the_older_files_back_whole(
        harness, tmp_path, monkeypatch):  # noqa: F811
    """Two files with steps [3, 3] decoding; then one bad file with steps [5], refused.

    The refusal says the older files are set back and become the goal once decoded: they must,
    with the steps they were set with.
    """
    h = harness()
    entered, release, real = threading.Event(), threading.Event(), planner_goals.goals_from_files

    def held_first(*args, **kwargs):
        if not entered.is_set():
            entered.set()
            release.wait(30.0 * WAIT_SLACK)
        return real(*args, **kwargs)

    monkeypatch.setattr(planner_goals, "goals_from_files", held_first)
    first = [str(save_image_file(tmp_path / f"a{k}.png", frame(10 + k))) for k in range(2)]
    assert _set_files(h, first, [3, 3]).successful
    assert h.pump(5.0, until=entered.is_set)
    bad = tmp_path / "bad.png"
    save_image_file(bad, frame(3))
    bad.write_bytes(bad.read_bytes()[:bad.stat().st_size // 2])
    assert _set_files(h, [str(bad)], [5]).successful
    release.set()
    assert h.pump(5.0 * WAIT_SLACK, until=h.planner.goal_decoder.idle)
    h.pump(0.3)
    said = [m.msg for m in h.got["log"] if "set back" in m.msg]
    assert said, "the refusal never set the older files back"
    goals = h.session.goals
    assert goals is not None and len(goals.goals) == 2, (
        f"the older files never became the goal ({said[-1]}); goal_image_paths "
        f"{list(h.planner.get_parameter('goal_image_paths').value)}, goal_steps "
        f"{list(h.planner.get_parameter('goal_steps').value)}")
