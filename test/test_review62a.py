"""review62a: defects found reading session 62's merged change (frame pairing first).

Each test is a strict xfail naming its defect: it fails while the defect is there.
"""

import numpy as np
import pytest
from test_robot_goals import START, make_session
from test_robot_mpc import frame, tiny_world_model

try:  # the planner node's tests (#4): a real node in this process, the command in its own
    from test_breaker59k import planner, planner_cli, said  # noqa: F401 (a fixture)
except pytest.skip.Exception:  # no rclpy: those tests skip, the others run

    @pytest.fixture
    def planner():
        pytest.skip("rclpy is installed by scripts/bootstrap.sh")

pytestmark = pytest.mark.usefixtures("one_thread")

FROZEN = "sends the same picture"


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _pose(t: float, speed: float = 0.3, move_s: float = 0.5) -> np.ndarray:
    """Return the arm's state at ``t`` [s] after the start: along x at ``speed`` [m/s]."""
    return START + np.r_[speed * min(max(t, 0.0), move_s), 0, 0, 0, 0, 0, 0]


def _live_run(session, clock, camera_hz: float, state_hz: float, gap: tuple[float, float],
              end_s: float = 1.6, invalid_hz: float = 0.0) -> None:
    """Feed a live camera (each pose its own picture) and states, none valid in ``gap`` [s].

    ``invalid_hz``: NaN states at this rate in the gap instead (a driver that lost a joint).
    """
    start = clock.now
    events = [(start + k / camera_hz, 1, "frame") for k in range(int(end_s * camera_hz) + 1)]
    events += [(start + k / state_hz, 0, "state") for k in range(int(end_s * state_hz) + 1)
               if not gap[0] <= k / state_hz < gap[1]]
    if invalid_hz:
        events += [(start + k / invalid_hz, 0, "invalid") for k in range(
            int(end_s * invalid_hz) + 1) if gap[0] <= k / invalid_hz < gap[1]]
    for stamp, _, kind in sorted(events):
        clock.now = max(clock.now, stamp)
        if kind == "frame":
            session.observe_image(frame(int(round(_pose(stamp - start)[0] * 1000))), stamp)
        else:
            state = _pose(stamp - start) if kind == "state" else np.full(7, np.nan)
            session.observe_state(state, stamp)


@pytest.mark.parametrize("state_hz", [100.0, 30.0])
def test_a_state_dropout_while_the_arm_moves_does_not_make_a_live_camera_frozen(model, state_hz):
    """Keep a live camera live across a dropout of the robot states.

    The user's robot states stop for 0.4 s (a relay or DDS hiccup) while the arm moves 15 cm
    at 0.3 m/s, then come again; the camera is live throughout.

    What happens: the frame taken as the arm stopped (0.5 s) is paired once the first state
    after the gap (0.6 s) comes, with the pose interpolated linearly between the last state
    before the gap (0.19 s, 5.7 cm) and that one: 12.8 cm where the arm stood at 15 cm. The
    frames of the arm standing there, the same picture, then read as "the same picture while
    the hand moved 2.4 cm": the planning loop holds on a live camera and ``~/capture_goal`` is
    refused, for as long as the arm stands (before session 62 the frame was judged with the
    nearest state or not at all: no hold). What should happen: a live camera is never taken for
    frozen; a frame between states farther apart than the stream's period is paired with the
    nearer state when that one is near enough, or not judged.
    """
    session, clock, _ = make_session(model)
    _live_run(session, clock, 30.0, state_hz, gap=(0.2, 0.6))
    refusal = session._input_refusal(clock.now)
    assert refusal is None or FROZEN not in refusal.detail, refusal.detail
    session.capture_goal()  # not refused as "the same picture ... while the hand moved"


@pytest.mark.parametrize("state_hz", [100.0, 30.0])
def test_nan_states_while_the_arm_moves_leave_a_capture_of_a_live_camera_taken(model, state_hz):
    """Take a capture after a stretch of invalid robot states during a move (#1's kind).

    The user's joint states read NaN for 0.4 s (7 Hz, a driver that lost a joint) while the arm
    moves 15 cm at 0.3 m/s; valid states come again, the arm stands, the episode of invalid
    states ends (1 s), and the user calls ``~/capture_goal``; the camera is live.

    What happens: a NaN state is not kept, so the frame taken as the arm stopped is paired
    across the stretch, interpolated between the last valid state before it and the first
    after (1.5 cm short of where the arm stood); the captures keep it, and the capture of the
    arm standing there is refused as "the same picture ... while the hand moved" (before
    session 62: the nearest valid state was too far from that frame, nothing kept, the
    capture taken). What should happen: the capture is taken.
    """
    session, clock, _ = make_session(model)
    _live_run(session, clock, 30.0, state_hz, gap=(0.3, 0.7), end_s=3.0, invalid_hz=7.0)
    assert session._input_refusal(clock.now) is None
    session.capture_goal()


def _frozen_said(run) -> list:
    """Return the ``FrozenMeanWarning`` records ``run()`` issues (every one, not once per line)."""
    import warnings

    from vjepa_ros.planning.config import FrozenMeanWarning

    with warnings.catch_warnings(record=True) as said_:
        warnings.simplefilter("always")
        run()
    return [w for w in said_ if issubclass(w.category, FrozenMeanWarning)]


@pytest.mark.parametrize("random_actions", [False, True])
def test_the_reach_api_says_a_frozen_mean_as_make_planner_does(random_actions):
    """Say a frozen search mean to a user of the reach API.

    A Python user runs README's ``run_reach_episode(sim, model, goal, cem)`` with
    ``CEMConfig(momentum_mean=1.0)``.

    What happened (review62a #2): no ``FrozenMeanWarning`` (nor any line): since session 62 the
    warning is said by ``make_planner`` and the commands only, and the episode's ``MPCSession``
    builds its planner with ``build_planner``, which says nothing; before, building the
    ``CEMConfig`` said it. CEM then plans the mean's start (all zeros) whatever the goal,
    silently. What should happen: the API that runs the planner says the frozen mean once, at
    the user's line, as ``make_planner`` does (README: "A mean momentum of 1 ... gives one
    FrozenMeanWarning line"); nothing for ``random_actions`` (no search).
    """
    import dataclasses

    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from test_reach_loop import CEM, SEED, SMALL

    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import make_reach_goal, reach_sim_config, run_reach_episode
    from vjepa_ros.sim.reach_config import ReachConfig

    frozen = dataclasses.replace(CEM, method="cem", momentum_mean=1.0)
    with Sim(reach_sim_config(SEED, SMALL)) as sim:
        oracle = OracleWorldModel().attach(sim)
        said_ = _frozen_said(lambda: run_reach_episode(
            sim, oracle, make_reach_goal(sim, SEED), frozen, ReachConfig(max_steps=1),
            random_actions=random_actions))
    assert [w.filename for w in said_] == ([] if random_actions else [__file__]), \
        [(w.filename, str(w.message)) for w in said_]


def test_the_task_api_says_a_frozen_mean_once_at_the_callers_line():
    """Say a frozen search mean to a user of ``run_task_episode`` once (#2's kind).

    A Python user runs README's ``run_task_episode(sim, world_model, setup, cem)`` (it runs
    ``run_reach_episode``) with ``momentum_mean`` 1. What happened: nothing said (#2). What
    should happen: one ``FrozenMeanWarning`` at the user's line, not a second one from the
    ``run_reach_episode`` it runs.
    """
    import dataclasses

    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from test_reach_loop import CEM

    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.config import CameraConfig
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.manipulation_loop import TaskLoopConfig, run_task_episode
    from vjepa_ros.sim.oracle import OracleWorldModel

    frozen = dataclasses.replace(CEM, momentum_mean=1.0)
    with Sim(manipulation_sim_config(900000, "box", width=32, height=32,
                                     camera=CameraConfig(shadows=False))) as sim:
        oracle = OracleWorldModel().attach(sim)
        setup = setup_task(sim, 900000, "grasp")
        said_ = _frozen_said(lambda: run_task_episode(sim, oracle, setup, frozen,
                                                      TaskLoopConfig(max_steps=1)))
    assert [w.filename for w in said_] == [__file__], \
        [(w.filename, str(w.message)) for w in said_]


def test_the_run_command_says_a_frozen_mean_in_one_line(tmp_path, capsys):
    """``vjepa-ros run --momentum-mean 1`` says it once, as its option (#2's kind).

    The command says it before its episodes, and ``run_task_episode`` (now an entry that says
    it too) runs inside it: one ``warning:`` line naming the option, no Python warning.
    """
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.cli import main

    codes = []
    said_ = _frozen_said(lambda: codes.append(main([
        "run", "--task", "grasp", "--world-model", "oracle", "--size", "32", "--max-steps", "1",
        "--momentum-mean", "1", "--out", str(tmp_path)])))
    err = capsys.readouterr().err
    assert codes == [0], err
    assert not said_, [str(w.message) for w in said_]
    lines = [line for line in err.splitlines() if "never moves the search mean" in line]
    assert len(lines) == 1 and lines[0].startswith("vjepa-ros run: warning: --momentum-mean"), err


def test_the_one_shot_plan_says_a_frozen_mean_at_the_callers_line():
    """``plan(model, ..., CEMConfig(momentum_mean=1.0))`` warns at the user's line (a remark).

    What happened: the one-shot ``plan`` built its planner by ``make_planner``, whose
    ``FrozenMeanWarning`` pointed at that call inside ``planning/cem.py``, not at the user's
    ``plan(...)``. What should happen: one warning, at the caller's line, as ``make_planner``.
    """
    from test_planning_cem import START, _problem

    from vjepa_ros.planning import CEMConfig, make_planner, plan

    model, context, goal = _problem([0.03, -0.02, 0.01])
    frozen = CEMConfig(horizon=1, samples=16, topk=4, iterations=2, momentum_mean=1.0)
    for said_ in (_frozen_said(lambda: plan(model, context, START, goal, frozen)),
                  _frozen_said(lambda: make_planner(model, frozen))):
        assert [w.filename for w in said_] == [__file__], \
            [(w.filename, str(w.message)) for w in said_]


@pytest.mark.parametrize("state_hz", [100.0, 30.0])
def test_after_the_arm_is_moved_at_once_a_capture_there_is_taken(model, state_hz):
    """Take a capture where the arm was put at once.

    The user resets the simulator (``~/reset``: the arm put 30 cm away at once; a driver
    re-homing, a bag that loops alike) and, the arm standing there for 9 s, calls
    ``~/capture_goal``; the camera is live (each pose its own picture).

    What happens: the first frame of the new pose is paired with the pose interpolated between
    the last state before the jump and the first one kept after it (the jumping states are
    refused, not kept): 15 cm, half way, where the arm never was. ``CapturePictures.seen`` keeps
    it (the hand "moved" 15 cm), and every later frame of the arm standing at the new pose, the
    same picture, is "the same picture ... while the hand moved 15 cm": the capture is refused,
    for as long as the arm stands there (before session 62 the frame was kept with the nearest
    state, the one before the jump, and the hand had not changed: nothing kept, capture taken).
    What should happen: the capture is taken; no pose between two states a jump separates.
    """
    session, clock, _ = make_session(model)
    start, jump_at, end, camera_hz = clock.now, 0.5, 9.5, 30.0

    def pose(t: float) -> np.ndarray:
        return START + np.r_[0.3 if t >= jump_at else 0.0, 0, 0, 0, 0, 0, 0]

    events = [(start + k / camera_hz, 1, "frame") for k in range(int(end * camera_hz) + 1)]
    events += [(start + k / state_hz, 0, "state") for k in range(int(end * state_hz) + 1)]
    for stamp, _, kind in sorted(events):
        clock.now = max(clock.now, stamp)
        if kind == "frame":
            session.observe_image(frame(int(round(pose(stamp - start)[0] * 1000))), stamp)
        else:
            session.observe_state(pose(stamp - start), stamp)
    assert session._input_refusal(clock.now) is None
    session.capture_goal()  # not refused as "the same picture ... while the hand moved"


def _good_then_refused(tmp_path):
    """Set a good goal file (0), then a file the decode refuses (1); return the set, the good file.

    The set: ``vjepa-ros planner param set`` of the goal lists naming one file (``path``).
    """
    import cv2

    good, whole = tmp_path / "good.png", tmp_path / "whole.png"
    cv2.imwrite(str(good), np.full((64, 64, 3), 60, np.uint8))
    cv2.imwrite(str(whole), np.full((64, 64, 3), 30, np.uint8))
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[:len(whole.read_bytes()) // 2])

    def set_file(path):
        return planner_cli("param", "set", "goal_image_paths", "[]", "goal_steps", "[]",
                           "goal_gripper", "[0.5]", "goal_image_path", str(path))

    assert set_file(good).returncode == 0
    refused = set_file(cut)
    assert refused.returncode == 1 and "set back to" in refused.stdout, refused
    return set_file, good


def test_setting_the_goal_in_force_after_a_refused_file_is_0(planner, tmp_path):  # noqa: F811
    """Set again the goal file the planner went back to after refusing another.

    The user sets a goal file by ``vjepa-ros planner param set``; then a second file the
    decode refuses (a PNG cut short: status 1, "goal_image_path is set back to GOOD"); then,
    to be sure, sets the good file again with the same command.

    What happened (review62a #4): status 1, "did not take the goal values: its line above", the
    line printed the first refusal's, although the node holds and plans toward exactly the
    values set: the values equal the ones in force, so ``_on_set_parameters`` changed nothing
    and left ``goal_not_applied`` (``/diagnostics``) as the refused set left it, and
    ``GoalState`` read it as this set's outcome. What should happen: 0 naming the goal in force
    (the set's values are in force); a line on a refused set is not the answer to a later set.
    """
    set_file, good = _good_then_refused(tmp_path)
    again = set_file(good)
    assert again.returncode == 0, (again.stdout, said(again))
    assert f"goal 1/1 ({good})" in again.stdout, again.stdout


def test_a_count_set_at_its_value_in_force_after_a_refused_file_is_0(planner,  # noqa: F811
                                                                     tmp_path):
    """Set a goal count alone, at its value in force, after a refused goal file (#4's kind).

    The user sets a goal file, then one the decode refuses (status 1, the good one set back),
    then ``vjepa-ros planner param set goal_gripper [0.5]``: the closedness the goal in force
    runs (a set naming no file: its outcome is the node's ``goal_not_applied``, nothing else).

    What happened: status 1 with the refused file's line, a set that changes nothing leaving
    the older set's word in ``/diagnostics``. What should happen: 0 naming the goal in force.
    """
    _, good = _good_then_refused(tmp_path)
    again = planner_cli("param", "set", "goal_gripper", "[0.5]")
    assert again.returncode == 0, (again.stdout, said(again))
    assert f"goal: goal 1/1 ({good})" in again.stdout, again.stdout
