"""fix59i: breaker59i's six defects, each family fixed.

#1 where a frame meets the arm when the camera's and the states' clocks are not the node's:
each stream's lead (``stream_leads.StreamLeads``: stamp minus receipt, a robust envelope over a
window), frames and states paired on their stamps when they share a clock, a frame moved onto
the states' clock by its lead relative to theirs (``Stamped.state_time``), node-clock events
compared with its receipt-consistent time (``Stamped.taken``). #2 a recorded opening said for a
named gripper topic. #3 the stop's give-up count restarts at the user's act. #4 a system clock
step is no step of sim-time stamps. #5 a camera publishing only the other image_transport type
is named with the setting that listens to it. #6 a recorded hand outside the arm's namespace is
a note, not the arm's hand.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from script_rig import ScriptRig
from test_breaker59f import STEP_X, OffsetCameraRig, settle_violations
from test_breaker59i import _move, _start_x, _two_arms
from test_recordings_recorded_hand import edit_custom, own_bag  # noqa: F401
from test_robot_mpc import frame

from vjepa_ros.nodes.input_watch import InputWatches, camera_watch
from vjepa_ros.robot.stream_leads import NODE_CLOCK_S, StreamLeads, frame_leads

AHEAD = 0.24  # [s] a robot PC's clock ahead of the planner's


# --- #1: each stream's lead -------------------------------------------------------------------

def test_a_stream_s_lead_is_its_least_delayed_messages_not_one_message():
    """A clock 0.24 s ahead, latencies 0-40 ms and one message stamped 0.3 s further ahead."""
    leads = StreamLeads()
    rng = np.random.default_rng(0)
    for i in range(200):
        leads.add(1, i * 0.001, AHEAD - rng.uniform(0.0, 0.04))
    leads.add(1, 0.2, AHEAD + 0.3)  # one stamp jitter far ahead: not the clock
    assert leads.lead(1) == pytest.approx(AHEAD, abs=0.006)


def test_a_stream_stamped_behind_its_receipts_has_no_lead_and_streams_are_apart():
    leads = StreamLeads()
    for i in range(30):
        leads.add(0, i * 0.033, -0.05)  # a camera 50 ms late: latency, not a clock
    assert leads.lead(0) == 0.0 and leads.lead(1) == 0.0


def test_a_stream_s_lead_follows_its_clock_within_the_window_and_a_clock_gone_back():
    leads = StreamLeads(window_s=1.0)
    for i in range(100):
        leads.add(1, i * 0.01, AHEAD)
    for i in range(100, 220):  # the robot PC synced (chrony): on time from 1 s on
        leads.add(1, i * 0.01, 0.0)
    assert leads.lead(1) == 0.0
    leads.add(1, 5.0, AHEAD)
    leads.add(1, 0.5, 0.1)  # the node clock went back (a looping bag): a new window
    assert leads.lead(1) == pytest.approx(0.1)


@pytest.mark.parametrize("camera, states, sim_time, expected", [
    (AHEAD, AHEAD, False, (AHEAD, AHEAD)),  # one robot PC clock: the frame on its stamp
    (0.19, AHEAD, False, (AHEAD, AHEAD)),  # the same, the camera 50 ms late
    (AHEAD, 0.0, False, (AHEAD, 0.0)),  # a camera ahead of the states (breaker59f)
    (0.0, AHEAD, False, (0.0, AHEAD)),  # a USB camera on the node clock, states ahead
    (0.0, 0.024, True, (0.024, 0.024)),  # bag play --clock: one clock, the camera late
    (NODE_CLOCK_S, AHEAD, False, (NODE_CLOCK_S, AHEAD)),
])
def test_frame_leads_pair_on_stamps_when_camera_and_states_share_a_clock(camera, states,
                                                                         sim_time, expected):
    assert frame_leads(camera, states, sim_time) == pytest.approx(expected)


# --- #1: the plan's start ---------------------------------------------------------------------

def _move_and_frame(rig, ticks, states_ahead, frame_ahead):
    """``_move`` ``ticks`` with states ``states_ahead``, then a frame stamped ``frame_ahead``."""
    at_frame = _move(rig, ticks, states_ahead)
    rig.session.observe_image(frame(1), rig.clock.now + frame_ahead)
    return at_frame


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_a_late_camera_on_the_states_clock_ahead_still_pairs_by_stamp(model, mode):
    """Camera and arm on the robot PC (0.24 s ahead), each frame delivered 50 ms late.

    The frame stamped T (taken at T on that clock) starts the plan from the state stamped T,
    not 50 ms later (the camera's latency is no clock of its own).
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    for _ in range(5):  # the camera's lead is measured over its frames, not one
        _move_and_frame(rig, 3, AHEAD, AHEAD - 0.05)
    seen = rig.arm.copy()
    _move(rig, 5, AHEAD)  # the frame of the arm at ``seen`` comes 50 ms later
    rig.session.observe_image(frame(2), rig.clock.now - 0.05 + AHEAD)
    assert _start_x(rig) == pytest.approx(seen[0], abs=1e-6)


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_a_camera_ahead_of_states_that_are_ahead_is_corrected_by_the_difference(model, mode):
    """States 0.1 s ahead of the node, the camera 0.34 s: the frame is 0.24 s ahead of them.

    Its plan starts from the state stamped 0.24 s before its stamp (where the arm was when it
    came), not at its stamp (a state 0.24 s later) nor at its receipt on the node clock.
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    at_frame = _move_and_frame(rig, 30, 0.1, 0.1 + AHEAD)
    _move(rig, 24, 0.1)
    assert _start_x(rig) == pytest.approx(at_frame[0], abs=1e-6)


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_a_replayed_bag_under_sim_time_pairs_its_late_camera_by_stamp(model, mode):
    """``ros2 bag play --clock``: the node's sim time 20 ms behind the replayed stamps.

    The camera was recorded 30 ms late (stamped before its receive time): its stamp is 10 ms
    behind the node clock, the states' 20 ms ahead. One clock (the bag's): the frame stamped T
    starts from the state stamped T, not 20 ms later.
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    rig.session.on_sim_time = lambda: True
    _move(rig, 30, 0.02)
    seen = rig.arm.copy()  # the state stamped now + 0.02
    _move(rig, 3, 0.02)
    rig.session.observe_image(frame(1), rig.clock.now - 0.03 + 0.02)  # stamped 30 ms earlier
    assert _start_x(rig) == pytest.approx(seen[0], abs=1e-6)


def test_a_capture_pairs_the_frame_with_the_state_of_its_stamp_on_a_robot_pc_clock(model):
    """Camera and arm 0.24 s ahead; the arm moves 2 cm, rests 0.1 s, the frame, rests on.

    The frame shows the arm at rest at its new pose: captured there. Paired with the state
    0.24 s before its stamp (its receipt on the node clock taken for the states' clock), it
    was a view of the arm mid-move, refused as one the arm has left.
    """
    rig = ScriptRig(model, "blocking", [[0.0] * 7])
    rig.session.set_enabled(False)
    moved = _move(rig, 20, AHEAD)
    for tick in range(40):
        rig.clock.now += 0.01
        rig.session.observe_state(moved.copy(), rig.clock.now + AHEAD)
        if tick == 9:
            rig.session.observe_image(frame(1), rig.clock.now + AHEAD)
    rig.session.capture_goal()
    np.testing.assert_allclose(rig.session.goals.current.state[:3], moved[:3], atol=1e-9)


class RobotClockRig(OffsetCameraRig):
    """breaker59f's camera rig whose states are stamped ``ahead`` too (one robot PC clock)."""

    def __init__(self, model, mode, actions, ahead, **control):
        self.states_ahead = ahead
        super().__init__(model, mode, actions, ahead, **control)


@pytest.mark.parametrize("ahead", [AHEAD, 0.025])
def test_blocking_settle_wait_on_a_robot_pc_clock_ahead_counts_from_the_node_clock(model,
                                                                                  ahead):
    """The settle wait (node clock) with camera and arm stamped on one clock ``ahead``.

    Every plan after the first is on a frame taken ``settle_s`` after the arrival, and every
    plan starts from the state stamped with its frame (the arm at rest where it shows it).
    """
    rig = RobotClockRig(model, "blocking", [[STEP_X, 0, 0, 0, 0, 0, 0]] * 3 + [[0.0] * 7],
                        ahead)
    assert rig.session.plan_step().command is not None
    rig.run(600)
    assert len(rig.sent) >= 3, [r.reason for r in rig.reports][-5:]
    assert settle_violations(rig, rig.session.control.settle_s) == []
    for arm, report in rig.sent[1:]:
        np.testing.assert_allclose(report.start[:3], arm[:3], atol=1e-6)


def _start_of_last_frame(model, mode, ahead_ticks, late_ticks, shared):
    """Arm at 0.1 m/s, states stamped ``ahead_ticks`` x 10 ms ahead, a 33 Hz camera.

    Each frame is captured on a tick and received ``late_ticks`` ticks later, stamped on the
    states' clock (``shared``) or on the node's. Returns (the plan's start x, the arm's x
    when the last frame received was captured) [m].
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    ahead, captured, seen = ahead_ticks * 0.01, {}, None
    for tick in range(60):
        rig.clock.now += 0.01
        rig.arm[0] += 0.001
        rig.session.observe_state(rig.arm.copy(), rig.clock.now + ahead)
        if tick % 3 == 0:
            captured[tick] = (rig.arm[0], rig.clock.now + (ahead if shared else 0.0))
        if tick - late_ticks in captured:
            seen, stamp = captured[tick - late_ticks]
            rig.session.observe_image(frame(tick), stamp)
    return _start_x(rig), seen


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(ahead=st.integers(0, 24), late=st.integers(0, 5),
       mode=st.sampled_from(["continuous", "blocking"]))
def test_camera_and_states_on_one_clock_pair_by_stamp_whatever_their_lead(model, ahead, late,
                                                                          mode):
    """Camera and arm on one clock 0-0.24 s ahead of the node's, frames 0-50 ms late.

    Where the camera's stamps run ahead of the node clock (its lead over 10 ms: it cannot be
    the node's clock), the frame meets the state of its stamp, whatever the latency.
    """
    assume(ahead - late >= 2)
    start, seen = _start_of_last_frame(model, mode, ahead, late, shared=True)
    assert start == pytest.approx(seen, abs=1e-9)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(ahead=st.integers(0, 24), late=st.integers(0, 5),
       mode=st.sampled_from(["continuous", "blocking"]))
def test_a_camera_on_the_node_clock_meets_states_ahead_at_its_capture(model, ahead, late,
                                                                      mode):
    """A camera stamping at capture on the node's clock, 0-50 ms late; states 0-0.24 s ahead.

    The frame meets the state the arm had when it was captured: its stamp plus the states'
    lead, whatever the latency.
    """
    start, seen = _start_of_last_frame(model, mode, ahead, late, shared=False)
    assert start == pytest.approx(seen, abs=1e-9)


# --- #2, #6: a bag's own record of its hand ---------------------------------------------------

def test_a_named_topic_other_than_the_recorded_one_gets_no_opening_note(own_bag,  # noqa: F811
                                                                        tmp_path):
    """The record's opening is its topic's: the merged /joint_states named, no note."""
    from vjepa_ros.recordings import BagTopics, read_recording
    from vjepa_ros.recordings.recorded_hand import WIDTH_KEY

    bag = edit_custom(own_bag, tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    named = read_recording(bag, BagTopics(gripper="/joint_states"))
    assert named.gripper_source == "/joint_states"
    assert not [n for n in named.notes if WIDTH_KEY in n], named.notes


def test_a_recorded_hand_of_another_arm_is_said_as_ignored(own_bag, tmp_path):  # noqa: F811
    from vjepa_ros.recordings import BagTopics, read_recording
    from vjepa_ros.recordings.recorded_hand import GRIPPER_KEY

    bag = _two_arms(own_bag, tmp_path / "two", "/right/franka_gripper/joint_states")
    recording = read_recording(bag, BagTopics(
        pose="/right/franka_robot_state_broadcaster/current_pose",
        image="/left/camera/camera/color/image_raw"))  # the right arm: its record is taken
    assert recording.gripper_source == "/right/franka_gripper/joint_states"
    assert recording.states[:, 6].min() > 0.9  # the right hand: shut
    left = read_recording(bag, BagTopics(pose="/left/franka_robot_state_broadcaster/current_pose",
                                         image="/left/camera/camera/color/image_raw"))
    said = [n for n in left.notes if GRIPPER_KEY in n]
    assert len(said) == 1 and "outside the namespace of the state topic" in said[0], left.notes
    assert "/left/franka_gripper/joint_states lies in it" in said[0]


# --- #3: the stop's count ---------------------------------------------------------------------

def test_after_the_user_s_act_the_give_up_takes_stop_tries_failures_again():
    from vjepa_ros.robot.gripper_release import STOP_TRIES, StopOutage

    epoch = [0]
    outage = StopOutage("/fr3_gripper/stop", lambda: epoch[0])
    for _ in range(STOP_TRIES - 1):
        outage.failed("failed (x)", "line")
    epoch[0] += 1
    levels = [outage.failed("failed (x)", "line")[0] for _ in range(STOP_TRIES)]
    assert levels == ["warning"] + ["debug"] * (STOP_TRIES - 2) + ["error"]
    assert f"{STOP_TRIES} times in a row" in outage.line


# --- #4: sim time and the system clock ---------------------------------------------------------

def test_the_system_clock_offset_is_held_on_sim_time_and_read_again_off_it(model):
    rig = ScriptRig(model, "continuous", [[0.0] * 7])
    session, sim = rig.session, [True]
    session.on_sim_time = lambda: sim[0]
    held = session._offset_now()
    rig.clock.offset -= 1.0
    assert session._offset_now() == held
    sim[0] = False
    assert session._offset_now() == held - 1.0


# --- #5: a camera on the other image_transport -------------------------------------------------

GOALS = ("/vjepa_planner/goal_image", "/vjepa_planner/goal_image/compressed")


@pytest.mark.parametrize("transport, published, other", [
    ("raw", "sensor_msgs/msg/CompressedImage", "compressed"),
    ("compressed", "sensor_msgs/msg/Image", "raw"),
])
def test_a_camera_of_the_other_transport_is_named_with_its_setting(transport, published, other):
    watch = camera_watch("/cam/image", transport, 0.0, "/", GOALS)
    graph = {"/cam/image/compressed" if other == "compressed" else "/cam/image_raw": [published],
             GOALS[1]: ["sensor_msgs/msg/CompressedImage"]}  # the goal's: never the camera
    hint = watch.none_yet_hint(graph)
    topic = next(iter(graph))
    assert topic in hint and f"image_transport:={other}" in hint, hint
    assert f"--image-transport {other} --camera-topic {topic}" in hint and GOALS[1] not in hint
    lines = []
    problems = InputWatches(watch).problems(10.0, lambda types: graph if published in types
                                            else {}, lines.append)
    assert len(problems) == 1 and topic in lines[0]


def test_a_camera_of_the_listened_type_is_still_named_first():
    watch = camera_watch("/cam/image", "raw", 0.0, "/", GOALS)
    hint = watch.none_yet_hint({"/cam/image_raw": ["sensor_msgs/msg/Image"],
                                "/cam/image/compressed": ["sensor_msgs/msg/CompressedImage"]})
    assert "/cam/image_raw" in hint and "image_transport" not in hint, hint
