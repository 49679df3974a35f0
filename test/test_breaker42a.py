"""breaker42a: motions the robot command layer commands that it must not (strict xfails).

Attacked at commit 6f8dacc (main's HEAD): the layer between a plan and the arm's controller,
not attacked since breaker32r: ``robot/safety.py`` (filter_target), ``robot/targets.py``
(SetpointStreamer), ``robot/stream_session.py``, ``robot/command_session.py``,
``robot/async_session.py``, ``robot/predicted_start.py``, ``robot/goals.py`` /
``robot/goal_session.py`` (sub-goal switching, the gripper) and the planner node's gripper and
set-point outputs. Each test asserts what SHOULD happen and fails now; its docstring says why a
lab would meet it. ROS-free, CPU, well under a second each.
"""


import numpy as np
import pytest
from grasp_sessions import START, approach_and_grasp_session, grasp_then_hold
from scipy.spatial.transform import Rotation
from test_robot_mpc import frame

from vjepa_ros.robot.goals import GRIPPER_CLOSED_ABOVE
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer

LIMITS = SafetyLimits()
DT = 0.01  # the default stream period (control.stream_rate_hz 100)


def _speeds(setpoints: np.ndarray, part: str) -> np.ndarray:
    """Per-tick velocity [m/s] or angular velocity [rad/s] vectors of a set-point sequence."""
    if part == "translation":
        return np.diff(setpoints[:, :3], axis=0) / DT
    turns = Rotation.from_euler("xyz", setpoints[:, 3:6])
    return np.array([(turns[i + 1] * turns[i].inv()).as_rotvec() / DT
                     for i in range(len(setpoints) - 1)])


@pytest.mark.parametrize("part", ["translation", "rotation"])
def test_a_retarget_inside_the_braking_distance_brakes_within_the_acceleration_limit(part):
    """A set-point retargeted inside its braking distance brakes within the limits.

    README: set-points move "with acceleration <= safety.max_accel_m_s2 (same for rotation),
    exact discrete braking so it lands without a velocity jump"; only a late tick may land early.

    In continuous mode every new frame's plan retargets the moving set-point (target = measured
    pose ⊕ action, anchored on the measured pose, which lags the set-point). Near the goal the
    planned steps shrink to millimetres, so a new target a few mm (or 0.01 rad) ahead of a
    set-point still at full speed is ordinary. The set-point must brake within the limits
    (overshooting and coming back, as it does for a target behind it), not stop dead: Franka's
    Cartesian motion generators abort on such acceleration discontinuities.
    """
    streamer = SetpointStreamer(LIMITS)
    streamer.reset(START)
    first = START.copy()
    index = 0 if part == "translation" else 5
    first[index] += 0.09 if part == "translation" else 0.3
    streamer.set_target(first, anchor=START)
    setpoints = [START.copy()] + [streamer.step(DT) for _ in range(50)]
    speed = float(np.linalg.norm(_speeds(np.array(setpoints[-3:]), part)[-1]))
    full = LIMITS.max_speed_m_s if part == "translation" else LIMITS.max_angular_speed_rad_s
    assert speed == pytest.approx(full), "the set-point is not at full speed yet"
    measured = setpoints[-1].copy()
    measured[index] -= 0.01 if part == "translation" else 0.02  # the arm lags its set-point
    near = setpoints[-1].copy()
    near[index] += 0.003 if part == "translation" else 0.01  # a small step of the next plan
    streamer.set_target(near, anchor=measured)
    setpoints += [streamer.step(DT) for _ in range(80)]
    velocities = _speeds(np.array(setpoints), part)
    accel = np.linalg.norm(np.diff(velocities, axis=0), axis=1).max() / DT
    limit = LIMITS.max_accel_m_s2 if part == "translation" else LIMITS.max_angular_accel_rad_s2
    assert accel <= limit * 1.02 + 1e-6, (
        f"{part}: the set-point changed speed at {accel:.2f} per s² (limit {limit:g}) when "
        "retargeted inside its braking distance")


def test_a_wall_clock_stepped_back_does_not_open_a_hand_holding_an_object():
    """A real arm's clock that steps back is no new world: the held object is not dropped.

    On a real arm (use_sim_time false) every stamp is the PC's wall clock; chrony/ntpd step it
    (``makestep``) when its offset grows, e.g. right after the lab PC synced, or PTP set up for
    a camera. A 1 s step back makes every later frame stamped more than
    ``safety.max_image_age_s`` before the newest one: taken for a simulator restart or a looping
    bag, the goal sequence restarts. Under ``goals.gripper`` subgoal, at the grasp sub-goal
    holding a cup (closedness 0.25, the arm where it was, nothing teleported), the next command
    is sub-goal 1's open hand: the cup falls. The measured arm and hand say the scene is the
    same; no command may open the hand on the strength of the clock alone.

    The step is a real wall clock's: the stamps and the node's own system clock (the session's
    injected ``clock_offset``, ``Clock.step_wall_back``) go back together (fix42j: stamps that go
    back alone are a simulator restarted or a bag looped).
    """
    session, clock, logs = approach_and_grasp_session()
    state = START.copy()
    reports = []

    scene = frame(0).astype(int)

    def tick(seed):  # the camera goes on seeing the scene: sensor noise of +-3 grey levels
        clock.now += 0.05
        session.observe_state(state, clock.now)
        noise = np.random.default_rng(seed).integers(-3, 4, scene.shape)
        session.observe_image(np.clip(scene + noise, 0, 255).astype(np.uint8), clock.now)
        reports.append(session.plan_step())
        for _ in range(5):
            session.stream_step()

    grasp_then_hold(session, tick, state)
    reports.clear()
    clock.step_wall_back(1.0)  # the wall clock steps back 1 s (NTP/PTP); the arm and hand stay
    for seed in range(40, 80):
        tick(seed)
    commanded = [r.gripper_command for r in reports
                 if r is not None and r.gripper_command is not None]
    opened = [g for g in commanded if g <= GRIPPER_CLOSED_ABOVE]
    assert not opened, (
        f"gripper commanded {opened[0]} (open) while the hand holds an object, after the clock "
        f"stepped back; gripper commands {commanded}; log "
        f"{[m for _, m in logs if 'went back' in m]}")
    assert session.goals.index == 1, "the goal sequence restarted on a clock step"
    assert any(r is not None and r.command is not None for r in reports), "no plan after it"
    said = [m for level, m in logs if level == "warning" and "went back" in m]
    assert len(said) == 1 and "the clock went back 0.95 s" in said[0] and \
        "goal progress kept" in said[0], said
