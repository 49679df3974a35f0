"""Inputs from a bag player: shadow mode plans on a replay, commanding holds (session 27 item 2).

A bag that is a topic's only publisher (played after the driver stopped, or with no driver) was
taken for the robot: with ``--clock`` and ``use_sim_time`` its states were fresh and motion was
planned from the recorded arm. The node now finds bag players among its inputs' publishers (by
node name, every ROS distribution) and the session refuses their inputs while enabled.
"""

import numpy as np
import pytest
from test_robot_mpc import (
    START,
    enabled_session,
    frame,
    make_session,
    observe,
    stream,
    tiny_world_model,
)

from vjepa_ros.robot.recorded_inputs import is_bag_player, recorded_inputs_problem
from vjepa_ros.robot.refusal import RefusalKind
from vjepa_ros.robot.subgoal import SubGoal

BAG = recorded_inputs_problem({"camera images on /cam": ["/rosbag2_player"],
                               "robot states on /joint_states": ["/rosbag2_player"],
                               "finger joint states on /gripper/joint_states": []})


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_the_problem_names_each_recorded_input_and_player_and_what_to_do():
    assert BAG == (
        "camera images on /cam and robot states on /joint_states come from a bag player "
        "(/rosbag2_player): a recording is not the arm now, so nothing is commanded while it "
        "publishes them; replay bags in shadow mode (~/enable false), or stop the player to "
        "command the arm")
    assert recorded_inputs_problem({"camera images on /cam": []}) == ""
    assert recorded_inputs_problem({}) == ""
    assert "(/a/bag_player, /rosbag2_player)" in recorded_inputs_problem(
        {"x": ["/rosbag2_player"], "y": ["/a/bag_player"]})


@pytest.mark.parametrize("name, player", [("rosbag2_player", True), ("bag_player", True),
                                          ("franka_state_controller", False),
                                          ("rosbag2_recorder", False), ("", False)])
def test_bag_players_are_known_by_node_name(name, player):
    assert is_bag_player(name) is player


def test_shadow_mode_plans_on_a_replay_and_says_so_once_as_info(model):
    session, clock, logs = make_session(model)
    observe(session, clock)
    session.capture_goal()
    session.set_recorded_inputs(BAG)
    session.set_recorded_inputs(BAG)
    assert [(level, m) for level, m in logs if "bag player" in m] == [("info", BAG)]
    report = session.plan_step()
    assert report is not None and report.action.shape == (7,), "planned in shadow mode"
    assert report.command is None
    assert BAG in [b.detail for b in session.blocking_problems(clock.now)], "enable would hold"


def test_enabled_a_replay_holds_the_plan_and_the_stream_until_the_player_stops(model):
    session, clock, logs = enabled_session(model)
    assert session.plan_step().command is not None, "live inputs: commanded"
    assert any(o.setpoint is not None for o in stream(session, clock, ticks=3))
    session.set_recorded_inputs(BAG)
    assert ("warning", f"not commanding: {BAG}") in logs
    held = stream(session, clock, ticks=3)
    assert held[0].setpoint is None and held[0].hold_started, "the set-point stream stops"
    assert held[1:] == [None, None]
    sent = session.commands_sent
    clock.now += 0.05
    observe(session, clock, seed=1)
    assert session.plan_step() is None and session.commands_sent == sent
    status = session.snapshot()
    assert status.refusal.kind is RefusalKind.STALE_INPUTS and status.refusal.detail == BAG
    assert [m for _, m in logs if BAG in m] == [f"not commanding: {BAG}"], \
        "the hold said twice: once when the player was seen, once by the plan's refusal"
    session.set_recorded_inputs("")
    assert logs[-1] == ("info", "no bag player publishes the inputs any more: commanding "
                        "waits for a camera frame and a robot state received since")
    assert session.plan_step() is None and session.commands_sent == sent, "the bag's last inputs"
    assert "came from a bag player that stopped" in session.snapshot().refusal.detail
    clock.now += 0.05
    observe(session, clock, seed=2)
    assert session.plan_step().command is not None, "commanded again"


def test_enabling_during_a_replay_commands_nothing(model):
    session, clock, _ = make_session(model)
    observe(session, clock)
    session.capture_goal()
    session.set_recorded_inputs(BAG)
    ok, message = session.set_enabled(True)
    assert ok and f"not commanding yet: {BAG}" in message
    for seed in range(3):
        clock.now += 0.05
        session.observe_image(frame(seed), clock.now)
        session.observe_state(START + np.array([0.01 * seed, 0, 0, 0, 0, 0, 0]), clock.now)
        session.plan_step()
        assert session.stream_step() is None
    assert session.commands_sent == 0


def test_publisher_sets_list_gids_on_a_count_change_or_after_the_recheck_and_hold_unnamed():
    from vjepa_ros.robot.recorded_inputs import PublisherSets

    sets = PublisherSets(recheck_s=0.05)
    assert sets.due("/cam", 1, 0.0), "a topic not seen yet"
    assert sets.seen("/cam", 1, frozenset({b"a"}), 0.0), "the first set is a change"
    assert not sets.due("/cam", 1, 0.01), "same count, within the recheck: not listed"
    assert sets.due("/cam", 2, 0.01), "the count changed: listed at once"
    assert sets.due("/cam", 1, 0.06), "the recheck passed (a replacement at the same count)"
    assert not sets.seen("/cam", 1, frozenset({b"a"}), 0.06), "the same publishers"
    assert sets.seen("/cam", 1, frozenset({b"b"}), 0.2), "another publisher at the same count"
    # a publisher not named yet: held, listed again after the recheck, released once named
    assert sets.hold("/cam", 2, 0.3) == 0.0 and sets.held("/cam", 0.3) == 0.0
    assert not sets.due("/cam", 2, 0.31) and sets.held("/cam", 0.31) == pytest.approx(0.01)
    assert sets.due("/cam", 2, 0.36) and sets.hold("/cam", 2, 0.36) == pytest.approx(0.06)
    assert sets.seen("/cam", 2, frozenset({b"b", b"c"}), 0.4) and sets.held("/cam", 0.4) is None
    assert sets.held("/joint_states", 0.4) is None, "topics are held one by one"


def test_first_listed_waits_for_each_publisher_to_settle_from_its_own_first_listing():
    from vjepa_ros.robot.recorded_inputs import FirstListed

    listed = FirstListed(settle_s=0.5)
    listed.note([b"old"], 0.0)  # seen by an earlier 2 Hz check
    assert listed.settled([b"old"], 0.6)
    assert not listed.settled([b"old", b"new"], 0.6), "a publisher listed just now"
    assert not listed.settled([b"new"], 1.0) and listed.settled([b"new"], 1.1)
    assert listed.settled([], 0.0), "no publisher listed (gone): nothing to wait for"


def test_disabling_during_a_replay_says_shadow_mode_plans_on_the_recording_not_fine_again(model):
    # breaker29d's user pass: ~/enable false while a bag still played logged "inputs and plan
    # fine again (was: ... come from a bag player ...)": the inputs were still the recording's
    session, clock, logs = enabled_session(model)
    session.set_recorded_inputs(BAG)
    clock.now += 0.05
    observe(session, clock, seed=1)
    assert session.plan_step() is None, "held while enabled"
    session.set_enabled(False)
    clock.now += 0.05
    observe(session, clock, seed=2)
    assert session.plan_step() is not None, "shadow mode plans on the replay"
    said = [m for _, m in logs if "was: " in m]
    assert said and said[-1].startswith("shadow mode: planning on the recording"), said
    assert not any(m.startswith("inputs and plan fine again") for m in said)


def test_a_stopped_players_sends_leave_the_second_publisher_window():
    from vjepa_ros.robot.publisher_window import PublisherWindow, crowd_problem

    window = PublisherWindow(1.0)
    assert not crowd_problem(window, b"driver", 0.0, "arm joint states")
    assert crowd_problem(window, b"player", 0.1, "arm joint states"), "two publishers"
    window.forget(lambda sender: sender == b"player")  # the graph check saw the player go
    assert not crowd_problem(window, b"driver", 0.2, "arm joint states"), \
        "the stopped player's last message made a second publisher for 1 s more"


def test_an_input_not_received_yet_is_an_info_line_in_shadow_mode_a_warning_enabled(model):
    # breaker29d's user pass: a replay's first frames come before its first robot state, and
    # shadow mode logged "[WARN] not commanding: no robot state received yet" at every start
    for enabled in (False, True):
        session, clock, logs = make_session(model)
        session.observe_image(frame(0), clock.now)  # a frame, no robot state yet
        session.set_goals([SubGoal(frame(0), source="goal")])  # (a capture refuses: no state)
        if enabled:
            session.set_enabled(True)
        session.plan_step()
        said = [(level, m) for level, m in logs if "no robot state received yet" in m]
        assert said and said[0][0] == ("warning" if enabled else "info"), said
