"""breaker45e: attacks session 44's last fixes (7204071, 5cfc78c, 7c92352, 532034c).

Attacked: the simulated hand's "hold here" rule (``sim/gripper.py`` ``gripper_goal``,
``Sim._move_running``): holds while grasping, repeated holds, the 0.1 mm edges, effort 0,
NaN/inf; eval's ``executed_step_actions`` / ``executed_period_actions``, ``Steps.period_known``,
``unmeasured_steps`` and training's ``resample(period_ends=False)``; the ``PlannerOutputs`` mixin
split out of ``planner_node.py`` (closing guards, the ~/plan_report listener's one warning, the
gripper sender wiring).

Defect found: a "hold here" (the measured width) that arrives after an opening MOVE was accepted
but before the fingers pick up speed (the same 60 Hz control tick: a second publisher, or a
hold/stop sent right after the open) is dropped: the move counts as running only once the
fingers are faster than 2 mm/s, so the hand opens fully although the last goal said "stay".

Held up: holds during a grasp keep the grasp and its force (also repeated, and at the 0.1 mm
edge); repeated holds during a move stop the fingers where the first one said; NaN/inf and
negative efforts are refused whatever the fingers do; training's steps are eval's steps without
the period ends (identical states, validity, drops and frames), and eval's frame-to-frame
motions are one definition; the mixin's closing guards and its one-warning report listener.
"""

import math
import types

import numpy as np
import pytest

from vjepa_ros.sim.gripper import (
    FRANKA_HAND_MAX_FORCE,
    SAME_WIDTH,
    GripperGoal,
    gripper_goal,
)

MOVE_FORCE = 40.0


# -- the simulated hand (7204071): pure rule

@pytest.mark.parametrize("running", [False, True])
@pytest.mark.parametrize("position", [math.nan, math.inf, -math.inf])
def test_a_non_finite_width_is_refused_also_during_a_move(position, running):
    """NaN/inf position: ValueError naming the field, whether or not a move runs."""
    with pytest.raises(ValueError, match="GripperCommand.position"):
        gripper_goal(position, 20.0, 0.04, MOVE_FORCE, move_running=running)


@pytest.mark.parametrize("effort", [math.nan, -1.0, math.inf])
def test_a_bad_effort_is_refused_also_for_a_hold(effort):
    """A hold at the measured width with a NaN/negative/inf effort is refused, not taken."""
    with pytest.raises(ValueError, match="max_effort"):
        gripper_goal(0.02, effort, 0.04, MOVE_FORCE, move_running=True)


def test_holds_at_the_tolerance_edges():
    """Within 0.1 mm: nothing at rest, a move at the move force while moving; beyond: mode."""
    width = 0.04
    just_inside = (width + 0.99 * SAME_WIDTH) / 2
    assert gripper_goal(just_inside, 0.0, width, MOVE_FORCE) is None  # effort 0: no error
    assert gripper_goal(just_inside, 0.0, width, MOVE_FORCE, move_running=True) == \
        GripperGoal(just_inside, MOVE_FORCE, grasp=False)
    wider = gripper_goal((width + 1.01 * SAME_WIDTH) / 2, 20.0, width, MOVE_FORCE)
    assert wider is not None and not wider.grasp and wider.max_effort == MOVE_FORCE
    narrower = gripper_goal((width - 1.01 * SAME_WIDTH) / 2, 500.0, width, MOVE_FORCE)
    assert narrower.grasp and narrower.max_effort == FRANKA_HAND_MAX_FORCE
    with pytest.raises(ValueError, match="0 N for a closing"):
        gripper_goal((width - 1.01 * SAME_WIDTH) / 2, 0.0, width, MOVE_FORCE)


# -- the simulated hand in pybullet

@pytest.fixture
def runner():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim.config import CameraConfig, SceneConfig, SimConfig
    from vjepa_ros.sim.runner import RunnerConfig, SimRunner

    config = SimConfig(scene=SceneConfig(num_objects=0),
                       camera=CameraConfig(width=32, height=32))
    runner = SimRunner(config, RunnerConfig())
    yield runner
    runner.close()


def _measured_closedness(sim) -> float:
    from vjepa_ros.sim.panda import finger_positions_to_closedness

    return finger_positions_to_closedness(*sim.finger_positions())


def _close_on_nothing(runner):
    runner.command_gripper(1.0)
    for _ in range(60):
        runner.tick()
    assert runner.sim.finger_positions().sum() < 1e-3


def test_a_hold_right_after_an_open_command_keeps_the_hand_where_it_is(runner):
    """A 'hold here' right after an open goal, before the fingers move, must stop them there.

    Input: the hand closed on nothing (0 m); ``gripper_command`` 0.0 (open: a move to 0.08 m),
    then, in the same control tick, the measured closedness (1.0: "stay"), e.g. a second
    publisher or a stop sent at once. franka_gripper's next goal replaces the running one (the
    rule 42df202/7204071 model for a move: "during a move it is a new goal that stops them
    there"); the simulator's move counts as running only once the fingers are faster than
    2 mm/s, so the hold within 0.1 mm of the measured width changes nothing and the hand opens
    to 0.08 m. Should: stay within a few mm of 0 m (the last goal).
    """
    sim = runner.sim
    _close_on_nothing(runner)
    runner.command_gripper(0.0)
    runner.command_gripper(_measured_closedness(sim))
    for _ in range(60):
        runner.tick()
    width = float(sim.finger_positions().sum())
    assert width < 0.005, f"the last goal said stay at 0 m; the hand opened to {width:.4f} m"


def test_repeated_holds_during_an_opening_stop_the_fingers_where_the_first_said(runner):
    """A hold every tick while the fingers open: they stop where the first hold found them."""
    sim = runner.sim
    _close_on_nothing(runner)
    runner.command_gripper(0.0)
    for _ in range(40):
        runner.tick()
        if sim.finger_positions().sum() > 0.035:
            break
    held = float(sim.finger_positions().sum())
    assert 0.03 < held < 0.07
    for _ in range(60):
        runner.command_gripper(_measured_closedness(sim))
        runner.tick()
    assert abs(float(sim.finger_positions().sum()) - held) < 0.002
    assert not sim.gripper_goal.grasp


def test_holds_every_tick_during_a_grasp_on_nothing_keep_the_grasp(runner):
    """A hold each tick while a grasp closes (and after): the grasp and its force stay."""
    sim = runner.sim
    runner.command_gripper(1.0)
    goal = sim.gripper_goal
    assert goal.grasp
    for _ in range(60):
        runner.tick()
        runner.command_gripper(_measured_closedness(sim))
        assert sim.gripper_goal == goal
    assert sim.finger_positions().sum() < 1e-3


# -- training's steps vs eval's (7c92352) and eval's motions (5cfc78c)

def _recording(seconds=4.0, frame_hz=6.0, state_hz=50.0):
    start = 1_000_000_000
    image_times = start + np.round(np.arange(0, seconds, 1 / frame_hz) * 1e9).astype(np.int64)
    state_s = np.arange(0, seconds, 1 / state_hz)
    state_s = state_s[((state_s < 1.3) | (state_s > 1.7)) & (state_s < 3.8)]  # a 0.4 s gap
    state_times = start + np.round(state_s * 1e9).astype(np.int64)
    states = np.zeros((len(state_s), 7))
    states[:, 0] = 0.4 + 0.05 * state_s
    states[:, 2] = 0.3 + 0.02 * np.sin(state_s)
    states[:, 6] = np.clip(state_s / seconds, 0, 1)
    return image_times, state_times, states


def test_training_steps_are_evals_steps_without_the_period_ends():
    """period_ends=False: same grid, states, validity, drops, frames; no end is 'known'."""
    from vjepa_ros.recordings.resample import END_NOT_COMPUTED, resample

    image_times, state_times, states = _recording()
    full = resample(image_times, state_times, states, 4.0)
    lean = resample(image_times, state_times, states, 4.0, period_ends=False)
    for name in ("grid_times", "frame_indices", "frame_times", "valid"):
        np.testing.assert_array_equal(getattr(lean, name), getattr(full, name))
    np.testing.assert_array_equal(lean.states, full.states)  # NaN where invalid, both
    assert lean.dropped == full.dropped and full.dropped  # the gap drops steps in both
    assert not lean.period_known().any() and full.period_known().any()
    assert set(lean.end_problems[lean.valid]) == {END_NOT_COMPUTED}
    assert set(full.end_problems[~full.valid]) <= {""}


def test_eval_motions_are_one_frame_to_frame_definition_and_nan_where_unmeasured():
    """executed_actions == executed_step_actions; period rows NaN exactly where unmeasured."""
    import torch

    from vjepa_ros.eval.evaluate import (
        executed_actions,
        executed_period_actions,
        executed_step_actions,
    )
    from vjepa_ros.eval.step_notes import unmeasured_steps
    from vjepa_ros.recordings.resample import resample

    image_times, state_times, states = _recording()
    steps = resample(image_times, state_times, states, 4.0)
    run = [k for k in range(len(steps)) if steps.runs_valid(k, 1)]
    start = run[0]
    torch.testing.assert_close(executed_actions(steps, start, 2),
                               torch.from_numpy(executed_step_actions(steps, [start, start + 1])))
    valid = np.flatnonzero(steps.valid)
    period = executed_period_actions(steps, valid)
    unknown = ~np.isfinite(period).all(axis=1)
    np.testing.assert_array_equal(unknown, ~steps.period_known()[valid])
    assert sum(unmeasured_steps(steps, valid).values()) == int(unknown.sum()) > 0


# -- the PlannerOutputs mixin (532034c)

class _Publisher:
    def __init__(self, error=None):
        self.sent, self.error = [], error

    def publish(self, msg):
        if self.error is not None:
            raise self.error
        self.sent.append(msg)


def _outputs(**publishers):
    pytest.importorskip("std_msgs", reason="the node's messages need ROS")
    from vjepa_ros.nodes.planner_outputs import PlannerOutputs

    warnings = []
    node = PlannerOutputs()
    node.closing, node.plan_report_failed, node.gripper_action = False, False, None
    node.get_logger = lambda: types.SimpleNamespace(warning=warnings.append)
    for name, pub in publishers.items():
        setattr(node, name, pub)
    return node, warnings


def test_the_mixin_sends_no_gripper_command_once_closing():
    """_send_gripper: Float64 and the GripperCommand goal out; nothing at all once closing."""
    goals = []
    node, _ = _outputs(gripper_pub=_Publisher())
    node.gripper_action = types.SimpleNamespace(send=goals.append)
    node._send_gripper(0.25)
    assert [m.data for m in node.gripper_pub.sent] == [0.25] and goals == [0.25]
    node.closing = True
    node._send_gripper(1.0)
    assert len(node.gripper_pub.sent) == 1 and goals == [0.25]


def test_a_failing_plan_report_publish_warns_once_and_never_raises(monkeypatch):
    """~/plan_report listener: a publish that raises is one warning per outage, no exception."""
    from vjepa_ros.robot.plan_record import PlanRecord

    monkeypatch.setattr(PlanRecord, "from_report",
                        staticmethod(lambda report: types.SimpleNamespace(to_json=lambda: "{}")))
    node, warnings = _outputs(plan_report_pub=_Publisher(RuntimeError("context invalid")))
    report = types.SimpleNamespace(outcome=None)  # not commanded: no command line (mend57u)
    node._publish_plan_report(report)
    node._publish_plan_report(report)
    assert len(warnings) == 1 and "~/plan_report not published" in warnings[0]
    node.plan_report_pub = _Publisher()
    node._publish_plan_report(report)
    assert len(node.plan_report_pub.sent) == 1 and not node.plan_report_failed
    node.closing = True
    node._publish_plan_report(report)
    assert len(node.plan_report_pub.sent) == 1
