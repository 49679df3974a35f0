"""fix51k: the simulated arm stops short of itself, as a real Franka's self-collision reflex does.

``sim/self_collision.py`` checks each joint command on a kinematic clone of the Panda in a
pybullet client of its own; ``Sim.step`` holds the last clear command when one would bring two
links 3+ joints apart within 3 cm, and the runner (sim_node: a warning) names the target once.
Targets: breaker51e's beside the shoulder, one behind the base, folded elbows (the joint limits
keep them clear: not refused), a clear target after a stop (the arm moves again), a home pose
folded into itself (refused at start), the scripted expert's episodes (never refused). CPU,
pybullet DIRECT, 32 px. Seconds each; the expert sweep ~20 s.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.sim.config import CameraConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.panda import READY_JOINTS  # noqa: E402
from vjepa_ros.sim.runner import RunnerConfig, SimRunner  # noqa: E402
from vjepa_ros.sim.self_collision import SELF_COLLISION_MARGIN  # noqa: E402

SMALL = CameraConfig(width=32, height=32)
HAND_DOWN = (1.0, 0.0, 0.0, 0.0)  # (x, y, z, w): the hand pointing down


@pytest.fixture(scope="module")
def runner():
    runner = SimRunner(SimConfig(camera=SMALL), RunnerConfig(max_target_distance=0.0))
    yield runner
    runner.close()


def _clearance(sim) -> float:
    """Return the measured arm's clearance [m] from itself now (the checked link pairs)."""
    return sim.guard.clearance(sim.arm_joint_positions(), sim.finger_positions())[0]


def _drive(runner, target, ticks: int = 180) -> list[str]:
    """Reset, command ``target`` (hand down), run ``ticks``; return the warnings said."""
    runner.reset()
    runner.command_pose(target, HAND_DOWN, "panda_link0")
    warnings = []
    for _ in range(ticks):
        runner.tick()
        warning = runner.self_collision_warning()
        if warning:
            warnings.append(warning)
    return warnings


@pytest.mark.parametrize("target", [[-0.1, 0.1, 0.3], [-0.3, 0.0, 0.3], [-0.2, 0.0, 0.15]],
                         ids=["beside-the-shoulder", "behind-the-base", "behind-and-low"])
def test_a_target_into_the_arm_is_refused_once_and_the_arm_stops_short(runner, target):
    """The arm stops 2+ cm short of itself, far from the target; one warning names the target."""
    warnings = _drive(runner, target)
    sim = runner.sim
    assert len(warnings) == 1, warnings
    shown = ", ".join(f"{value:.3f}" for value in target)
    assert warnings[0].startswith(f"target pose [{shown}] refused: "), warnings[0]
    assert "self-collision margin 3 cm" in warnings[0]
    assert sim.self_collision is not None  # still in force: the target is unchanged
    assert _clearance(sim) >= SELF_COLLISION_MARGIN - 0.01
    assert np.linalg.norm(sim.ee_pose()[0] - target) > 0.1
    assert np.abs(sim.joint_states()[2][:7]).max() < 1e-2  # held still, not creeping


def test_after_a_stop_a_target_clear_of_the_arm_is_reached(runner):
    """The reflex holds the arm, it does not lock it: the ready pose's TCP is reached again."""
    _drive(runner, [-0.1, 0.1, 0.3])
    runner.command_pose([0.307, 0.0, 0.487], HAND_DOWN, "panda_link0")
    for _ in range(240):
        runner.tick()
    assert runner.self_collision_warning() is None
    assert runner.sim.self_collision is None
    np.testing.assert_allclose(runner.sim.ee_pose()[0], [0.307, 0.0, 0.487], atol=2e-3)


@pytest.mark.parametrize("target", [[0.1, 0.0, 0.2], [0.15, 0.0, 0.1], [0.05, 0.0, 0.45]])
def test_a_folded_elbow_the_joint_limits_keep_clear_is_not_refused(runner, target):
    """Targets near the base fold the elbow to its limit (joint 4 ~ -3.05 rad): no refusal.

    The joint limits keep the forearm off the upper arm (4+ cm apart): the guard must not stop
    a motion a real Franka makes.
    """
    assert _drive(runner, target, 240) == []
    assert runner.sim.self_collision is None
    assert _clearance(runner.sim) >= SELF_COLLISION_MARGIN
    assert runner.sim.arm_joint_positions()[3] < -2.6  # the elbow folded


def test_a_home_pose_folded_into_itself_is_refused_at_start():
    """``home_joints`` with the hand in the shoulder: ValueError naming it, no simulator."""
    folded = list(READY_JOINTS)
    folded[1], folded[3], folded[5] = -1.76, -3.0, 0.3
    with pytest.raises(ValueError, match="home_joints put the arm's .* cm from its"):
        SimRunner(SimConfig(camera=SMALL, home_joints=folded), RunnerConfig())


@pytest.mark.parametrize("kind", ["cup", "box"])
def test_the_scripted_experts_motions_are_never_refused(kind):
    """Pick-and-place (pre-grasp, descend, grasp, carry, place, retreat): no stop, 6+ cm clear.

    Its closest pass is ~11 cm (panda_link2 and panda_link5): twice the margin or more, so the
    guard never changes an expert episode (bench_manipulation: same frames before and after).
    """
    from vjepa_ros.sim.manipulation import (
        manipulation_sim_config,
        record_expert_episode,
        setup_task,
    )
    from vjepa_ros.sim.sim import Sim

    seed = {"cup": 900000, "box": 900002}[kind]  # the closest cup pass; fix51e's 51 vs 53 box
    if True:
        sim = Sim(manipulation_sim_config(seed, kind, 32, 32))
        try:
            setup = setup_task(sim, seed, "pick-and-place", subgoal_images=False)
            watch = _Watch(sim)
            sim.watch_steps(watch.step)
            _, outcome = record_expert_episode(sim, setup)
        finally:
            sim.close()
        assert outcome.success, (kind, seed)
        assert watch.stops == 0, (kind, seed)
        assert watch.closest >= 2 * SELF_COLLISION_MARGIN, (kind, seed, watch.closest)


class _Watch:
    """Count the steps under a self-collision stop; the closest clearance every 8th step."""

    def __init__(self, sim):
        self.sim, self.steps, self.stops, self.closest = sim, 0, 0, np.inf

    def step(self) -> None:
        self.steps += 1
        self.stops += self.sim.self_collision is not None
        if self.steps % 8 == 0:
            self.closest = min(self.closest, _clearance(self.sim))


def test_sim_node_warns_once_naming_the_target(context, monkeypatch):
    """sim_node: the stop is a ``target_pose:`` warning naming the target, said once."""
    from geometry_msgs.msg import PoseStamped
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.sim_node import SimNode

    params = {"camera.width": 32, "camera.height": 32, "real_time_factor": 0.0,
              "publish_clock": True}
    node = SimNode(context=context, parameter_overrides=[
        Parameter(name, value=value) for name, value in params.items()])
    try:
        said = []
        monkeypatch.setattr(node.get_logger(), "warning",
                            lambda text, **_: said.append(text))
        msg = PoseStamped()
        msg.header.frame_id = "panda_link0"
        msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = -0.1, 0.1, 0.3
        msg.pose.orientation.x, msg.pose.orientation.w = 1.0, 0.0
        node.on_target_pose(msg)
        for _ in range(150):
            node._advance()
    finally:
        node.destroy_node()
    stops = [text for text in said if "self-collision" in text]
    assert len(stops) == 1, said
    assert stops[0].startswith("target_pose: target pose [-0.100, 0.100, 0.300] refused: ")


def test_the_guards_skipped_measurements_never_miss_a_refusal(runner):
    """Noisy joint walks into the arm (~a tick at Franka's limits a step): skipped or not, same.

    The guard skips measuring while the joints moved too little to close its last clearance
    (``ARM_REACH_BOUND``); a bound too small would let a command into the arm through.
    """
    from vjepa_ros.sim.panda import JOINT_LOWER, JOINT_MAX_SPEED, JOINT_UPPER

    guard, rng = runner.sim.guard, np.random.default_rng(5)
    fingers = np.array([0.04, 0.04])
    folded = np.array([0.0, -1.76, 0.0, -3.0, 0.0, 0.3, 0.785])  # the hand in the shoulder
    refused = skipped = 0
    for _ in range(3):
        joints = np.array(READY_JOINTS)
        for _ in range(200):
            noise = rng.uniform(-1, 1, 7) * JOINT_MAX_SPEED / 240
            joints = np.clip(joints + (folded - joints) * 0.02 + noise, JOINT_LOWER, JOINT_UPPER)
            before = guard._measured
            verdict = guard.check(joints, fingers)
            skipped += guard._measured is before
            truth = guard.clearance(joints, fingers)[0] < guard.margin
            assert (verdict is not None) == truth, joints
            refused += truth
    assert refused > 20 and skipped > 20, (refused, skipped)
    assert guard.check(np.array(READY_JOINTS), fingers) is None
