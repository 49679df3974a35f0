"""breaker59i: today's fixes attacked (fix59f's Stamped.taken, mend59e's recorded hand, ...)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from script_rig import ScriptRig
from test_recordings_recorded_hand import edit_custom, own_bag  # noqa: F401
from test_robot_mpc import frame
from test_ros_planner_node import checkpoint, harness  # noqa: F401

AHEAD = 0.24  # [s] the robot PC's clock ahead of the planner's (< max_image_age_s 0.5)
REPLAY_LAG = 0.025  # [s] one period of ros2 bag play --clock's /clock (40 Hz)


def _move(rig, ticks, ahead=0.0):
    """Move the arm 1 mm along x every 10 ms for ``ticks``; states stamped ``ahead`` s ahead."""
    for _ in range(ticks):
        rig.clock.now += 0.01
        rig.arm[0] += 0.001
        rig.session.observe_state(rig.arm.copy(), rig.clock.now + ahead)
    return rig.arm.copy()


def _start_x(rig):
    """Plan once; return the x [m] of the state the plan started from."""
    report = rig.session.plan_step()
    assert report is not None and report.start is not None, rig.logs[-3:]
    return report.start[0]


@pytest.mark.parametrize("mode", ["continuous", "blocking", "async"])
@pytest.mark.parametrize("ahead", [AHEAD, REPLAY_LAG])
def test_camera_and_states_on_one_clock_ahead_of_the_node_pair_by_stamp(model, mode, ahead):
    """Camera and arm stamped on one clock that runs ahead of the node's.

    0.24 s: camera and arm driver on the robot PC, its clock ahead of the planner PC's (no PTP;
    accepted up to max_image_age_s). 0.025 s: a bag replayed with ``ros2 bag play --clock``
    (40 Hz /clock), the node under use_sim_time: its clock trails the replayed stamps by up to
    one /clock period. Either way the frame stamped T shows the arm at the state stamped T;
    its plan must start there, not at the state ``ahead`` s earlier (fix59f's Stamped.taken is
    the receipt on the node clock, which the states are not stamped on).
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    at_frame = _move(rig, 30, ahead)
    rig.session.observe_image(frame(1), rig.clock.now + ahead)
    assert _start_x(rig) == pytest.approx(at_frame[0], abs=1e-6)



@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_states_stamped_ahead_meet_a_frame_on_time_where_both_were_received(model, mode):
    """A USB camera on the planner PC (stamped at arrival), the arm's states from the robot PC.

    The robot PC's clock runs 0.24 s ahead (or the planner PC's wall clock fell 0.24 s after
    chrony's sync: the states are then 0.24 s ahead of the node clock; both accepted, under
    max_state_age_s 0.25). The frame, received and stamped with the arm where the newest state
    puts it, must start the plan there, not 0.24 s back on the arm's path (a frame is placed at
    the earlier of stamp and receipt since fix59f, a state still at its stamp).
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    at_frame = _move(rig, 30, AHEAD)
    rig.session.observe_image(frame(1), rig.clock.now)
    assert _start_x(rig) == pytest.approx(at_frame[0], abs=1e-6)


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
@pytest.mark.parametrize("fall", [0.3, 1.0])
def test_a_wall_clock_fall_leaves_sim_time_stamps_alone(model, mode, fall):
    """The planner under use_sim_time (a simulator's or ``ros2 bag play --clock``'s /clock).

    The PC's wall clock steps back (chrony makestep, a VM's or WSL's resync) just after a frame
    came; sim time, which stamps the frame and the states and is the node's clock, goes on.
    Nothing of the inputs' times changed: the frame is 0.03 s old and shows the arm at the
    state of its stamp. The session takes the system clock's fall for a fall of its stamps'
    clock: 1 s is 'camera image is stale: 1.03 s old' (a hold), 0.3 s a plan from the state
    0.3 s before the frame (discarded by the moved-arm guard, or commanded from there).
    """
    assert _sim_time_start_x(model, mode, fall) == pytest.approx(0.55, abs=1e-6)


def _sim_time_start_x(model, mode, fall):
    """Under use_sim_time: 0.5 s of motion, a frame, the wall clock falls ``fall`` s, 30 ms on.

    Returns the x [m] its plan starts from; the arm was at 0.55 m when the frame came.
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    rig.session.on_sim_time = lambda: True
    assert _move(rig, 50)[0] == pytest.approx(0.55)
    rig.session.observe_image(frame(1), rig.clock.now)
    rig.clock.offset -= fall  # the wall clock falls; sim time (clock.now) does not
    _move(rig, 3)
    return _start_x(rig)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(latency=st.floats(0.0, 0.2), speed=st.floats(0.02, 0.3),
       mode=st.sampled_from(["continuous", "blocking"]))
def test_held_a_frame_stamped_at_capture_meets_the_state_of_its_capture(model, latency, speed,
                                                                         mode):
    """Held: camera and states on the node clock, the frame delivered ``latency`` s late.

    Its plan starts from the state nearest its stamp (the arm where the camera saw it), for
    any latency under max_image_age_s and arm speed (fix59f changes nothing here).
    """
    rig = ScriptRig(model, mode, [[0.0] * 7])
    captured_at = rig.clock.now + 0.3
    seen = None
    while rig.clock.now < captured_at + latency - 1e-9:
        rig.clock.now += 0.01
        rig.arm[0] += speed * 0.01
        rig.session.observe_state(rig.arm.copy(), rig.clock.now)
        if seen is None and rig.clock.now >= captured_at - 1e-9:
            seen, captured_at = rig.arm.copy(), rig.clock.now
    rig.session.observe_image(frame(1), captured_at)
    report = rig.session.plan_step()
    assert report is not None and report.start is not None
    assert report.start[0] == pytest.approx(seen[0], abs=1e-9)


@pytest.mark.parametrize("mode", ["continuous", "blocking"])
def test_held_under_sim_time_without_a_fall_the_frame_meets_its_state(model, mode):
    """Held: #4's scene without the wall clock's fall plans from the state at the frame."""
    assert _sim_time_start_x(model, mode, 0.0) == pytest.approx(0.55, abs=1e-6)


# --- mend59e: a bag's own record of its hand ------------------------------------------------

def test_a_recorded_opening_is_said_when_the_recorded_topic_is_named(own_bag,  # noqa: F811
                                                                      tmp_path):
    """A lab's narrower hand: ``--custom-data vjepa_ros.gripper_max_width=0.07``.

    Read with the very topic the record names, given by name (a train config's
    data.topics.gripper), at the default 0.08 m: the closedness is on another scale than
    recorded, and the note that says so unnamed must be said named too.
    """
    from vjepa_ros.recordings import BagTopics, read_recording
    from vjepa_ros.recordings.recorded_hand import WIDTH_KEY

    bag = edit_custom(own_bag, tmp_path / "narrow", **{WIDTH_KEY: "0.07"})
    unnamed = [n for n in read_recording(bag).notes if WIDTH_KEY in n]
    assert len(unnamed) == 1  # held: said when the topic is chosen by the record
    named = read_recording(bag, BagTopics(gripper="/franka_gripper/joint_states"))
    assert named.gripper_source == "/franka_gripper/joint_states"
    assert [n for n in named.notes if WIDTH_KEY in n] == unnamed, named.notes


# --- mend59b: the stop's give-up and the user's acts -----------------------------------------

class _Epoch:
    """The session's ``user_epoch``: a new goal or ``~/enable`` true counts one."""

    def __init__(self):
        self.value = 0

    def __call__(self):
        return self.value


def test_the_user_s_act_starts_the_stop_s_count_over():
    """Two stops fail (a warning), the user recovers the gripper and sets a new goal.

    ``StopOutage.failures`` is documented "in a row, since the last stop that worked or the
    user's act": the first stop that fails after the act is the first of a new count, not the
    third of the old one (an ERROR give-up saying '3 times in a row' after one try).
    """
    from vjepa_ros.robot.gripper_release import STOP_TRIES, StopOutage

    epoch = _Epoch()
    outage = StopOutage("/fr3_gripper/stop", epoch)
    for _ in range(STOP_TRIES - 1):
        outage.failed("failed (gripper in error)", "stop failed")
    assert not outage.given_up()
    epoch.value += 1  # ~/enable false, true after the gripper's error recovery
    level, _line = outage.failed("did not answer within 1 s", "stop failed")
    assert not outage.given_up() and level != "error"


def test_a_give_up_ends_with_the_user_s_act_and_counts_afresh():
    """Held: after the give-up, a user's act gives the stop its full STOP_TRIES again."""
    from vjepa_ros.robot.gripper_release import STOP_TRIES, StopOutage

    epoch = _Epoch()
    outage = StopOutage("/fr3_gripper/stop", epoch)
    levels = [outage.failed("failed (x)", "line")[0] for _ in range(STOP_TRIES)]
    assert levels[-1] == "error" and outage.given_up()
    outage.failed("failed (x)", "line")  # a late answer of an older stop: the give-up stands
    assert outage.given_up()
    epoch.value += 1
    assert not outage.given_up()
    assert "trying the stop again" in outage.resume()
    levels = [outage.failed("failed (x)", "line")[0] for _ in range(STOP_TRIES)]
    assert levels == ["warning"] + ["debug"] * (STOP_TRIES - 2) + ["error"]



@pytest.mark.parametrize("custom, said", [
    ("written by hand", ""),  # custom_data no map: a foreign bag, read as before
    ([1, 2], ""),
    ({"vjepa_ros.gripper_max_width": [0.07]}, "'[0.07]', not an opening"),
    ({"vjepa_ros.gripper_max_width": 0.07}, "records the hand's full opening 0.07 m"),  # YAML num
    ({"vjepa_ros.gripper_max_width": "80"}, "'80', not an opening"),  # mm
    ({"vjepa_ros.gripper_topic": ["/franka_gripper/joint_states"]}, "which is not in the bag"),
])
def test_held_hand_edited_custom_data_is_read_or_said_never_raised(
        own_bag, tmp_path, custom, said):  # noqa: F811
    """Held: custom_data of the wrong shape or unit: the bag reads, the record said or ignored."""
    import yaml

    from vjepa_ros.recordings import read_recording

    bag = edit_custom(own_bag, tmp_path / "edited", **(custom if isinstance(custom, dict) else {}))
    if not isinstance(custom, dict):  # the whole custom_data replaced
        info = yaml.safe_load((bag / "metadata.yaml").read_text())
        info["rosbag2_bagfile_information"]["custom_data"] = custom
        (bag / "metadata.yaml").write_text(yaml.safe_dump(info))
    recording = read_recording(bag)
    assert recording.gripper_source == "/franka_gripper/joint_states"
    notes = [n for n in recording.notes if "metadata.yaml" in n]
    if said:
        assert len(notes) == 1 and said in notes[0], recording.notes
    else:
        assert not notes, recording.notes


# --- mend59e: where a silent camera's frames may be (over ROS) --------------------------------

def test_a_capture_with_only_compressed_frames_published_names_them(harness):  # noqa: F811
    """A lab bag recorded with compressed images, replayed; the planner listens raw (default).

    ``~/capture_goal`` is refused (no frame yet), as it should; but where the frames may be
    must name the CompressedImage topic that is there (and image_transport compressed), not
    say that no topic can be the camera and ask whether its driver is running.
    """
    from sensor_msgs.msg import CompressedImage

    from vjepa_ros.nodes.graph_publishers import published_topics

    h = harness()
    h.node.destroy_publisher(h.image_pub)
    compressed = h.node.create_publisher(CompressedImage, "/cam/image/compressed", 10)
    h.extra = [(compressed, CompressedImage(format="jpeg", data=bytes(range(16))))]
    assert h.pump(6.0, image=None, until=lambda: "/cam/image/compressed" in published_topics(
        h.planner, {"sensor_msgs/msg/CompressedImage"}))
    answer = h.capture()
    assert not answer.success and "no camera frame received yet" in answer.message
    assert "/cam/image/compressed" in answer.message, answer.message


def _two_arms(source, target, recorded):
    """Rewrite bag ``source`` as a bag of two arms, /left and /right, the right hand shut.

    The camera on /left; each arm's pose and finger JointState in its namespace (the merged
    /joint_states left out); ``custom_data`` records ``recorded`` as the gripper topic.
    """
    from rosbags.rosbag2 import Reader, StoragePlugin, Writer
    from rosbags.typesys import Stores, get_typestore

    from vjepa_ros.recordings.recorded_hand import hand_custom_data

    store = get_typestore(Stores.ROS2_HUMBLE)
    writer = Writer(target, version=8, storage_plugin=StoragePlugin.MCAP)
    for key, value in hand_custom_data(recorded, 0.08).items():
        writer.set_custom_data(key, value)
    with Reader(source) as reader, writer:
        out = {}
        for c in reader.connections:
            sides = () if c.topic == "/joint_states" else ("left",) \
                if c.msgtype == "sensor_msgs/msg/Image" else ("left", "right")
            for side in sides:
                out[c.id, side] = writer.add_connection(f"/{side}{c.topic}", c.msgtype,
                                                        typestore=store)
        for c, time_ns, raw in reader.messages():
            for side in ("left", "right"):
                if (c.id, side) not in out:
                    continue
                if side == "right" and c.msgtype == "sensor_msgs/msg/JointState":
                    msg = store.deserialize_cdr(raw, c.msgtype)
                    msg.position = np.full(len(msg.position), 0.001)  # the right hand shut
                    raw = store.serialize_cdr(msg, c.msgtype)
                writer.write(out[c.id, side], time_ns, raw)
    return target


def test_a_recorded_hand_of_another_arm_is_not_taken_for_the_arm_read(own_bag,  # noqa: F811
                                                                       tmp_path):
    """A bag of two arms whose ``custom_data`` records the right hand, read for the left arm.

    The namespace rule exists so that a bag of two arms never gives one arm the other's hand
    (docs/evaluation.md, Gripper). The record names a hand outside the namespace of the state
    topic read: it must not override the rule (the left hand, open, with the usual note, or
    the record said as another arm's), not give the left arm the right hand's shut fingers
    without a word.
    """
    from vjepa_ros.recordings import BagTopics, read_recording

    bag = _two_arms(own_bag, tmp_path / "two", "/right/franka_gripper/joint_states")
    left = BagTopics(pose="/left/franka_robot_state_broadcaster/current_pose",
                     image="/left/camera/camera/color/image_raw")
    recording = read_recording(bag, left)
    assert recording.gripper_source == "/left/franka_gripper/joint_states", recording.notes
    assert recording.states[:, 6].max() < 0.1  # the left hand: open


def test_held_a_recorded_hand_in_the_arm_s_namespace_is_taken(own_bag, tmp_path):  # noqa: F811
    """Held: the record naming the left hand, read for the left arm: that hand, no note."""
    from vjepa_ros.recordings import BagTopics, read_recording

    bag = _two_arms(own_bag, tmp_path / "two", "/left/franka_gripper/joint_states")
    left = BagTopics(pose="/left/franka_robot_state_broadcaster/current_pose",
                     image="/left/camera/camera/color/image_raw")
    recording = read_recording(bag, left)
    assert recording.gripper_source == "/left/franka_gripper/joint_states"
    assert recording.states[:, 6].max() < 0.1
    assert not [n for n in recording.notes if "gripper" in n], recording.notes
