"""breaker42j: the streamer's braking simulation and the clock step's picture rule (fix42g).

Attacked: ``vjepa_ros/robot/targets.py`` SetpointStreamer (c13a813: a target set inside the braking
distance is passed within the limits and come back to; 2aca002: ``_brakes_past`` simulates with
``simulated_tick``, the upper median of the last 5 tick lengths, floored at 1 ms, at most
``MAX_SIMULATED_TICKS`` steps) and ``vjepa_ros/robot/input_episodes.py``'s clock-back rule
(23a1f36: the arm/hand, ``CLOCK_STEP_*``; 6049cd3: ``picture_change``, 16x16 grey block means,
``CLOCK_STEP_PICTURE`` 2.5). Each test asserts what SHOULD happen and fails now (strict xfail); its
docstring says why a lab would meet it. ROS-free, CPU, about a second each.

Held up (not to repeat): steady ticks of 30/100/1000 Hz with random retargets ahead/aside within
the braking distance stay at 0.5 m/s² and settle (only a target landed on exactly, to 1e-9 m, at
speed stops dead: a grid artifact, not a real input); the median catches up 3 ticks after a
change of tick length; NaN/inf targets are refused by filter_target ("planned target is not
finite"); picture_change costs ~5 ms on a 1280x720 frame and runs only on a clock step; another
frame size after the step is inf (a new world, by design). A pass beyond the anchor's reach or the
box is clamped (position limits win, as documented): only reachable with max_step_m within ~1 cm
of the set-point's lag behind the arm, and no acceleration-limited way exists then.

Fixed (fix42j): the usual tick follows a change of rate from its second tick, and a pass at the
usual tick after such a change is a braking pass; the picture rule is gone: a clock step is a
wall clock's only when the node's own system clock went back with the stamps (the harness steps
the injected ``clock_offset`` with the stamps: ``Clock.step_wall_back``).
"""

from pathlib import Path

import numpy as np
import pytest
from test_robot_mpc import START, frame, make_session

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.targets import SetpointStreamer

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def _accelerations(streamer, ticks, dt):
    """Step ``streamer`` ``ticks`` times by ``dt``; return the set-points' accelerations [m/s²].

    From the set-points' differences (what the controller receives), the first against the
    streamer's velocity before the first tick.
    """
    velocity, position, out = streamer.velocity.copy(), streamer.setpoint[:3].copy(), []
    for _ in range(ticks):
        streamer.step(dt)
        moved = (streamer.setpoint[:3] - position) / dt
        out.append(float(np.linalg.norm(moved - velocity)) / dt)
        velocity, position = moved, streamer.setpoint[:3].copy()
        if streamer.arrived():
            break
    return out


@pytest.mark.parametrize("before_hz, after_hz, ahead, aside", [
    (30.0, 100.0, 0.00848, 0.0),  # ticks long while a plan ran, back to 100 Hz with its target
    (100.0, 30.0, 0.00563, 0.00138),  # ticks lengthen as the next plan starts
])
def test_a_retarget_right_after_the_tick_length_changed_stays_within_the_acceleration(
        before_hz, after_hz, ahead, aside):
    """A retarget in the 3 ticks after the tick length changed brakes within the limit.

    Continuous control at stream_rate_hz 100: while a plan runs (CEM in Python, the GIL held), the
    100 Hz stream timer's callbacks come late and rcl skips the missed periods, so ticks are
    ~33 ms; the plan ends, set_target gives its target a few mm ahead of the set-point cruising
    at 0.1 m/s (the next plan near the goal), and the ticks are 10 ms again (or the other way: the
    next plan starts right after set_target and the ticks lengthen). The set-point must still
    brake within max_accel_m_s2 (Franka aborts on acceleration discontinuities): steady ticks of
    either length do (checked below), the change of length must not break it.
    """
    limits = SafetyLimits()
    streamer = SetpointStreamer(limits)
    streamer.reset(START)
    far = START.copy()
    far[0] += 0.2
    streamer.set_target(far)
    for _ in range(21):
        streamer.step(1.0 / before_hz)
    assert abs(streamer.velocity[0] - limits.max_speed_m_s) < 1e-9  # cruising
    target = streamer.setpoint.copy()
    target[0] += ahead
    target[1] += aside
    # the same retarget with steady ticks of either length: within the limit
    for hz in (before_hz, after_hz):
        steady = SetpointStreamer(limits)
        steady.reset(START)
        steady.set_target(far)
        for _ in range(21 if hz == before_hz else round(21 * after_hz / before_hz)):
            steady.step(1.0 / hz)
        steady_target = steady.setpoint.copy()
        steady_target[0] += ahead
        steady_target[1] += aside
        steady.set_target(steady_target)
        assert max(_accelerations(steady, 600, 1.0 / hz)) <= limits.max_accel_m_s2 * 1.02
    streamer.set_target(target)
    accelerations = _accelerations(streamer, 600, 1.0 / after_hz)
    assert streamer.arrived(), "never settled on the target"
    assert max(accelerations) <= limits.max_accel_m_s2 * 1.02, (
        f"{max(accelerations):.2f} m/s² against max_accel_m_s2 {limits.max_accel_m_s2}")


# ---- the clock step's picture rule ----------------------------------------------------------


def _real_frames():
    first, second = np.load(DATA / "franka_example_traj.npz")["observations"][0]
    return first, second


def _noisy(rgb, seed):
    rng = np.random.default_rng(seed)
    return np.clip(rgb + rng.normal(0, 5, rgb.shape), 0, 255).astype(np.uint8)


def _arm_moved(rgb, pixels, axis=1):
    """Return the real frame with its arm region moved ``pixels`` along ``axis``.

    The calibration's arm region (rows 0-200, columns 90-220); axis 1: sideways in the picture.
    """
    moved = rgb.copy()
    moved[0:200, 90:220] = np.roll(rgb, pixels, axis=axis)[0:200, 90:220]
    return moved


def _wall_clock_step(before_frames, after_frames, camera_hz, arm_speed=0.1):
    """Run an enabled continuous session through a wall clock stepped back 1 s.

    The arm moves along x at ``arm_speed`` [m/s]; frames at ``camera_hz`` ([H, W, 3] each, the
    last of ``before_frames`` the old clock's last, the first of ``after_frames`` the new
    clock's first), a state with each frame (the arm's pose at that time). The step is a real
    wall clock's: the stamps and the node's own system clock (the session's injected
    ``clock_offset``: ``Clock.step_wall_back``) go back together (fix42j). Returns the session,
    the gripper command before the step and the logs.
    """
    from test_robot_mpc import tiny_world_model

    session, clock, logs = make_session(tiny_world_model(), mode="continuous")
    period = 1.0 / camera_hz
    pose = START.copy()

    def observe(rgb):
        session.observe_image(rgb, clock.now)
        session.observe_state(pose, clock.now)

    observe(before_frames[0])
    session.set_goals([SubGoal(frame(20), 1, "grasp"), SubGoal(frame(21), 3, "place")])
    session.set_enabled(True)
    assert session.plan_step().command is not None  # sub-goal 1's one step: on to sub-goal 2
    gripper = session.last_gripper
    assert session.goals.index == 1 and gripper is not None
    for rgb in before_frames[1:]:
        clock.now += period
        pose[0] += arm_speed * period
        observe(rgb)
    clock.step_wall_back(1.0)  # chrony makestep / PTP: the wall clock goes back 1 s
    for rgb in after_frames:
        clock.now += period
        pose[0] += arm_speed * period
        observe(rgb)
    return session, gripper, logs


def test_a_wall_clock_step_under_an_arm_moving_at_full_speed_seen_at_15_hz_is_no_new_world():
    """A wall clock step under an arm at 0.1 m/s seen at 15 Hz keeps the goal progress.

    A real lab: a 15 Hz camera (RealSense's 15 fps mode, a USB camera sharing a hub), the arm
    moving at max_speed_m_s 0.1 m/s (6.7 mm between frames: 4 px sideways in the picture, twice
    the calibration's 2 px at 30 Hz), and chrony steps the wall clock back 1 s. The arm moved
    6.7 mm between the states (< CLOCK_STEP_MOVED_M), the hand is the same, the scene is the
    same: goal progress and the gripper command must stay (a new world restarts sub-goal 1 and,
    under goals.gripper subgoal, opens the hand holding the cup).
    """
    first, _ = _real_frames()
    before = [_noisy(_arm_moved(first, 4 * k), k) for k in range(4)]
    after = [_noisy(_arm_moved(first, 4 * k), 10 + k) for k in range(4, 8)]
    session, gripper, logs = _wall_clock_step(before, after, camera_hz=15.0)
    assert any("went back" in m for _, m in logs), logs
    assert (session.goals.index, session.last_gripper) == (1, gripper), (
        "a new world: " + "; ".join(m for _, m in logs if "went back" in m))


def test_a_wall_clock_step_with_the_brightness_flickering_3_percent_is_no_new_world():
    """A wall clock step with the brightness 3% up between two frames keeps the goal progress.

    LED/fluorescent lab lighting on 50 Hz mains seen by a 30 Hz camera with a short exposure
    beats a few per cent of brightness from frame to frame; a camera's auto-exposure steps its
    gain by a few per cent a frame while it settles (a person walking past). A 3% brighter first
    frame on the new clock, the arm still (30 Hz camera), the same scene: no new world.
    """
    first, _ = _real_frames()
    brighter = np.clip(first.astype(np.float64) * 1.03, 0, 255).astype(np.uint8)
    before = [_noisy(first, k) for k in range(4)]
    after = [_noisy(brighter, 10 + k) for k in range(4)]
    session, gripper, logs = _wall_clock_step(before, after, camera_hz=30.0, arm_speed=0.0)
    assert any("went back" in m for _, m in logs), logs
    assert (session.goals.index, session.last_gripper) == (1, gripper), (
        "a new world: " + "; ".join(m for _, m in logs if "went back" in m))
