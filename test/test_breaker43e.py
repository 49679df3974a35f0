"""breaker43e: the simulated Franka, hand and controller against what a real one does.

Attacked (at main d03aff5): vjepa_ros/sim/gripper.py (GripperCommand semantics), sim.py (the
finger motors, the per-physics-step controller), controller.py (resolved-rate IK: speed limits,
no acceleration limit), detectors.py (placed after a drop), panda.py/config.py (Franka limits).
Each test asserts what a real Franka Emika Panda with its Franka Hand does. Two are strict xfails,
deferred to the next re-collection (their reasons); fix43e fixed the others (coupled fingers, a
cup that comes to rest, an opened hand that lets go). CPU, pybullet DIRECT, 32 px images, a few
seconds each; ROS-free.
"""

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet")

from vjepa_ros.sim.config import SceneConfig, SimConfig  # noqa: E402
from vjepa_ros.sim.detectors import SuccessMonitor  # noqa: E402
from vjepa_ros.sim.manipulation import manipulation_sim_config  # noqa: E402
from vjepa_ros.sim.sim import Sim  # noqa: E402

# Franka Emika Panda datasheet: joint acceleration limits [rad/s^2], joints 1..7.
FRANKA_JOINT_MAX_ACCELERATION = np.array([15.0, 7.5, 10.0, 12.5, 15.0, 20.0, 20.0])


@pytest.fixture(scope="module")
def empty_sim():
    with Sim(SimConfig(scene=SceneConfig(num_objects=0))) as sim:
        yield sim


def _close_on_the_centred_cup(sim):
    """Settle, lower the open hand over the cup's centre, close it (1 s); return the state [7]."""
    sim.step(48)
    cup = sim.object_reading().position
    state = sim.ee_state()
    state[:3] = cup + [0.0, 0.0, 0.08]
    sim.move_to(state)
    state[:3] = cup
    sim.move_to(state)
    state[6] = 1.0
    sim.set_target_state(state)
    sim.advance(1.0)
    return state


def _grasp_and_lift_the_cup(sim):
    """Close on the cup and lift it 10 cm; return the state [7] and the SuccessMonitor."""
    state = _close_on_the_centred_cup(sim)
    monitor = SuccessMonitor(sim)
    state[2] += 0.1
    sim.move_to(state)
    assert monitor.grasped()
    return state, monitor


@pytest.mark.xfail(strict=True, reason="deferred: fixing it changes the arm's dynamics the demo "
                   "world model was trained on, so it lands with the next re-collection and "
                   "retraining on a GPU (docs/device_check.md); controller.py limits joint speed "
                   "but not joint acceleration (~8-15x past Franka's limits)")
def test_a_setpoint_step_keeps_joint_accelerations_within_franka_limits(empty_sim):
    """A planner sends a new end-effector set-point 10 cm away (one CEM step of a goal pose).

    On a real Panda the joints cannot accelerate beyond the datasheet's limits (15, 7.5, 10,
    12.5, 15, 20, 20 rad/s^2: libfranka aborts with an acceleration-discontinuity reflex, and
    franka_ros2's controllers rate-limit before that). The sim's controller jumps from rest to
    its speed limit within one 1/240 s physics step (~118 rad/s^2 on joints 2 and 4), so the
    recorded episodes show starts and stops a real arm cannot make.
    """
    sim = empty_sim
    sim.reset(0)
    sim.step(48)
    target = sim.ee_state()
    target[0] += 0.10
    sim.set_target_state(target)
    previous = sim.joint_velocities()[:7]
    worst = np.zeros(7)
    for _ in range(60):  # 0.25 s: one 4 Hz control tick
        sim.step(1)
        velocity = sim.joint_velocities()[:7]
        worst = np.maximum(worst, np.abs(velocity - previous) / sim.dt)
        previous = velocity
    assert (worst <= 1.1 * FRANKA_JOINT_MAX_ACCELERATION).all(), (
        f"joint accelerations {worst.round(1)} rad/s^2 exceed Franka's "
        f"{FRANKA_JOINT_MAX_ACCELERATION}")


@pytest.mark.xfail(strict=True, reason="deferred: fixing it changes the hand's dynamics the demo "
                   "world model was trained on, so it lands with the next re-collection and "
                   "retraining on a GPU (docs/device_check.md); ControllerConfig.gripper_speed "
                   "0.1 m/s per finger joint closes the width at 0.2 m/s, twice a Franka Hand's")
def test_the_hand_closes_no_faster_than_a_franka_hand(empty_sim):
    """The planner closes the open hand (GripperCommand position 0, 20 N) over nothing.

    The Franka Hand's maximum speed is 0.1 m/s of *width* (libfranka/franka_gripper ``speed``,
    frankx ``max_speed = 0.1``; datasheet 50 mm/s per finger): 8 cm to closed takes at least
    0.8 s. The sim gives each finger joint ``maxVelocity = gripper_speed`` (0.1 m/s), so the
    width shrinks at 0.2 m/s and the hand shuts in ~0.44 s: at 4 Hz the recorded gripper
    closedness jumps twice as fast as on the real robot the model is then run on.
    """
    sim = empty_sim
    sim.reset(0)
    sim.step(24)
    sim.command_gripper(0.0, 20.0)
    widths = []
    for _ in range(round(1.2 / sim.dt)):
        sim.step(1)
        widths.append(float(sim.finger_positions().sum()))
    closed_at = (np.argmax(np.array(widths) < 0.002) + 1) * sim.dt
    assert closed_at >= 0.75, f"the hand closed 8 cm in {closed_at:.2f} s (>= 0.8 s on a Franka)"


def test_a_grasp_leaves_both_finger_joints_at_half_the_width():
    """The hand, centred over the cup (as the expert aims), closes on it (closedness 1).

    The Franka Hand's fingers are mechanically coupled: franka_gripper publishes
    panda_finger_joint1 = panda_finger_joint2 = width / 2, and a grasp centres the object between
    them. In the sim each finger is its own position motor, so one finger touches first and the
    two end unequal (about 31.5 and 28.5 mm on a 60 mm cup): sim_node publishes joint states a
    real hand never does, and an off-centre object is not centred as on the robot.
    Fixed by fix43e: a pybullet gear constraint (ratio -1) couples the finger joints (sim.py).
    """
    with Sim(manipulation_sim_config(0, "cup", 32, 32, num_objects=0)) as sim:
        _close_on_the_centred_cup(sim)
        fingers = sim.finger_positions()
        assert 0.05 < fingers.sum() < 0.065  # it holds the 6 cm cup
        assert abs(fingers[0] - fingers[1]) < 1e-3, (
            f"finger joints {fingers.round(4)} m: a Franka Hand's are both width / 2")


def test_a_cup_released_above_the_table_comes_to_rest():
    """The hand carries the grasped cup over the place spot and opens 8 cm above the table.

    A lab's policy (or a noisy expert) often releases a little high. A real 150 g cup lands and
    is still within a fraction of a second. In the sim the solid cylinder keeps wobbling on its
    rim (pybullet's primitive cylinder, spinning friction 0.001) for seconds, so the placed
    detector (max_speed 0.02 m/s) says no for as long as one watches: drop-and-settle outcomes
    and the frames after them are not what a real cup shows.
    Fixed by fix43e: the coupled fingers release it evenly, and the cup's rolling and spinning
    friction (0.005, objects.py) settle a tilted landing within about 0.5 s.
    """
    with Sim(manipulation_sim_config(0, "cup", 32, 32, num_objects=0)) as sim:
        state, monitor = _grasp_and_lift_the_cup(sim)
        state[:2], state[2] = [0.5, 0.1], monitor.rest_height + 0.08
        sim.move_to(state)
        state[6] = 0.0
        sim.set_target_state(state)
        sim.advance(0.5)
        state[2] += 0.1
        sim.move_to(state)
        sim.advance(1.5)  # 2 s and more after the release
        reading = sim.object_reading()
        assert abs(reading.position[2] - monitor.rest_height) < 0.005  # it stands on the table
        speed = float(np.linalg.norm(reading.linear_velocity))
        assert speed < 0.02, f"the cup still moves at {speed:.3f} m/s 2 s after landing"


def test_an_opened_hand_lets_go_of_a_cup_pushed_down_onto_the_table():
    """The hand lowers the grasped cup right down (TCP 3 mm above its rest height), opens, rises.

    Found by breaker43e, fixed by fix43e (coupled fingers). A grasped cup slips a little in the
    fingers when lifted, so lowering it to its rest height pushes it onto the table: it tilts
    against the hand. Before the fingers were coupled, the cup ended off-centre (fingers at
    0.019 and 0.040 m); opening to 0.08 m left finger 2 at 0.0406 m (past its 0.04 m limit) still
    pressing on the cup with ~39 N, and the cup rose 8 cm with the hand, hanging on that finger:
    "placed" never followed a push-down. A Franka Hand opened to its full width lets go.
    """
    with Sim(manipulation_sim_config(0, "cup", 32, 32, num_objects=0)) as sim:
        state, monitor = _grasp_and_lift_the_cup(sim)
        state[:2], state[2] = [0.5, 0.1], monitor.rest_height + 0.003
        sim.move_to(state)
        sim.command_gripper(0.04, 20.0)  # open to the full 0.08 m
        state[6] = 0.0  # and keep it open while rising (move_to commands state[6])
        sim.advance(1.0)
        fingers = sim.finger_positions()
        assert (fingers <= 0.04 + 5e-4).all(), f"finger joints {fingers.round(4)} m past 0.04 m"
        forces = sim.object_reading().finger_forces
        assert (forces < 1.0).all(), f"the opened fingers still press the cup with {forces} N"
        state[2] += 0.1
        sim.move_to(state)
        sim.advance(1.0)
        reading = sim.object_reading()
        assert not reading.touches_hand(), "the cup still touches the hand after it rose"
        assert monitor.placed([0.5, 0.1]), (
            f"the cup is not placed: at {reading.position.round(3)}, rest height "
            f"{monitor.rest_height:.3f} m")
