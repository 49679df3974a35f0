"""A clock that goes back under an enabled planner: a simulator restarted (user31), a bag looped.

The old world's command must not go on (its set-point pulled the restarted arm back to where the
old one was), a plan begun on the old clock must not be commanded, and planning must go on at
once on the new clock's frames in every control mode. The tiny model, clock and hooked planner
of ``test_robot_mpc.py``.
"""

import numpy as np
import pytest
from test_robot_mpc import START, HookedPlanner, enabled_session, observe, tiny_world_model

NEW_START = START + np.array([0.0, 0.1, 0.0, 0, 0, 0, 0])  # the new simulator's arm: 10 cm away


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _restart(session, clock, seconds=1.0):
    """Start the new world: its clock from ``seconds``, fresh frames, the arm at NEW_START."""
    clock.now = seconds
    for tick in range(5):
        clock.now += 0.1
        observe(session, clock, seed=40 + tick, state=NEW_START)


@pytest.mark.parametrize("mode", ["continuous", "blocking", "async"])
def test_the_old_command_stops_and_the_next_plan_starts_from_the_new_arm(model, mode):
    session, clock, logs = enabled_session(model, mode=mode)
    assert session.plan_step().command is not None
    clock.now += 0.01
    assert session.stream_step() is not None  # the old world's set-point streams
    _restart(session, clock)
    assert session.stream_step() is None, "the old world's set-point still streams"
    warned = [m for level, m in logs if level == "warning" and "went back" in m]
    assert len(warned) == 1 and "100.0" in warned[0], logs
    report = session.plan_step()
    assert report is not None and report.command is not None, "no plan on the new clock"
    output = session.stream_step()
    assert output is not None
    assert np.linalg.norm(output.setpoint[:3] - NEW_START[:3]) < 0.02, (
        "the set-point did not start from the new arm's measured pose")


def test_a_plan_begun_on_the_old_clock_is_not_commanded(model):
    planner = HookedPlanner(model)
    session, clock, _ = enabled_session(model, planner=planner)
    planner.after = lambda: _restart(session, clock)  # the simulator restarts while it plans
    report = session.plan_step()
    assert report.command is None and "clock went back" in report.reason
    assert session.stream_step() is None and session.commands_sent == 0
    assert session.plan_step().command is not None, "the next plan, on the new clock, commands"


def test_in_shadow_mode_it_only_plans_on_the_new_clock(model):
    session, clock, logs = enabled_session(model)
    session.set_enabled(False)
    assert session.plan_step() is not None
    _restart(session, clock)
    assert session.plan_step() is not None, "shadow planning stopped after the clock went back"
    assert not any("went back" in m for _, m in logs), "nothing was commanded: nothing to say"
    assert session.stream_step() is None


def test_an_idle_session_says_nothing_and_plans_on(model):
    session, clock, logs = enabled_session(model, mode="blocking")
    _restart(session, clock)  # enabled, nothing commanded yet
    assert session.plan_step().command is not None
    assert not any("went back" in m for _, m in logs)


class Wall:
    """A steady clock the test moves: wall time passing while the node clock stands still."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _frozen_session(model, mode="continuous"):
    session, clock, logs = enabled_session(model, mode=mode)
    session.wall_clock = wall = Wall()
    observe(session, clock)  # timed by the wall clock from here on
    return session, clock, wall, logs


def test_a_frozen_clock_makes_the_last_frame_stale_after_wall_seconds(model):
    # user31: sim_node killed under use_sim_time; its /clock stood still, so the last frame
    # stayed "fresh": ~/enable said "commanding", ~/capture_goal took the dead camera's frame
    from vjepa_ros.robot.input_checks import FROZEN_CLOCK_S

    session, clock, wall, _ = _frozen_session(model)
    session.set_enabled(False)
    wall.now += FROZEN_CLOCK_S - 1  # a slow simulator: frames come seconds apart
    assert session.set_enabled(True)[1] == "enabled: commanding the arm"
    session.set_enabled(False)
    wall.now += 2  # the simulator died: nothing new, the node clock stands
    ok, reply = session.set_enabled(True)
    assert ok and "clock stands still" in reply and "no camera image" in reply, reply
    with pytest.raises(RuntimeError, match="clock stands still"):
        session.capture_goal()
    report = session.plan_step()
    assert report is None or report.command is None, "planned and commanded on a dead camera"
    observe(session, clock, seed=5)  # the simulator is back (same clock here): fine again
    assert "clock stands still" not in session.set_enabled(True)[1]


def test_a_frozen_clock_holds_a_moving_arm(model):
    session, clock, wall, logs = _frozen_session(model)
    assert session.plan_step().command is not None
    assert session.stream_step() is not None
    wall.now += 10
    held = session.stream_step()
    assert held is not None and held.hold_started and held.setpoint is None
    assert session.stream_step() is None, "the old set-point streams on a dead simulator"
    assert any("clock stands still" in m for level, m in logs if level == "warning"), logs


def test_without_a_wall_clock_nothing_is_timed_by_it(model):
    session, clock, logs = enabled_session(model)
    observe(session, clock)
    assert session.arrived_at == [None, None]
    assert session.plan_step().command is not None


def test_a_frame_stamped_a_little_before_the_newest_keeps_the_command(model):
    # a driver's stamp jitter (a RealSense's global time adjusting): no new world
    session, clock, logs = enabled_session(model)
    assert session.plan_step().command is not None
    clock.now += 0.05
    session.observe_image(session.frame.value, clock.now - 0.1)  # 0.1 s < max_image_age_s
    assert session.stream_step() is not None, "a jitter dropped the command"
    assert not any("went back" in m for _, m in logs)


def test_a_paused_simulators_clock_holds_after_the_wall_limit_only_while_it_stands(model):
    # a paused simulator: /clock (and joint states) go on with the same time; then it resumes
    from vjepa_ros.robot.input_checks import FROZEN_CLOCK_S

    session, clock, wall, _ = _frozen_session(model)
    for _ in range(int(FROZEN_CLOCK_S) + 2):  # paused: states keep coming, stamped alike
        wall.now += 1
        session.observe_state(START, clock.now)
    assert any("no camera image" in b.detail and "clock stands still" in b.detail
               for b in session.blocking_problems(clock.now))
    clock.now += 0.01  # resumed: the clock runs again, the camera's next frame not due yet
    assert not any("clock stands still" in b.detail
                   for b in session.blocking_problems(clock.now))


def test_a_sub_goal_sequence_starts_again_at_its_first_sub_goal(model):
    from test_robot_mpc import frame

    from vjepa_ros.robot.goals import SubGoal
    session, clock, logs = enabled_session(model, mode="blocking")
    session.set_goals([SubGoal(frame(20), 1, "grasp"), SubGoal(frame(21), 3, "place")])
    assert session.plan_step().command is not None  # sub-goal 1's one step: on to sub-goal 2
    assert session.goals.index == 1 and len(session.goals.switches) == 1
    _restart(session, clock)
    assert (session.goals.index, session.goals.steps_done, session.goals.switches) == (0, 0, [])
    said = [m for level, m in logs if level == "info" and "starts again at goal 1/2" in m]
    assert len(said) == 1, logs
    report = session.plan_step()
    assert report.subgoal.index == 0 and report.subgoal.switch is not None, (
        "the new world's first step toward sub-goal 1 did not count as its one step")


def test_the_new_worlds_first_gripper_command_is_sent(model):
    session, clock, _ = enabled_session(model, mode="blocking")
    assert session.plan_step().gripper_command is not None  # the old world's hand command
    _restart(session, clock)
    assert session.last_gripper is None, "the old world's gripper command would hold the new one"
    assert session.plan_step().gripper_command is not None


def _step_back(session, clock, state, seconds=1.0, state_first=False, picture="same",
               system_back=None):
    """Step the clock back ``seconds`` [s]; fresh frames and ``state`` [7] follow on it.

    ``system_back``: how far the node's system clock (the session's ``clock_offset``) goes back
    with it [s]; None: as far (a wall clock stepped by chrony/ntpd/PTP moves both), 0: not at
    all (a simulator restarted, a bag looped). ``picture``: "same": the camera goes on seeing
    the scene (the newest frame with sensor noise of +-3 grey levels); "new": other pictures
    (another scene).
    """
    from test_robot_mpc import frame

    scene = session.frame.value.astype(int)
    clock.now -= seconds
    clock.offset -= seconds if system_back is None else system_back
    for tick in range(5):
        clock.now += 0.1
        if state_first:
            session.observe_state(state, clock.now)
        noise = np.random.default_rng(60 + tick).integers(-3, 4, scene.shape)
        session.observe_image(np.clip(scene + noise, 0, 255).astype(np.uint8) if
                              picture == "same" else frame(60 + tick), clock.now)
        session.observe_state(state, clock.now)


@pytest.mark.parametrize("state_first", [False, True])
def test_a_wall_clock_step_under_a_continuing_arm_is_no_new_world(model, state_first):
    # breaker42a: chrony/ntpd makestep or PTP steps a real arm's wall clock back 1 s; the arm
    # and hand are where they were: goal progress, the gripper command and the command stay,
    # the old clock's states are not planned from, one warning names the step
    from test_robot_mpc import frame

    from vjepa_ros.robot.goals import SubGoal
    session, clock, logs = enabled_session(model, mode="continuous")
    session.set_goals([SubGoal(frame(20), 1, "grasp"), SubGoal(frame(21), 3, "place")])
    assert session.plan_step().command is not None  # sub-goal 1's one step: on to sub-goal 2
    gripper = session.last_gripper
    assert session.goals.index == 1 and gripper is not None
    clock.now += 0.01
    assert session.stream_step() is not None
    _step_back(session, clock, START, state_first=state_first)
    assert (session.goals.index, session.last_gripper) == (1, gripper), "progress forgotten"
    assert all(s.stamp <= clock.now for s in session.states), "old clock's states kept"
    said = [m for level, m in logs if "went back" in m]
    assert len(said) == 1 and "the clock went back" in said[0] and "goal progress kept" in \
        said[0], logs
    assert session.stream_step() is not None, "the command of a continuing arm was dropped"
    assert session.plan_step().command is not None, "no plan after the clock step"


@pytest.mark.parametrize("change", ["moved", "hand", "stamps only", "system clock 0.5 s",
                                    "picture and stamps only"])
def test_a_clock_step_with_the_scene_changed_is_a_new_world(model, change):
    # the arm moved or the hand changed with a wall clock step; or the stamps went back and the
    # node's system clock did not (breaker42g: a bag looped whose demo ends at the pose it
    # starts from, the arm and hand as before, with the same picture or another) or went back
    # by another amount (0.5 s for 1 s: beyond max(0.2 s, 20 %)): states before frames this
    # time (the frames-first order is the tests above)
    from test_robot_mpc import frame

    from vjepa_ros.robot.goals import SubGoal
    session, clock, logs = enabled_session(model, mode="blocking")
    session.set_goals([SubGoal(frame(20), 1, "grasp"), SubGoal(frame(21), 3, "place")])
    assert session.plan_step().command is not None
    assert session.goals.index == 1
    state = {"moved": NEW_START.copy(), "hand": START + [0, 0, 0, 0, 0, 0, 0.5]}.get(
        change, START.copy())
    _step_back(session, clock, state, state_first=True,
               picture="new" if change.startswith("picture") else "same",
               system_back={"stamps only": 0.0, "system clock 0.5 s": 0.5,
                            "picture and stamps only": 0.0}.get(change))
    assert (session.goals.index, session.last_gripper) == (0, None), "no new world"
    assert any("a new world" in m for _, m in logs), logs
    assert session.stream_step() is None, "the old world's set-point still streams"


@pytest.mark.parametrize("system_back", [0.75, 1.05])
def test_a_system_clock_step_about_as_large_as_the_stamps_is_a_wall_clock_step(model,
                                                                               system_back):
    # within max(0.2 s, 20 %) of the stamps' step (here 0.9 s: the clock 1 s back, the next
    # frame 0.1 s on; no wall_clock to time the arrivals): the same step; the picture does not
    # matter (breaker42j: an arm at full speed seen at 15 Hz, a flicker)
    from test_robot_mpc import frame

    from vjepa_ros.robot.goals import SubGoal
    session, clock, logs = enabled_session(model, mode="continuous")
    session.set_goals([SubGoal(frame(20), 1, "grasp"), SubGoal(frame(21), 3, "place")])
    assert session.plan_step().command is not None
    _step_back(session, clock, START, picture="new", system_back=system_back)
    assert session.goals.index == 1, logs
    said = [m for level, m in logs if "went back" in m]
    assert len(said) == 1 and "system clock back" in said[0] and "goal progress kept" in \
        said[0], said


def test_the_system_clock_offset_is_read_by_default():
    # the node's sessions read the real one: time.time() - time.monotonic(), steady here
    import inspect

    from vjepa_ros.robot.clock_steps import system_clock_offset
    from vjepa_ros.robot.mpc import MPCSession

    assert inspect.signature(MPCSession).parameters["clock_offset"].default is \
        system_clock_offset
    assert abs(system_clock_offset() - system_clock_offset()) < 0.01


def test_a_system_clock_fall_is_matched_once_and_only_while_recent():
    # breaker42m: a fall of the system clock's offset, seen at any arrival (a state's, a frame's
    # in flight), is matched by the frames' step that follows (less the time between the two
    # frames' arrivals), once; one older than CLOCK_FALL_KEEP_S, or of another size, is not
    from vjepa_ros.robot.clock_steps import CLOCK_FALL_KEEP_S, SystemClockFalls

    falls = SystemClockFalls()
    falls.observe(5.0, 10.0)
    falls.observe(5.0, 10.5)  # no fall
    assert falls.match(0.95, 0.05, 10.5) is None
    falls.observe(4.0, 11.0)  # the wall clock stepped back 1 s
    falls.observe(4.0, 11.05)
    assert falls.match(3.0, 0.05, 11.1) is None  # stamps back 3 s: not this fall
    assert falls.match(0.95, 0.05, 11.1) == pytest.approx(0.95)
    assert falls.match(0.95, 0.05, 11.2) is None  # consumed
    falls.observe(3.0, 12.0)
    assert falls.match(0.95, 0.05, 12.0 + CLOCK_FALL_KEEP_S + 0.1) is None  # too old


@pytest.mark.parametrize("publishing,said", [
    (False, "the bag player /rosbag2_player that gave /clock has exited: its bag ended"),
    (True, "/clock comes from the bag player /rosbag2_player, paused or waiting")])
def test_a_bag_players_frozen_clock_names_the_player_not_a_simulator(model, publishing, said):
    # fix60u: after a replayed bag ended the line said "a simulator stopped or paused"
    from vjepa_ros.robot.input_checks import FROZEN_CLOCK_S

    session, clock, wall, _ = _frozen_session(model)
    session.clock_players = lambda: (["/rosbag2_player"], publishing)
    session.set_enabled(False)
    wall.now += FROZEN_CLOCK_S + 1
    ok, reply = session.set_enabled(True)
    assert ok and "clock stands still (" + said in reply, reply
    assert "simulator" not in reply, reply
    session.clock_players = lambda: ([], publishing)  # a simulator's /clock: as before
    session.set_enabled(False)
    assert "(a simulator stopped or paused" in session.set_enabled(True)[1]
