"""The safety check's following arm moves continuously in time, whatever stalls its sender.

Session 46's idle 2-core run failed the gripper scenario: "robot state on /soak/joint_states jumps
0.015 m in 10 ms", then a false new world. The check's spin loop moved the sensor's arm to the
newest set-point every 50 ms; it stalled ~150 ms (2 cores shared with the node's CEM) while the
sensor republished the old pose with fresh stamps, then the arm teleported. Now the loop sends
the set-points with their stamps and the sensor plays them back by stamp (``arm_track``).
Simulated here in time, no ROS graph: set-points at 100 Hz, the loop sending the newest every
50 ms but for a stall, the sensor stamping a state every 10 ms.
"""

import io
from types import SimpleNamespace

import numpy as np

from benchmarks.arm_track import LAG_S, ArmTrack
from benchmarks.safety_run import FOLLOW_S, Run, joints_at
from vjepa_ros.robot.kinematics import FrankaKinematics

STATE_S = 0.01  # [s] the sensor's joint states
SPEED = 0.1  # [m/s] the set-points' top speed (config/planner.yaml's safety.max_speed_m_s)
START = 100.0  # [s] node clock at the stream's start


def setpoint(t: float) -> np.ndarray:
    """Return a set-point [8] at time ``t`` [s]: x ramps up to SPEED (0.5 m/s²), then cruises."""
    s = t - START
    x = 0.25 * s * s if s < 0.2 else 0.01 + SPEED * (s - 0.2)
    return np.array([0.4 + x, 0.0, 0.3, 0, 0, 0, 0, 0.04])


def line(values, stamp=None) -> str:
    return " ".join(f"{v:.17g}" for v in [*values, *([] if stamp is None else [stamp])])


def follow(stamped: bool, stall=(1.0, 1.15), sensor_stall=None, seconds=2.0):
    """Run the loop and the sensor; return the states' stamps [N] and arm x [N] (m).

    ``stall``: (start, end) after START [s] in which the loop sends nothing; ``sensor_stall``:
    the same for the sensor's states; ``stamped``: False sends at once, as before session 46.
    """
    track, states, sent_at = ArmTrack(setpoint(START)), [], -1.0
    for k in range(int(seconds / 0.001)):  # 1 ms steps
        now = START + k * 0.001
        newest = START + np.floor((now - START) / 0.01) * 0.01  # the newest set-point's stamp
        stalled = stall[0] <= now - START < stall[1]
        if not stalled and now - sent_at >= FOLLOW_S - 1e-9:
            track.feed(line(setpoint(newest), newest if stamped else None))
            sent_at = now
        on_tick = k % round(STATE_S / 0.001) == 0
        asleep = sensor_stall is not None and sensor_stall[0] <= now - START < sensor_stall[1]
        if on_tick and not asleep:
            states.append((now, track.at(now)[0]))
    stamps, x = np.array(states).T
    return stamps, x


def most_setpoints_move(span: float) -> float:
    """Return the farthest the set-points move in any ``span`` [s] (m)."""
    t = START + np.arange(0, 2.0, 0.001)
    x = np.array([setpoint(s)[0] for s in t])
    shift = round(span / 0.001)
    return float(np.abs(x[shift:] - x[:-shift]).max())


def test_a_stalled_follow_loop_never_makes_the_arm_jump():
    stamps, x = follow(stamped=True)
    steps = np.abs(np.diff(x))
    # no state steps more than the set-points moved in 10 ms, but the catch-up after the stall
    assert steps.max() <= 1.5 * most_setpoints_move(STATE_S) + 1e-9  # 1.5: CATCHUP
    _, at_once = follow(stamped=False)
    assert np.abs(np.diff(at_once)).max() > 0.01  # the old at-once follower: session 46's jump


def test_the_arm_follows_the_setpoints_lag_behind_and_catches_up_after_a_stall():
    stamps, x = follow(stamped=True)
    late = np.array([setpoint(max(t - LAG_S, START))[0] for t in stamps])
    steady = (stamps - START > 0.3) & (stamps - START < 1.0 + LAG_S - FOLLOW_S)
    np.testing.assert_allclose(x[steady], late[steady], atol=1e-9)
    caught = stamps - START > 1.8  # the stall's backlog played at CATCHUP x: caught up by then
    np.testing.assert_allclose(x[caught], late[caught], atol=1e-9)


def test_a_stalled_sensor_steps_no_faster_than_the_setpoints_moved():
    stamps, x = follow(stamped=True, sensor_stall=(0.6, 0.75))
    gaps = np.diff(stamps)
    assert gaps.max() > 0.1  # the stall: one state 150 ms after the one before
    speeds = np.abs(np.diff(x)) / gaps
    assert speeds.max() <= 1.5 * SPEED + 1e-6  # 1.5: CATCHUP


def test_an_unstamped_line_still_moves_the_arm_at_once_and_ends_a_track():
    track = ArmTrack(setpoint(START))
    track.feed(line(setpoint(START), START))
    track.feed(line(setpoint(START + 0.05), START + 0.05))
    np.testing.assert_array_equal(track.at(START + 0.11), setpoint(START))  # its start
    assert track.at(START + 0.12)[0] > setpoint(START)[0]  # moving on
    pushed = np.array([0.5, 0.15, 0.35, 0, 0, 0, 0, 0.0])
    track.feed(line(pushed))
    np.testing.assert_array_equal(track.at(START + 0.13), pushed)
    for bad in ("1 2 3", "nan " * 8, "eight words that are not numbers at all here", ""):
        track.feed(bad)
    track.feed(line(setpoint(START), START - 1.0))  # a stale track: starts where it is sent
    np.testing.assert_array_equal(track.at(START + 0.14), setpoint(START))


def test_spin_following_sends_the_newest_setpoint_with_its_stamp():
    xyz = [0.45, 0.05, 0.3]
    run = Run.__new__(Run)
    run.sensors = SimpleNamespace(stdin=io.StringIO())
    run.executor = SimpleNamespace(spin_once=lambda timeout_sec: None)
    run.watch = SimpleNamespace(setpoints=[(START, [0.4, 0.0, 0.3], [1, 0, 0, 0]),
                                           (START + 0.01, xyz, [1, 0, 0, 0])])
    run.spin_following(1.0, lambda: bool(run.sensors.stdin.getvalue()))
    values = [float(v) for v in run.sensors.stdin.getvalue().split()]
    assert len(values) == 9 and values[8] == START + 0.01
    np.testing.assert_allclose(values[:7], joints_at(xyz))
    np.testing.assert_allclose(FrankaKinematics().ee_pose(values[:7])[:3], xyz, atol=1e-5)


def test_a_track_sent_ahead_starts_from_where_the_arm_is_held():
    held, first = np.zeros(8), np.full(8, 0.01)
    track = ArmTrack(held)
    track.feed(line(first, START))
    arm = np.array([track.at(START + k * STATE_S)[0] for k in range(round(LAG_S / STATE_S) + 2)])
    assert arm[0] == 0.0 and arm[-1] == 0.01  # held, then at the first pose LAG_S later
    assert np.all(np.diff(arm) >= 0) and np.abs(np.diff(arm)).max() < 0.0015  # in 10 steps
