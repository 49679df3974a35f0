"""The session refuses a camera frame the same way everywhere: planning, goal captures, logs."""

import re

import numpy as np
import pytest
from test_robot_mpc import START, frame, make_session, observe, tiny_world_model

from vjepa_ros.nodes.input_watch import InputProblem, silent_inputs_message
from vjepa_ros.robot.goals import SubGoal, capture_refusal
from vjepa_ros.robot.inputs import RECOVERY_S
from vjepa_ros.robot.refusal import Blocker

AHEAD = "in the future|ahead of the node clock"  # 10 s ahead; 1.8e9 s: another clock


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("ahead_s", [10.0, 1.8e9])
def test_captures_refuse_a_frame_stamped_in_the_future_as_the_loop_does(model, ahead_s):
    session, clock, _ = make_session(model)
    session.observe_image(frame(0), clock.now + ahead_s)
    session.observe_state(START, clock.now)
    for call, service in ((session.capture_goal, "~/capture_goal"),
                          (session.add_subgoal, "~/add_subgoal")):
        with pytest.raises(RuntimeError, match=f"{service} refused: .*({AHEAD})"):
            call()
    assert session.goals is None
    session.set_goals([SubGoal(frame(1), 0)])
    assert session.plan_step() is None, "the loop holds on the same frame"
    assert re.search(AHEAD, session.refusal)


WALL = 1.796e9  # [s] a wall-clock time of 2026


@pytest.mark.parametrize("now, image_stamp, state_stamp, expected", [
    (0.0, WALL, 0.0, "node clock reads 0 s: use_sim_time is true but no /clock has arrived"),
    # which side runs on simulated time, and what to set (fix61u #5, mend62b)
    (WALL, 1000.0, WALL, "behind the node clock: this node runs on the wall clock (use_sim_time "
     "false) and the messages are stamped on simulated time (1000 s: their publisher runs on "
     "/clock, the simulator or ros2 bag play --clock); set use_sim_time true on this node"),
    (1000.0, WALL, 1000.0, "ahead of the node clock: this node runs on simulated time "
     "(use_sim_time true, /clock at 1000 s) and the messages are stamped on the wall clock; set "
     "use_sim_time false on this node"),
    (WALL, WALL - 3 * 86400, WALL, "259200 s behind the node clock: the messages are stamped on "
     "another clock (another computer's clock days off, or a bag's recorded stamps"),
    (WALL, 0.0, WALL, "camera image header.stamp is 0: its driver does not stamp"),
    (WALL, WALL, 0.0, "robot state header.stamp is 0: its driver does not stamp"),
    # a simulator started again: its first frame stamped 0 on its young clock is old, not
    # unstamped (user31)
    (2.0, 0.0, 2.0, "camera image is stale: 2.00 s old"),
])
def test_clock_mismatches_are_named_plainly_and_hold(model, now, image_stamp, state_stamp,
                                                     expected):
    session, clock, logs = make_session(model)
    clock.now = now
    session.observe_image(frame(0), image_stamp)
    session.observe_state(START, state_stamp)
    session.set_goals([SubGoal(frame(1), 0)])
    assert session.plan_step() is None, "held, nothing planned"
    assert expected in session.refusal
    assert any(expected in message for _, message in logs)
    if image_stamp != now:
        with pytest.raises(RuntimeError, match=re.escape(expected.split(":")[0])):
            session.capture_goal()


@pytest.mark.parametrize("shape", [(2, 2000, 3), (8, 8, 3), (40, 200, 3)])
def test_camera_frames_a_goal_file_could_not_be_are_held_on_and_never_captured(model, shape):
    session, clock, logs = make_session(model)
    bad = np.zeros(shape, np.uint8)
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    for _ in range(3):
        clock.now += 0.03
        assert session.observe_image(bad, clock.now)
        session.observe_state(START, clock.now)
        assert session.plan_step() is None and session.stream_step() is None
    assert session.commands_sent == 0
    assert "the newest camera frame on image is" in session.refusal
    warned = [m for _, m in logs if "camera frame refused" in m]
    assert len(warned) == 1 and f"{shape[1]}x{shape[0]} px" in warned[0]
    with pytest.raises(RuntimeError, match="~/capture_goal refused: the newest camera "
                                           "frame on image is"):
        session.capture_goal()
    # usable frames until they covered RECOVERY_S, counted from the first of them
    for _ in range(int(RECOVERY_S / 0.03) + 2):
        assert session.plan_step() is None and session.stream_step() is None
        clock.now += 0.03
        session.observe_image(frame(2), clock.now)
        session.observe_state(START, clock.now)
    assert [m for _, m in logs if "usable again" in m] == [
        f"camera frames on image usable again (64x48 px for {RECOVERY_S:g} s; was: "
        f"{warned[0].split(': ', 1)[1]})"]
    assert session.plan_step().command is not None


def test_two_alternating_refusals_are_each_logged_once(model):
    session, clock, logs = make_session(model)  # shadow mode, no goal
    for _ in range(50):
        clock.now += 0.05
        session.observe_image(frame(0), clock.now)
        session.reject_state("/current_pose is in frame 'world', not the base frame")
        assert session.plan_step() is None  # no goal: held
    refused = [m for _, m in logs if m.startswith("not commanding")]
    assert len(refused) == 2, refused


def _run_with_a_1_hz_camera(session, clock, ticks: int) -> None:
    """Step ``session`` ``ticks`` times at 10 Hz: joint states each tick, a frame every 10th."""
    for tick in range(1, ticks + 1):
        clock.now += 0.1
        if tick % 10 == 0:
            session.observe_image(frame(tick), clock.now)
        session.observe_state(START, clock.now)
        session.plan_step()
        session.stream_step()


def test_a_camera_slower_than_the_age_limit_is_named_once_not_flapping_in_the_log(model):
    session, clock, logs = make_session(model)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    _run_with_a_1_hz_camera(session, clock, 200)  # 20 s at 10 Hz, limit 0.5 s
    assert session.commands_sent > 3, "it still plans on each fresh frame"
    stale = [m for _, m in logs if "camera image is stale" in m and "not commanding" in m]
    fine = [m for _, m in logs if "fine again" in m]
    assert 1 <= len(stale) <= 2 and len(fine) <= 2, (stale, fine)  # once per 10 s at most
    slow = [m for _, m in logs if "arrive every" in m]
    assert len(slow) == 1
    assert "every 1.00 s (1 Hz)" in slow[0] and "raise safety.max_image_age_s above 1.00 s" \
        in slow[0]


def test_a_frame_held_for_its_size_shows_in_the_status_as_it_arrives_and_clears(model):
    session, clock, _ = make_session(model)
    session.set_goals([SubGoal(frame(1), 0)])
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.plan_step()  # planned on a usable frame: nothing refused
    assert session.status()["values"]["refusal"] == ""
    for _ in range(3):  # no plan runs meanwhile (the worker is busy, or the frame is old)
        clock.now += 0.1
        session.observe_image(np.zeros((8, 8, 3), np.uint8), clock.now)
        session.observe_state(START, clock.now)
        status = session.status()
        assert "the newest camera frame on image is" in status["values"]["refusal"]
        assert status["level"] == 1 and status["values"]["refusal_kind"] == "stale_inputs"
    clock.now += 0.1
    session.observe_image(frame(2), clock.now)
    session.observe_state(START, clock.now)
    assert "the newest camera frame on image is" in session.status()["values"]["refusal"]
    clock.now += RECOVERY_S
    session.observe_image(frame(2), clock.now)
    session.observe_state(START, clock.now)
    assert session.status()["values"]["refusal"] == "", "usable frames for RECOVERY_S clear it"


def test_the_status_follows_the_inputs_while_a_plan_runs_not_the_last_plans_refusal(model):
    session, clock, _ = make_session(model)
    session.set_goals([SubGoal(frame(1), 0)])
    session.observe_image(frame(0), clock.now + 0.57 + 0.5)  # beyond the 0.5 s limit ahead
    session.observe_state(START, clock.now)
    assert session.plan_step() is None
    assert "in the future" in session.status()["values"]["refusal"]
    clock.now += 0.1  # the stamps are fixed; no plan has run since (a blocking plan takes 13 s)
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    assert session.status()["values"]["refusal"] == ""
    clock.now += 0.1  # a new clock problem shows at once, not when the plan ends
    session.observe_image(frame(0), 0.0)
    assert "header.stamp is 0" in session.status()["values"]["refusal"]


def _camera_at_10_hz(session, clock, ticks, image=None, ahead_s=0.0):
    for _ in range(ticks):
        clock.now += 0.1
        session.observe_image(frame(0) if image is None else image, clock.now + ahead_s)
        session.observe_state(START, clock.now)
        session.plan_step()
        session.stream_step()


def test_held_frames_and_a_stamp_jump_are_not_taken_for_a_slow_camera(model):
    session, clock, logs = make_session(model)
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    _camera_at_10_hz(session, clock, 3)
    _camera_at_10_hz(session, clock, 3, image=np.zeros((8, 8, 3), np.uint8))  # held: size
    _camera_at_10_hz(session, clock, 8, ahead_s=10.0)  # stamped 10 s in the future
    _camera_at_10_hz(session, clock, 8)
    assert not [m for _, m in logs if "arrive every" in m]
    assert session.inputs.frame_period() == pytest.approx(0.1)


def test_the_slow_camera_note_is_given_per_slow_episode_at_the_rate_of_usable_frames(model):
    session, clock, logs = make_session(model)
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    for rate_hz in (1, 10, 1):  # 5 s each, a 0.5 s limit
        for tick in range(1, 51):
            clock.now += 0.1
            if tick % (10 // rate_hz) == 0:
                session.observe_image(frame(tick), clock.now)
            if rate_hz == 1 and 25 <= tick <= 28:  # held for their size: the same slow episode
                session.observe_image(np.zeros((8, 8, 3), np.uint8), clock.now)
            session.observe_state(START, clock.now)
            session.plan_step()
            session.stream_step()
    slow = [m for _, m in logs if "arrive every" in m]
    assert len(slow) == 2 and all("every 1.00 s (1 Hz)" in m for m in slow), slow  # each episode


def test_enable_and_diagnostics_list_every_blocking_reason_not_only_the_first(model):
    session, clock, _ = make_session(model)
    session.camera_topic, session.state_topic = (lambda: "/cam"), (lambda: "/franka/js")
    ok, message = session.set_enabled(True)
    assert ok
    for reason in ("no camera image received yet on /cam", "no robot state received yet on "
                   "/franka/js", "no goal"):
        assert reason in message, message
    observe_at = clock.now
    session.observe_image(frame(0), observe_at)
    session.observe_state(START, observe_at)
    clock.now += 13.0  # the camera and the arm stopped 13 s ago; still no goal
    status = session.status()
    assert "camera image is stale" in status["message"] and "no goal" in status["message"]
    assert "robot state is stale" in status["values"]["blocking"]


def test_the_session_names_the_missing_topics_in_its_structured_reasons(model):
    session, _, _ = make_session(model)
    session.camera_topic, session.state_topic = (lambda: "/cam"), (lambda: "/franka/js")
    blocking = session.snapshot().blocking
    assert [(b.detail, b.missing_topic) for b in blocking[:2]] == [
        ("no camera image received yet on /cam", "/cam"),
        ("no robot state received yet on /franka/js", "/franka/js")]
    assert blocking[2].detail.startswith("no goal") and not blocking[2].missing_topic
    inputs = [InputProblem("/franka/js", "no joint state on /franka/js in 6 s")]
    assert silent_inputs_message(inputs, blocking) == "; ".join(
        ["no joint state on /franka/js in 6 s", blocking[0].detail, blocking[2].detail])


def test_a_stale_input_names_a_clock_with_two_publishers(model):
    session, clock, logs = make_session(model)
    note = "/clock has 2 publishers: /sim_node, /sim_node — two clocks interleave, stop all but 1"
    session.clock_note = lambda: note
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now - 10.2)
    session.set_goals([SubGoal(frame(1), 0)])
    assert session.plan_step() is None
    assert session.refusal == f"robot state is stale: 10.20 s old (limit 0.25 s) ({note})"
    assert any(note in message for _, message in logs)


def test_a_capture_refusal_is_decided_by_the_missing_topic_not_by_wording(model):
    session, clock, _ = make_session(model)
    session.camera_topic = lambda: "/cam"
    refused = "~/capture_goal refused: no camera frame received yet; check the camera topic (/cam)"
    with pytest.raises(RuntimeError, match=re.escape(refused)):
        session.capture_goal()
    reworded = Blocker("no camera image worth keeping: all black")  # a frame came: no topic
    assert capture_refusal("~/add_subgoal", reworded, "/cam") == (
        "~/add_subgoal refused: no camera image worth keeping: all black; check the camera "
        "(/cam), then call it again")
    missing = Blocker("nothing yet", missing_topic="/cam")
    assert "no camera frame received yet" in capture_refusal("~/capture_goal", missing, "/cam")
    assert capture_refusal("~/capture_goal", Blocker(""), "/cam") == ""


def test_a_slow_camera_from_a_simulator_names_simulated_time_not_a_looser_limit(model):
    """The tester's hint was "raise safety.max_image_age_s above 1.75 s" for a slow simulator."""
    session, clock, logs = make_session(model)
    session.camera_advice = lambda: "the frames come from the simulator /sim_node: use sim time"
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    _run_with_a_1_hz_camera(session, clock, 50)  # limit 0.5 s
    (slow,) = [m for _, m in logs if "arrive every" in m]
    assert slow.endswith("the planner holds between frames; the frames come from the simulator "
                         "/sim_node: use sim time, rather than raising "
                         "safety.max_image_age_s"), slow
    assert "raise safety.max_image_age_s" not in slow


def test_no_goal_is_an_info_line_in_shadow_mode_and_a_warning_once_enabled(model):
    # bench_node_inputs: a latched goal arriving a few ms after the first frame gave a
    # "not commanding: no goal" warning at almost every start, in shadow mode.
    session, clock, logs = make_session(model)  # shadow mode, no goal
    clock.now += 0.05
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    assert session.plan_step() is None
    assert [level for level, m in logs if "no goal" in m] == ["info"]
    session.set_enabled(True)
    clock.now += 0.05
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.plan_step()
    assert [level for level, m in logs if "no goal" in m] == ["info", "warning"], logs


def test_enabled_without_a_camera_frame_the_status_says_why_not_commanding(model):
    # user31: enabled with a goal under use_sim_time and no /clock, diagnostics showed no
    # refusal ("commanding") while the reason sat under "blocking" only
    session, clock, _ = make_session(model)
    status = session.status()
    assert status["values"]["refusal"] == "" and status["level"] == 0  # shadow, starting up
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    status = session.status()
    assert "no camera image received yet" in status["values"]["refusal"], status
    assert status["level"] == 1 and status["message"] != "commanding"
    observe(session, clock)
    assert session.status()["values"]["refusal"] == ""
