"""``recorded_inputs.PlayerSenders``, ``input_topics`` and ``FingerPlayers``, without ROS.

The planner node's per-message rule for bag players' publishers
(``nodes.input_sources.InputSources.from_stopped_player``).
"""

import pytest

from vjepa_ros.robot.recorded_inputs import (
    CAMERA_RELAY_TYPES,
    IMAGE_TYPES,
    JOINT_STATE_TYPES,
    POSE_RELAY_TYPES,
    POSE_TYPES,
    FingerPlayers,
    PlayerSenders,
    input_topics,
)


def _senders(**kwargs):
    return PlayerSenders(lambda sender: sender if isinstance(sender, bytes) else None, **kwargs)


def test_a_new_sender_asks_the_graph_once_when_every_publisher_was_named():
    senders = _senders()
    assert senders.due(b"a", 0.0)
    senders.checked(b"a", True, 0.0)
    assert not senders.due(b"a", 0.0), "known: no graph check per message"
    assert senders.due(b"b", 0.0), "another publisher asks at once"


def test_an_unnamed_publisher_asks_again_only_after_the_recheck_delay():
    senders = _senders(recheck_s=0.05)
    senders.checked(b"a", False, 10.0)
    assert not senders.due(b"a", 10.049) and not senders.due(b"b", 10.049)
    assert senders.due(b"a", 10.05), "still unchecked: asked again"


def test_players_are_known_by_gid_and_sets_are_emptied_past_max_kept():
    senders = _senders(max_kept=2)
    assert not senders.stopped_player(b"p") and not senders.stopped_player("no gid")
    senders.add_players({b"p"})
    assert not senders.stopped_player(b"p"), "playing: the session holds, nothing dropped"
    assert senders.add_players({b"q", b"r"}) == {b"p"}  # p stopped, q and r play
    assert senders.stopped_player(b"p") and not senders.stopped_player(b"q")
    assert not senders.stopped_player(b"x"), "never a player"
    assert senders.player_gids == {b"p", b"q", b"r"}
    senders.add_players({b"s"})  # past max_kept: the old ones are forgotten
    assert senders.player_gids == {b"s"}
    for sender in (b"1", b"2", b"3"):
        senders.checked(sender, True, 0.0)
    senders.checked(b"4", True, 0.0)
    assert senders.checked_senders == {b"4"}


def test_input_topics_name_each_input_with_its_message_types():
    assert input_topics("/cam", "/joint_states", False, None) == {
        "camera images on /cam": ("/cam", CAMERA_RELAY_TYPES),
        "robot states on /joint_states": ("/joint_states", JOINT_STATE_TYPES)}
    assert input_topics("/cam", "/joint_states", False, "/joint_states") == \
        input_topics("/cam", "/joint_states", False, ""), "the fingers on the state topic: once"
    pose = input_topics("/cam", "/current_pose", True, "/hand/fingers")
    assert pose["robot states on /current_pose"] == ("/current_pose", POSE_RELAY_TYPES)
    assert IMAGE_TYPES < CAMERA_RELAY_TYPES and POSE_TYPES < POSE_RELAY_TYPES
    assert pose["finger joint states on /hand/fingers"] == ("/hand/fingers", JOINT_STATE_TYPES)


def test_an_unchecked_sender_is_held_until_a_check_names_every_publisher():
    senders = _senders()
    assert senders.due(b"p", 1.0)
    senders.checked(b"p", False, 1.0)  # the graph lists an unnamed publisher
    assert senders.unnamed(b"p", 1.0) == 0.0
    assert senders.unnamed(b"p", 1.5) == pytest.approx(0.5), "held this long"
    assert not senders.due(b"p", 1.02) and senders.due(b"p", 1.06), "asked again after 50 ms"
    senders.checked(b"p", True, 1.06)
    assert senders.unnamed(b"p", 2.0) is None and not senders.unnamed_since


def test_the_finger_topics_the_search_may_take_are_checked_before_one_is_chosen():
    from vjepa_ros.robot.finger_watch import FingerWatch

    watch = FingerWatch(arm_topic="/robot_a/joint_states")
    assert watch.may_take("/robot_a/franka_gripper/joint_states")  # its own namespace
    assert watch.may_take("/gripper/joint_states")  # one above
    assert not watch.may_take("/robot_b/gripper/joint_states"), "another robot's"
    assert not FingerWatch("/hand/fingers").may_take("/robot_a/gripper/joint_states")
    assert FingerWatch("/hand/fingers").may_take("/hand/fingers")
    topics = input_topics("/cam", "/robot_a/joint_states", False,
                          [None, "/robot_a/gripper/joint_states", "/robot_a/joint_states"])
    assert list(topics) == ["camera images on /cam", "robot states on /robot_a/joint_states",
                            "finger joint states on /robot_a/gripper/joint_states"]


def test_only_the_end_of_a_player_of_finger_joints_ends_the_recorded_closedness():
    inputs = input_topics("/cam", "/joint_states", False, "/hand")
    camera, arm, hand = list(inputs)  # camera images, robot states, finger joint states
    players = FingerPlayers()
    assert not players.stopped({camera: ["/rosbag2_player"], arm: [], hand: []}, inputs)
    assert not players.stopped({camera: [], arm: [], hand: []}, inputs), "a camera player"
    assert not players.stopped({camera: [], hand: ["/bag_player"]}, inputs)
    assert not players.stopped({camera: [], hand: ["/bag_player"]}, inputs), "still playing"
    assert players.stopped({camera: [], hand: []}, inputs), "the finger topic's player stopped"
    assert not players.stopped({arm: ["/rosbag2_player"]}, inputs)
    assert players.stopped({arm: []}, inputs), "the joint states (fingers in them) stopped"
    assert not players.stopped({hand: ["/p"]}, inputs)
    others = input_topics("/cam", "/joint_states", False, "/other_hand")
    assert players.stopped({words: [] for words in others}, others), "no input any more"
    poses = input_topics("/cam", "/current_pose", True, None)
    assert not players.stopped({words: ["/p"] for words in poses}, poses)
    assert not players.stopped({words: [] for words in poses}, poses), "a pose carries none"
