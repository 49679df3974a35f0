"""breaker44y: the simulated arm as a lab drives it for pick-and-place (sim_node + planner node).

Attacked at commit b63c536 (main's HEAD): ``vjepa_ros/nodes/sim_node.py`` (``on_gripper_command``,
``on_reset``, ``on_target_pose``), ``vjepa_ros/sim/runner.py`` (``command_gripper``),
``vjepa_ros/sim/sim.py`` (``set_gripper``, ``reset``) and ``vjepa_ros/sim/gripper.py``
(``gripper_goal``'s "within 0.1 mm of the current width changes nothing" rule).

Each test is a strict xfail until the package is fixed. CPU, pybullet DIRECT, ROS-free (the sim
node's ``gripper_command`` callback is ``SimRunner.command_gripper`` under a lock, nothing more).
"""

import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.sim.config import CameraConfig, SceneConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.panda import finger_positions_to_closedness  # noqa: E402
from vjepa_ros.sim.runner import RunnerConfig, SimRunner  # noqa: E402


@pytest.fixture
def runner():
    config = SimConfig(scene=SceneConfig(num_objects=0), camera=CameraConfig(width=32, height=32))
    runner = SimRunner(config, RunnerConfig())
    yield runner
    runner.close()


def test_a_hold_command_while_the_fingers_open_stops_them_where_they_are(runner):
    """A 'hold' gripper command while the fingers move must stop them there (franka_gripper).

    The planner sends closedness 0 (open) from closed, then, while the fingers are still
    travelling, the closedness it measures now (its model's action: keep the gripper
    as it is; or a second publisher echoing the measured closedness). franka_gripper preempts the
    running goal with the new one: a move to the current width stops the fingers. The simulator
    treats a command within 0.1 mm of the *measured* width as "changes nothing" and keeps the
    old goal, so the hand opens fully (0.08 m) although the last command said ~0.037 m. A lab
    sees the hand open wider than commanded (and knock a neighbouring object) in mid-episode.
    """
    sim = runner.sim
    runner.command_gripper(1.0)
    for _ in range(60):
        runner.tick()
    assert sim.finger_positions().sum() < 1e-3  # closed on nothing
    runner.command_gripper(0.0)
    for _ in range(40):
        runner.tick()
        if sim.finger_positions().sum() > 0.035:
            break
    held = sim.finger_positions().sum()
    assert 0.03 < held < 0.07, held  # mid-way
    runner.command_gripper(finger_positions_to_closedness(*sim.finger_positions()))
    for _ in range(60):  # 1 s: at 0.1 m/s per finger the old goal is reached in 0.2 s
        runner.tick()
    width = sim.finger_positions().sum()
    assert abs(width - held) < 0.005, (
        f"commanded the measured width {held:.4f} m, the hand went on to {width:.4f} m")
