"""What reached the arm, from set-points alone, and the safety check's arm poses outside the box.

The measurement of ``benchmarks/bench_planner_safety.py`` (``eval/setpoint_motion.py``) on
constructed set-point streams: one within every limit, streams that break one limit each, a
restart onto the arm, stamp jitter; and the check's joint configurations really put the TCP
outside the box by the margins its scenarios are about.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from benchmarks import bench_planner_safety as bench  # repository root on sys.path: conftest
from vjepa_ros.eval.setpoint_motion import limit_failures, longest_step_m, measure_setpoints
from vjepa_ros.robot.kinematics import FrankaKinematics
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.robot.workspace_box import distance_outside_box

LIMITS = SafetyLimits()
PERIOD = 0.01
DOWN = Rotation.from_euler("xyz", [np.pi, 0, 0])


def stream(speed=0.09, ticks=300, start=(0.5, 0.0, 0.3), direction=(1.0, 0.0, 0.0), spin=0.0):
    """Set-points at ``speed`` [m/s] along ``direction``, turning ``spin`` [rad/s] about z."""
    stamps = 100.0 + PERIOD * np.arange(ticks)
    unit = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
    xyz = np.asarray(start) + np.outer(speed * (stamps - stamps[0]), unit)
    quats = (Rotation.from_rotvec(np.outer(spin * (stamps - stamps[0]), [0, 0, 1])) * DOWN)
    return stamps, xyz, quats.as_quat()


def failures(stamps, xyz, quats, measured=None):
    motion = measure_setpoints(stamps, xyz, quats, LIMITS, PERIOD, measured)
    return motion, limit_failures(motion, LIMITS, PERIOD)


def test_a_stream_within_the_limits_passes_and_is_measured_right():
    motion, failed = failures(*stream(speed=0.09, spin=0.4))
    assert failed == []
    assert motion.max_step_m == pytest.approx(0.09 * PERIOD)
    assert motion.max_speed_m_s == pytest.approx(0.09)
    assert motion.max_angular_speed_rad_s == pytest.approx(0.4)
    assert motion.outside_box_m == 0.0 and motion.restarts == ()


@pytest.mark.parametrize("speed, direction", [(0.2, (1, 0, 0)), (0.13, (0, 1, 1))])
def test_a_stream_faster_than_the_limit_fails_on_speed(speed, direction):
    motion, failed = failures(*stream(speed=speed, direction=direction))
    assert motion.max_speed_m_s == pytest.approx(speed)
    assert [line for line in failed if "linear speed" in line], failed
    assert all(line.startswith("FAIL: ") for line in failed)


def test_a_one_tick_jump_fails_on_the_step_even_when_the_mean_speed_is_fine():
    stamps, xyz, quats = stream(speed=0.05)
    xyz[150:] += [0.0, 0.0, 0.009]  # a 9 mm jump (the clamp lurch at the box's floor)
    motion, failed = failures(stamps, xyz, quats)
    assert motion.max_step_m == pytest.approx(np.hypot(0.009, 0.05 * PERIOD))
    assert any("set-point step" in line and "safety.max_speed_m_s" in line for line in failed)
    assert motion.max_step_m > longest_step_m(LIMITS, PERIOD)


def test_turning_too_fast_and_leaving_the_box_fail():
    _, failed = failures(*stream(speed=0.05, spin=0.8))
    assert any("angular speed" in line for line in failed), failed
    stamps, xyz, quats = stream(speed=0.05, start=(0.5, 0.0, LIMITS.workspace_min[2] + 0.001),
                                direction=(0, 0, -1))
    motion, failed = failures(stamps, xyz, quats)
    assert motion.outside_box_m == pytest.approx(0.05 * (stamps[-1] - stamps[0]) - 0.001)
    assert any("outside the workspace box" in line for line in failed), failed


def test_a_stream_at_the_limit_passes_and_one_percent_over_fails():
    # the node stamps set-points with their tick's time (StreamOutput.stamp): the speeds are
    # exact, so the tolerance only covers stamp rounding and 1 % over the limit is caught
    stamps, xyz, quats = stream(speed=LIMITS.max_speed_m_s)
    epoch = 1_764_625_000.0  # stamps as float64 seconds of today's epoch (~0.2 µs apart)
    motion, failed = failures(stamps + epoch, xyz, quats)
    assert failed == [], failed
    assert motion.max_speed_m_s == pytest.approx(LIMITS.max_speed_m_s, rel=1e-4)
    stamps, xyz, quats = stream(speed=1.01 * LIMITS.max_speed_m_s)
    motion, failed = failures(stamps, xyz, quats)
    assert [line for line in failed if "linear speed" in line], failed


def test_a_jump_onto_the_measured_pose_is_a_restart_and_a_jump_elsewhere_is_not():
    stamps, xyz, quats = stream(speed=0.05)
    arm = np.tile([0.5, 0.0, 0.3], (len(stamps), 1))
    moved = np.array([0.6, 0.2, 0.35])
    arm[100:] = moved
    xyz[120:] = moved + np.outer(0.05 * (stamps[120:] - stamps[120]), [1, 0, 0])
    motion, failed = failures(stamps, xyz, quats, arm)
    assert failed == [] and len(motion.restarts) == 1
    assert motion.restarts[0] == pytest.approx(np.linalg.norm(moved - xyz[119]))
    assert motion.max_step_m == pytest.approx(0.05 * PERIOD)
    xyz[120:] += [0.0, 0.0, 0.01]  # lands 1 cm from the arm: a lurch, not a restart
    motion, failed = failures(stamps, xyz, quats, arm)
    assert motion.restarts == () and any("set-point step" in line for line in failed)


def test_a_restart_at_the_nodes_older_state_of_a_moving_arm_is_a_restart():
    # live53: under load the node restarts at its newest state, up to max_state_age_s older than
    # the set-point's stamp; the arm, still moving, is 27 mm on at the stamp. Read against the
    # pose at the stamp alone the restart was a 27 mm "step" at 0.3-0.5 m/s (bench FAIL).
    from benchmarks.safety_run import Watch

    stamps, xyz, quats = stream(speed=0.05)
    arm_stamps = 100.0 + 0.01 * np.arange(300)
    arm_xyz = [0.4, 0.0, 0.3] + np.outer(0.1 * (arm_stamps - 100.0), [0, 1, 0])  # 0.1 m/s
    held = xyz[119].copy()
    node_state = arm_xyz[100]  # the node's newest state at stamp 101.2: 0.2 s old
    xyz[120:] = node_state + np.outer(0.05 * (stamps[120:] - stamps[120]), [1, 0, 0])
    xyz[:120] = held
    watch = object.__new__(Watch)
    watch.arm = list(zip(arm_stamps, arm_xyz, strict=True))
    at_stamp = watch.arm_at(stamps)
    motion, failed = failures(stamps, xyz, quats, at_stamp)  # the pose at the stamp alone
    assert motion.restarts == () and any("set-point step" in line for line in failed)
    window = watch.arm_over(stamps, LIMITS.max_state_age_s)
    assert window.shape[0] == len(stamps) and np.allclose(window[:, -1], at_stamp)
    motion, failed = failures(stamps, xyz, quats, window)
    assert failed == [] and len(motion.restarts) == 1
    assert motion.max_step_m == pytest.approx(0.05 * PERIOD)
    xyz[120:] += [0.0, 0.0, 0.01]  # 1 cm off every pose of the window: still a lurch
    motion, failed = failures(stamps, xyz, quats, window)
    assert motion.restarts == () and any("set-point step" in line for line in failed)
    too_old = watch.arm_over(stamps, 0.1)  # the node's state lies outside a 0.1 s window
    assert failures(stamps, xyz - [0.0, 0.0, 0.01], quats, too_old)[0].restarts == ()


def test_too_few_or_mismatched_set_points_are_refused():
    stamps, xyz, quats = stream(ticks=3)
    with pytest.raises(ValueError, match="two or more set-points"):
        measure_setpoints(stamps[:1], xyz[:1], quats[:1], LIMITS, PERIOD)
    with pytest.raises(ValueError, match="two or more set-points"):
        measure_setpoints(stamps, xyz[:2], quats, LIMITS, PERIOD)


def test_the_check_puts_the_arm_outside_the_box_by_the_margins_it_means():
    limits, period = bench.node_settings()
    assert period == pytest.approx(0.01)
    tolerance = limits.workspace_tolerance_m
    kinematics = FrankaKinematics()
    home = kinematics.ee_pose(bench.HOME)
    for depth in (tolerance / 2, 2 * tolerance):  # the tolerance and beyond scenarios
        joints = bench.joints_at(bench.below_floor_xyz(limits, depth))
        assert np.all(joints >= bench.JOINT_LOWER) and np.all(joints <= bench.JOINT_UPPER)
        pose = kinematics.ee_pose(joints)
        assert distance_outside_box(pose[:3], limits) == pytest.approx(depth, abs=1e-6)
        assert pose[2] < limits.workspace_min[2]  # below the floor, not beside the box
        turn = Rotation.from_euler("xyz", pose[3:]) * Rotation.from_euler("xyz", home[3:]).inv()
        assert turn.magnitude() < 1e-6, "the hand still points down"
    for xyz in (bench.MOVED_XYZ, bench.BACK_XYZ):  # inside the box, far from the home pose
        pose = kinematics.ee_pose(bench.joints_at(xyz))
        assert distance_outside_box(pose[:3], limits) == 0.0
        assert np.linalg.norm(pose[:3] - home[:3]) > 0.2
    with pytest.raises(ValueError, match="no joint angles"):
        bench.joints_at([2.0, 0.0, 0.3])  # out of the arm's reach


def test_the_sensor_process_moves_its_arm_on_each_well_formed_line():
    from benchmarks.arm_track import ArmTrack
    from benchmarks.soak_sensors import HOME, read_joint_lines

    track = ArmTrack(HOME + [0.04])
    joints = bench.joints_at(bench.MOVED_XYZ)
    read_joint_lines(track, ["1 2 3\n", "not numbers at all, eight words here\n",
                             " ".join(map(str, [*joints, 0.0])) + "\n", "\n"])
    position = track.at(0.0)
    np.testing.assert_allclose(position[:7], joints)
    assert position[7] == 0.0 and len(position) == 8


def test_a_long_refusal_is_cut_in_the_table_at_a_clause_or_word_never_mid_word():
    jump = ("robot state on /soak/joint_states jumps 0.280 m in 10 ms, faster than an arm moves "
            "(3 m/s)")
    assert bench.clipped(jump) == "robot state on /soak/joint_states jumps 0.280 m in 10 ms …"
    words = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
    cut = bench.clipped(words)
    assert cut.endswith(" …") and words.startswith(cut[:-2]) and words[len(cut) - 2] == " "
    assert len(cut) <= 72
    assert bench.clipped("no goal: all 3 sub-goals done") == "no goal: all 3 sub-goals done"
