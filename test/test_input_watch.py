"""A silent camera or robot-state topic is named, with the published topic that was meant."""

from vjepa_ros.nodes.input_watch import (
    SILENT_S,
    InputProblem,
    InputWatch,
    InputWatches,
    silent_inputs_message,
)
from vjepa_ros.robot.refusal import Blocker

SETTING = "set it: vjepa-ros launch --camera-topic {topic}"
GRAPH = {  # topics with a publisher → types, as published_topics returns them
    "/camera/camera/color/image_raw": ["sensor_msgs/msg/Image"],
    "/goal_image": ["sensor_msgs/msg/Image"],
    "/joint_states": ["sensor_msgs/msg/JointState"],
}


def watch(topic="/camera/color/image_raw", msg_type="sensor_msgs/msg/Image"):
    return InputWatch("camera image", topic, msg_type, SETTING, started=100.0)


def test_quiet_at_first_then_names_the_topic_and_the_similar_published_one():
    w = watch()
    assert w.problem(100.0 + SILENT_S - 0.1, GRAPH) == ""
    assert w.problem(130.0, GRAPH) == (
        "no camera image on /camera/color/image_raw in 30 s: is the camera image on "
        "/camera/camera/color/image_raw? set it: vjepa-ros launch --camera-topic "
        "/camera/camera/color/image_raw")


def test_without_a_similar_name_every_topic_of_the_type_is_listed():
    w = watch("/wrist/rgb")
    assert w.problem(130.0, GRAPH) == (
        "no camera image on /wrist/rgb in 30 s: Image topics with a publisher: "
        "/camera/camera/color/image_raw, /goal_image; set it: vjepa-ros launch --camera-topic "
        "<topic>")
    assert watch(msg_type="sensor_msgs/msg/CompressedImage").problem(130.0, GRAPH) == (
        "no camera image on /camera/color/image_raw in 30 s"), "no topic of its type: no hint"


def test_a_stream_that_stopped_is_named_without_a_hint_and_clears_when_it_returns():
    w = watch()
    w.arrived(101.0)
    assert w.problem(101.0 + SILENT_S - 0.1, GRAPH) == ""
    assert w.problem(114.0, GRAPH) == (
        "no camera image on /camera/color/image_raw for 13 s (the stream stopped)")
    w.arrived(114.5)
    assert w.problem(115.0, GRAPH) == ""


def test_the_message_leaves_out_only_the_reasons_the_silent_lines_name():
    inputs = [InputProblem("/franka/joint_states",
                           "no joint state on /franka/joint_states in 30 s",
                           "is the joint state on /joint_states? set it: ... /joint_states")]
    blocking = [Blocker("no robot state received yet on /franka/joint_states",
                        "/franka/joint_states"),
                Blocker("no robot state received yet on /joint_states", "/joint_states"),
                Blocker("no goal: x")]
    assert silent_inputs_message(inputs, blocking) == "; ".join(
        [str(inputs[0]), "no robot state received yet on /joint_states", "no goal: x"])
    assert silent_inputs_message([], blocking) == ""


def test_reasons_are_kept_or_left_out_by_their_topic_not_their_words():
    """A reason with "; " in it, or worded otherwise, is one reason, kept whole or left out."""
    inputs = [InputProblem("/cam", "no camera image on /cam in 9 s")]
    clock = ("camera image cannot be timed: the node clock reads 0 s; no data received yet on "
             "/cam")  # "; " inside, and the words the old text filter looked for
    blocking = [Blocker(clock), Blocker("nothing has come on /cam yet", "/cam")]
    assert silent_inputs_message(inputs, blocking) == f"no camera image on /cam in 9 s; {clock}"


def test_a_silent_watch_gives_its_topic_silence_and_hint_apart():
    problem = watch().silent(130.0, GRAPH)
    assert problem.topic == "/camera/color/image_raw"
    assert problem.silence == "no camera image on /camera/color/image_raw in 30 s"
    assert problem.hint.startswith("is the camera image on /camera/camera/color/image_raw?")
    assert watch().silent(101.0, GRAPH) is None


def test_each_silence_is_logged_once_when_it_starts_and_again_after_the_input_came_back():
    w, logged, asked = watch(), [], []
    watches = InputWatches(w)

    def graph(types):
        asked.append(types)
        return GRAPH
    assert watches.problems(101.0, graph, logged.append) == [] and not asked, "graph not asked"
    for now in (130.0, 130.5, 131.0):
        assert len(watches.problems(now, graph, logged.append)) == 1
    assert len(logged) == 1 and asked[0] == {"sensor_msgs/msg/Image"}
    w.arrived(131.5)
    assert watches.problems(132.0, graph, logged.append) == []
    watches.problems(140.0, graph, logged.append)
    assert logged[-1] == "no camera image on /camera/color/image_raw for 8 s (the stream stopped)"
    assert len(logged) == 2


def test_a_finger_only_gripper_topic_is_not_suggested_as_the_arms_joint_states():
    # breaker27a: with franka_ros2 in /robot1 the silent-/joint_states hint suggested
    # /robot1/fr3_gripper/joint_states (it sorts first), which holds only the fingers.
    graph = {"/robot1/fr3_gripper/joint_states": ["sensor_msgs/msg/JointState"],
             "/robot1/joint_states": ["sensor_msgs/msg/JointState"]}
    w = InputWatch("joint state", "/joint_states", "sensor_msgs/msg/JointState",
                   "set it: -r joint_states:={topic}", started=100.0, unlikely="gripper")
    assert w.problem(130.0, graph).endswith(
        "is the joint state on /robot1/joint_states? set it: -r "
        "joint_states:=/robot1/joint_states")
    only = {"/robot1/fr3_gripper/joint_states": ["sensor_msgs/msg/JointState"]}
    assert "/robot1/fr3_gripper/joint_states" in w.problem(130.0, only), "still named when alone"
    listed = {**graph, "/a/joint_state_b": ["sensor_msgs/msg/JointState"]}
    w = InputWatch("joint state", "/wrist/x", "sensor_msgs/msg/JointState", "{topic}",
                   started=100.0, unlikely="gripper")
    assert w.problem(130.0, listed).endswith(
        "/a/joint_state_b, /robot1/joint_states, /robot1/fr3_gripper/joint_states; <topic>")


def test_a_published_listened_topic_gets_no_hint_to_a_gripper_topic():
    """Seen live: `vjepa-ros launch --node bag_player -p bag_player.bag:=BAG` (a record bag)."""
    w = InputWatch("joint state", "/joint_states", "sensor_msgs/msg/JointState",
                   "set it: vjepa-ros launch --joint-states-topic {topic}", started=100.0,
                   unlikely="gripper")
    graph = {"/joint_states": ["sensor_msgs/msg/JointState"],
             "/franka_gripper/joint_states": ["sensor_msgs/msg/JointState"]}
    assert "franka_gripper" not in w.problem(130.0, graph)


def test_a_published_listened_topic_alone_is_said_to_send_nothing():
    """Its publisher exists (a bag player that finished): no other topic to name, no silence."""
    w = InputWatch("joint state", "/joint_states", "sensor_msgs/msg/JointState",
                   "set it: {topic}", started=100.0, unlikely="gripper")
    alone = {"/joint_states": ["sensor_msgs/msg/JointState"]}
    assert w.problem(130.0, alone) == (
        "no joint state on /joint_states in 30 s: /joint_states has a publisher that sends "
        "nothing (not started yet, finished, or a QoS it does not offer)")
    other_type = {"/joint_states": ["sensor_msgs/msg/Image"]}
    assert w.problem(130.0, other_type) == "no joint state on /joint_states in 30 s"
    beside = {**alone, "/robot1/joint_states": ["sensor_msgs/msg/JointState"]}
    assert w.problem(130.0, beside).endswith("is the joint state on /robot1/joint_states? "
                                             "set it: /robot1/joint_states"), "a likely one"
