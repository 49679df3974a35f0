"""breaker51e: the simulator's node and arm as a stand-in for a real Franka's ROS interface.

Attacked at commit 9e17749 (branch breaker51e = main): ``vjepa_ros/nodes/sim_node.py`` (stamps
under the wall clock and ``/clock``, the catch-up loop ``_advance``, ``on_target_pose``),
``vjepa_ros/sim/runner.py`` (``parse_pose``, ``command_pose``, ``command_gripper_goal``),
``vjepa_ros/sim/sim.py`` (``quaternion_to_matrix``, ``step``), ``vjepa_ros/sim/controller.py``
(speed limits), ``sim/scene.py`` (the arm's collisions), ``vjepa_ros/sim/gripper.py``
(``gripper_goal``'s force), ``sim/config.py`` (``ControllerConfig`` ranges),
``config/sim.yaml``, ``launch/sim.launch.py``. Not repeated:
test_breaker43e (joint accelerations, finger speed, coupled fingers), 43l, 44y, 45e (holds).

Franka facts used (Franka's published "Robot and interface specifications" / FR3 datasheet, as
``sim/panda.py`` and ``robot/state_ranges.py`` quote them): joint speed limits 2.175 rad/s
(joints 1-4) and 2.61 rad/s (5-7); Cartesian limits 1.7 m/s, 2.5 rad/s; the Franka Hand's
continuous grasp force 70 N (140 N peak), width 0..0.08 m. ROS: ``tf2`` refuses a transform whose
quaternion is not normalised (TF_DENORMALIZED_QUATERNION) and a Cartesian impedance controller
that builds ``Eigen::Quaterniond`` from the message does not normalise it.

Defects (strict xfails):

1. A ``target_pose`` with a non-unit quaternion (norm 2, 0.5, or 1e-5: a zeroed message with
   float noise) is silently normalised and followed; it should be refused like a NaN one.
2. With ``joint_speed_fraction`` 1.0 (its range allows it) and the real Franka's Cartesian
   limits (1.7 m/s, 2.5 rad/s), the measured joint speeds reach 1.10x the datasheet limits
   (joints 2, 3, 4, 7): pybullet's position motor overshoots the commanded joint velocity by
   10 % (with the default 0.5 the joints reach 0.55 of the limits, beyond the documented
   fraction). A real Franka aborts (joint velocity violation).
3. ``controller.gripper_force`` (range up to 200 N) is the force of every *move* goal uncapped:
   at 150 N the fingers push with 150 N, over the Franka Hand's 70 N (grasps are capped).
4. Wall-clock stamps (``publish_clock`` false): a timer callback that runs late (the executor
   busy rendering a 640x480 frame, a goal capture) catches up up to 6 ticks at once, each
   stamped "now": 100 ms of motion stamped within microseconds (live: a 0.25 m/s TCP read as
   2 m/s from the stamps, above Franka's 1.7 m/s).
5. ``real_time_factor`` 0 without ``publish_clock``: wall-clock stamps on a simulation that runs
   at whatever pace the CPU gives, with no pace warning (the PaceMeter is off at 0). Live on this
   machine: 1 s simulated in 1.9 s of stamps, camera frames 5 Hz by their stamps (10 Hz asked).
6. No self-collision: a target beside the shoulder ([-0.1, 0.1, 0.3] m, within the default
   max_target_distance) is reached with the hand 4.2 cm inside panda_link2; a real Franka's
   self-collision avoidance stops it. (Fixed by fix51k: a self-collision guard in the
   controller, not pybullet's self-collision; the xfail is gone.)

Held up (pins): NaN/inf and other-frame targets are refused and keep the old target; gripper
widths outside 0..0.08 m and NaN closedness are refused; unreachable targets keep every joint
inside Franka's limits; under ``/clock`` each tick's joint_states carries the /clock value
published just before it, one tick apart. Also checked and sound (no test): camera_info's K
against pybullet's projection (fx = fy = H/2 / tan(fov/2), centre (W-1)/2, (H-1)/2), finger
joints never past 0.04 m, a home pose at a joint limit starts without a speed spike.

CPU, pybullet DIRECT, 32 px images; the node tests call ``SimNode._advance`` directly (no
executor, no discovery wait). Seconds each.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.sim.config import CameraConfig, ControllerConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.gripper import FRANKA_HAND_MAX_FORCE  # noqa: E402
from vjepa_ros.sim.panda import (  # noqa: E402
    JOINT_LOWER,
    JOINT_MAX_SPEED,
    JOINT_NAMES,
    JOINT_UPPER,
)
from vjepa_ros.sim.runner import CommandError, RunnerConfig, SimRunner  # noqa: E402

SMALL = CameraConfig(width=32, height=32)
HAND_DOWN = (1.0, 0.0, 0.0, 0.0)  # (x, y, z, w): the hand pointing down


def _runner(**controller) -> SimRunner:
    config = SimConfig(camera=SMALL, controller=ControllerConfig(**controller))
    return SimRunner(config, RunnerConfig(max_target_distance=0.0))


@pytest.fixture(scope="module")
def runner():
    runner = _runner()
    yield runner
    runner.close()


def _target(runner):
    return runner.sim.target_position.copy(), runner.sim.target_rotation.copy()


# -- target poses


@pytest.mark.parametrize("norm", [2.0, 0.5, 1e-5])
def test_a_target_pose_with_a_non_unit_quaternion_is_refused(runner, norm):
    """A ``target_pose`` whose quaternion is not of unit length is refused, as NaN is.

    Input: the current TCP position with the hand-down quaternion scaled to norm 2, 0.5 or 1e-5
    (a zeroed or half-filled message, a sender that forgot to normalise). What happens:
    ``SimRunner.command_pose`` normalises it (``quaternion_to_matrix``: only below 1e-6 is it
    refused) and the arm follows the orientation it guessed. What should happen: CommandError
    ("orientation quaternion ... not normalised") and the old target kept: tf2 refuses such a
    transform, and a real Cartesian impedance controller that builds its Eigen quaternion from
    the message computes a scaled orientation error (twice the torque at norm 2), so a planner
    bug that a real arm exposes passes silently in the simulator.
    """
    runner.reset()
    before = _target(runner)
    quaternion = [norm * v for v in HAND_DOWN]
    with pytest.raises(CommandError, match="quaternion"):
        runner.command_pose(runner.sim.ee_pose()[0] + [0.05, 0.0, 0.0], quaternion,
                            "panda_link0")
    np.testing.assert_array_equal(_target(runner)[0], before[0])


@pytest.mark.parametrize("position, quaternion, frame", [
    ([math.nan, 0.0, 0.4], HAND_DOWN, "panda_link0"),
    ([0.4, math.inf, 0.4], HAND_DOWN, "panda_link0"),
    ([0.4, 0.0, 0.4], (1.0, 0.0, math.nan, 0.0), "panda_link0"),
    ([0.4, 0.0, 0.4], (0.0, 0.0, 0.0, 0.0), "panda_link0"),
    ([0.4, 0.0, 0.4], HAND_DOWN, "world"),
    ([0.4, 0.0, 0.4], HAND_DOWN, "fr3_link0"),
])
def test_a_bad_or_foreign_target_pose_is_refused_and_the_old_target_kept(
        runner, position, quaternion, frame):
    """NaN/inf, a zero quaternion or another frame_id: CommandError, the target unchanged."""
    runner.reset()
    before = _target(runner)
    with pytest.raises(CommandError, match="target pose"):
        runner.command_pose(position, quaternion, frame)
    after = _target(runner)
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])


def test_unreachable_targets_keep_every_joint_inside_frankas_limits(runner):
    """Targets out of reach (far, high, below the table): the joints stay inside the limits.

    Also the joint_states layout: panda_joint1..7 then panda_finger_joint1/2, in that order.
    """
    runner.reset()
    lowest, highest = np.full(7, np.inf), np.full(7, -np.inf)
    for target in ([1.3, 0.0, 0.4], [0.0, 0.0, 1.4], [0.5, 0.0, -0.2]):
        runner.command_pose(target, HAND_DOWN, "panda_link0")
        for _ in range(60):
            runner.tick()
            names, positions, _, _ = runner.sim.joint_states()
            lowest = np.minimum(lowest, positions[:7])
            highest = np.maximum(highest, positions[:7])
    assert names == JOINT_NAMES
    assert list(JOINT_NAMES) == [f"panda_joint{i}" for i in range(1, 8)] + [
        "panda_finger_joint1", "panda_finger_joint2"]
    assert np.all(lowest >= JOINT_LOWER), (lowest - JOINT_LOWER).round(4)
    assert np.all(highest <= JOINT_UPPER), (JOINT_UPPER - highest).round(4)


def test_a_target_beside_the_shoulder_does_not_put_the_hand_inside_the_arm():
    """A target beside the shoulder: no two non-neighbouring links of the arm interpenetrate.

    Input: the default runner (max_target_distance 0.5 m) and a target_pose at [-0.1, 0.1, 0.3]
    m, hand down: 0.46 m from the ready pose's TCP, so accepted. What happens: pybullet loads
    the Panda without self-collision (``scene.build_scene``: no URDF_USE_SELF_COLLISION) and the
    controller knows nothing of its own links: after 3 s the TCP is on the target, the hand
    (panda_hand) 4.2 cm and the left finger 3.8 cm inside panda_link2's collision shape. What
    should happen: the arm stops short of itself, as a real Franka does (its self-collision
    avoidance stops the motion with a reflex error); a planner that drives the hand into the
    arm's own links must not succeed here. At the ready pose no such links overlap. Fixed by
    fix51k: the controller's self-collision guard (``sim/self_collision.py``) holds the arm
    3 cm short of itself (test_fix51k).
    """
    runner = SimRunner(SimConfig(camera=SMALL), RunnerConfig())
    try:
        runner.command_pose([-0.1, 0.1, 0.3], HAND_DOWN, "panda_link0")
        for _ in range(180):
            runner.tick()
        overlaps = _self_overlaps(runner.sim)
    finally:
        runner.close()
    assert not overlaps, overlaps


def _self_overlaps(sim) -> dict:
    """Return {(link a, link b): depth [m]} of the arm's links 3+ apart that overlap now."""
    p, robot, client = sim._p, sim.handles.robot, sim.client
    links = p.getNumJoints(robot, physicsClientId=client)
    names = {i: p.getJointInfo(robot, i, physicsClientId=client)[12].decode()
             for i in range(links)}
    names[-1] = "panda_link0"
    found = {}
    for a in range(-1, links):
        for b in range(a + 3, links):
            depths = [c[8] for c in p.getClosestPoints(robot, robot, 0.0, linkIndexA=a,
                                                       linkIndexB=b, physicsClientId=client)]
            if depths and min(depths) < -1e-3:
                found[(names[a], names[b])] = round(-min(depths), 4)
    return found


# -- the arm's speed


def test_joint_speeds_stay_within_frankas_limits_at_its_own_cartesian_limits():
    """At ``joint_speed_fraction`` 1.0 and Franka's Cartesian limits, joints stay within limits.

    Input: ``controller.joint_speed_fraction`` 1.0 (its range is (0, 1]: "Joint speeds are kept
    below this fraction of Franka's joint speed limits"), ``max_linear_speed`` 1.7 m/s and
    ``max_angular_speed`` 2.5 rad/s (the real Franka's Cartesian limits); a target 0.6 m to the
    side, hand down. What happens: the controller caps the commanded joint velocities at the
    limits, but pybullet's position motor (target position and velocity) overshoots them by
    10 %: the measured speeds of joints 2, 3, 4 and 7 reach 1.10x the datasheet's (2.39 of 2.175
    rad/s). With the default 0.5 the joints likewise reach 0.55 of the limits. What should
    happen: no measured joint speed above the datasheet limit (a real Franka stops with a joint
    velocity violation; a planner tuned on this arm would trip it).
    """
    runner = _runner(joint_speed_fraction=1.0, max_linear_speed=1.7, max_angular_speed=2.5)
    try:
        runner.command_pose([0.3, 0.5, 0.3], HAND_DOWN, "panda_link0")
        fastest = np.zeros(7)
        for _ in range(60):
            runner.tick()
            fastest = np.maximum(fastest, np.abs(runner.sim.joint_states()[2][:7]))
    finally:
        runner.close()
    assert np.all(fastest <= JOINT_MAX_SPEED + 1e-3), (fastest / JOINT_MAX_SPEED).round(3)


# -- the hand


def test_the_fingers_never_push_harder_than_a_franka_hand():
    """``controller.gripper_force`` 150 N: a move's finger force stays at most 70 N (or refused).

    Input: ``controller.gripper_force`` 150 (its range is (0, 200] N); the hand closed (Float64
    closedness 1) and opened again (closedness 0), and the goal at reset. What happens: grasps
    are capped at the Franka Hand's 70 N (``gripper_goal``), but every move goal, the reset's
    open hand included, carries ``max_effort`` 150 N, the force limit ``Sim.step`` gives the
    finger motors: a hand opening against an obstacle (or closed by a move) pushes with 150 N,
    beyond even the hand's 140 N peak. What should happen: the force capped at 70 N, or the
    setting refused above it at start-up.
    """
    try:
        runner = _runner(gripper_force=150.0)
    except ValueError as exc:  # refused at start-up: fixed
        assert "gripper_force" in str(exc)
        return
    try:
        forces = [runner.sim.gripper_goal.max_effort]
        runner.command_gripper(1.0)
        for _ in range(30):
            runner.tick()
        forces.append(runner.sim.gripper_goal.max_effort)
        runner.command_gripper(0.0)
        forces.append(runner.sim.gripper_goal.max_effort)
    finally:
        runner.close()
    assert max(forces) <= FRANKA_HAND_MAX_FORCE, forces


def test_gripper_widths_a_franka_hand_cannot_take_are_refused(runner):
    """GripperCommand beyond 0.08 m or below 0, NaN closedness: CommandError, goal unchanged."""
    runner.reset()
    before = runner.sim.gripper_goal
    for position in (0.0405, 0.05, -0.001, math.nan):
        with pytest.raises(CommandError, match="gripper command refused"):
            runner.command_gripper_goal(position, 20.0)
    with pytest.raises(CommandError, match="gripper command refused"):
        runner.command_gripper(math.nan)
    assert runner.sim.gripper_goal == before
    runner.tick()
    assert 2 * runner.sim.finger_positions().mean() <= 0.08 + 1e-4


# -- stamps and clocks (the node, no executor: its tick loop called directly)


def _node(context, **params):
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.sim_node import SimNode

    params = {"camera.width": 32, "camera.height": 32, **params}
    return SimNode(context=context, parameter_overrides=[
        Parameter(name, value=value) for name, value in params.items()])


def _recorded(publisher) -> list:
    """Record what ``publisher`` publishes from now on (it still publishes)."""
    messages, publish = [], publisher.publish

    def record(msg):
        messages.append(msg)
        publish(msg)

    publisher.publish = record
    return messages


def _seconds(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def test_under_clock_each_ticks_joint_states_carry_the_clock_one_tick_apart(context):
    """publish_clock: each tick's joint_states stamp is the /clock just published, 1/60 s on."""
    node = _node(context, real_time_factor=0.0, publish_clock=True)
    try:
        clocks, joints = _recorded(node.clock_pub), _recorded(node.joint_pub)
        for _ in range(5):
            node._advance()
        assert len(clocks) == len(joints) == 5
        assert [m.clock for m in clocks] == [m.header.stamp for m in joints]
        stamps = [_seconds(m.header.stamp) for m in joints]
        np.testing.assert_allclose(np.diff(stamps), node.runner.tick_seconds, atol=1e-8)
    finally:
        node.destroy_node()


def test_a_late_timer_call_stamps_each_caught_up_tick_at_its_own_time(context):
    """Wall-clock stamps: ticks caught up after a late timer call are stamped a tick apart.

    Input: ``real_time_factor`` 1, ``publish_clock`` false (config/sim.yaml's defaults); the
    stepping timer's call comes 100 ms late (the single-threaded executor was rendering a
    640x480 frame or capturing a goal image), so ``_advance`` runs 6 ticks (100 ms of simulated
    motion) in one call. What happens: each tick's joint_states is stamped with the node clock
    at publish time: the 6 stamps lie microseconds apart, so the motion of 100 ms reads as
    happening at once (live, 640x480 at 30 Hz on this machine: a 0.25 m/s TCP moved at up to
    2.0 m/s by its current_pose stamps, more than Franka's 1.7 m/s; a real arm's states are
    stamped when measured, 1 ms apart). What should happen: each caught-up tick stamped with
    the wall time it stands for (the timer's start + its simulated time / real_time_factor),
    a tick (16.7 ms) apart, or the debt dropped rather than run in a burst.
    """
    node = _node(context, real_time_factor=1.0, publish_clock=False)
    try:
        joints = _recorded(node.joint_pub)
        tick = node.runner.tick_seconds
        # the timer's call is 100 ms (6 ticks) late
        grid = node.grid
        grid.anchor(grid.sim_start,
                    time.monotonic() - (node.runner.sim.time - grid.sim_start) - 6 * tick)
        node._advance()
        assert len(joints) == 6
        gaps = np.diff([_seconds(m.header.stamp) for m in joints])
        np.testing.assert_allclose(gaps, tick, rtol=0.1)  # not the CPU time each tick took
    finally:
        node.destroy_node()


def test_flat_out_simulation_on_wall_clock_stamps_is_refused_or_stamped_in_sim_time(context):
    """``real_time_factor`` 0 without ``publish_clock``: refused, or stamps in simulated time.

    Input: ``-p real_time_factor:=0`` (launch/sim.launch.py's documented flat-out mode) with
    ``publish_clock`` false; ticks run as fast as the CPU gives them (here: 30 ms of CPU per
    tick, a busy machine). What happens: the node starts, stamps every message with the wall
    clock, and has no pace warning (``PaceMeter`` only for real_time_factor > 0): 11 ticks
    (0.183 s simulated) span 0.33+ s of stamps; on a fast CPU the same arm's stamps show it
    faster than a Franka can move. Live (32 px on this machine): 1 s simulated in 1.9 s of
    stamps, camera frames at 5 Hz by their stamps where camera_rate_hz says 10. What should
    happen: refused at start-up naming publish_clock (like use_sim_time without it), or the
    messages stamped with simulated time.
    """
    try:
        node = _node(context, real_time_factor=0.0, publish_clock=False)
    except ValueError as exc:  # refused at start-up: fixed
        assert "publish_clock" in str(exc)
        return
    try:
        joints = _recorded(node.joint_pub)
        start = node.runner.sim.time
        for _ in range(12):
            node._advance()
            time.sleep(0.03)
        simulated = node.runner.sim.time - start - node.runner.tick_seconds
        stamped = _seconds(joints[-1].header.stamp) - _seconds(joints[0].header.stamp)
        assert stamped == pytest.approx(simulated, rel=0.05), (stamped, simulated)
    finally:
        node.destroy_node()
