"""Whether a bag's pose topic publishes the end-effector point its states are labelled at.

franka_robot_state_broadcaster's ``current_pose`` is the robot's configured end effector: the
flange when no hand is set in Desk, a tool's TCP, the hand's point without its -45 deg mount.
``BagTopics.tcp_xyz`` / ``tcp_rpy`` name the point eval, train and camera-check label states
at (the planner's ``robot.tcp_xyz`` / ``tcp_rpy``, read by forward kinematics of the joints
with its default ``robot.state_source`` joint_states). The rule, one for every command: a bag
holding the pose topic and one arm's joints has its poses compared with the joints' forward
kinematics at that point (:func:`point_offset`); beyond :data:`POINT_TOLERANCE_M` /
:data:`POINT_TOLERANCE_RAD` (median over the joint states inside the poses' span, at the lag
between the two streams that fits best: a pose topic stamped late) by a fixed
transform in the end-effector frame (:func:`another_point`: the pose rides on the flange as a
tool does) the pose topic publishes another point: ``--state-source auto`` reads the joints at
the point with :func:`other_point_note`, ``--state-source pose`` keeps the poses with it. Poses
that move apart from the joints (no fixed transform: another arm's, another stream's) are no
other point of this arm and are read as before (the stray-source and jump checks speak for
them). A pose-only bag
cannot be labelled at another point than its publisher's: :func:`point_not_applied_note`
when the point given is not the Franka Hand's TCP (the driver's point with the hand set).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ

# the spreads are this percentile of the poses' deviations, not their median: a pose topic half of
# whose messages come from a second publisher (0.9 m away) kept a median spread of 0 and was taken
# for a point fixed on the flange (breaker45r's two sources, read as 'another end-effector point')
SPREAD_PERCENTILE = 90
# [m], [rad]: median offsets of one point's pose from the joints' FK that are timing and
# calibration (a driver's pose and its joints agree to well under a millimetre), not another
# point; the smallest tool change a lab makes (a finger pad, 1 cm) is above them
POINT_TOLERANCE_M = 0.005
POINT_TOLERANCE_RAD = np.deg2rad(3.0)


def point_offset(pose_times: np.ndarray, quaternions: np.ndarray, positions: np.ndarray,
                 joint_times: np.ndarray, joint_ee: np.ndarray) -> tuple[float, ...] | None:
    """Return the poses' median (distance [m], angle [rad], spread [m], spread [rad], lag [s]).

    ``pose_times`` [M] int64 ns, ``positions`` [M, 3] m, ``quaternions`` [M, 4] xyzw: the pose
    topic; ``joint_times`` [N] int64 ns, ``joint_ee`` [N, 6] (xyz m, extrinsic xyz Euler rad):
    the joints' forward kinematics at the labelled point. The lag: how far the pose stamps
    trail the joints' (a pose stamped ``t`` shows the joints of ``t - lag``; negative: ahead),
    the one within :data:`LAG_SEARCH_S` whose poses ride on the FK frame most rigidly (the
    smallest spreads; the smallest lag among near-equal ones: 0 for an arm at rest). Another
    node's pose topic, a mocap bridge, one stream stamped on receive: a 30 ms lag while the
    tool point moves at 0.3 m/s is 9 mm, more than the tolerance (breaker58i). At that lag the
    poses are interpolated (linear, slerp) at the joint times inside their span. The spreads:
    the 90th percentile (``SPREAD_PERCENTILE``) of each pose's deviation in the FK frame (its
    offset and rotation there) from their median, small for a point fixed on the flange and
    large for two publishers on one topic. None when fewer
    than two poses or no joint state falls inside it (nothing to compare).
    """
    from scipy.spatial.transform import Rotation, Slerp  # (lazy: --help loads no scipy)

    order = np.argsort(pose_times, kind="stable")
    times = np.asarray(pose_times, np.int64)[order]
    keep = np.append(np.diff(times) > 0, True)  # one pose a stamp: the last
    times = times[keep]
    if len(times) < 2:
        return None
    span = (times - times[0]).astype(float)
    moved = [np.asarray(positions, float)[order][keep][:, axis] for axis in range(3)]
    turned = Slerp(span, Rotation.from_quat(np.asarray(quaternions, float)[order][keep]))
    joint_at = (np.asarray(joint_times, np.int64) - times[0]).astype(float)  # [ns] from pose 0
    ee = np.asarray(joint_ee, float)

    def offset(lag_ns: float, pick: np.ndarray) -> tuple[float, ...] | None:
        at = joint_at[pick] + lag_ns  # the pose stamp showing each joint state
        inside = (at >= 0.0) & (at <= span[-1])
        if not inside.any():
            return None
        at, fk = at[inside], ee[pick][inside]
        place = np.stack([np.interp(at, span, axis) for axis in moved], axis=1)
        frame = Rotation.from_euler("xyz", fk[:, 3:6])
        relative = frame.inv() * turned(at)  # each pose's rotation in the FK frame
        shift = frame.inv().apply(place - fk[:, :3])  # [N, 3] its offset in the FK frame
        spread = np.linalg.norm(shift - np.median(shift, axis=0), axis=1)
        turn = (relative.mean().inv() * relative).magnitude()
        return (float(np.median(np.linalg.norm(place - fk[:, :3], axis=1))),
                float(np.median(relative.magnitude())),
                float(np.percentile(spread, SPREAD_PERCENTILE)),
                float(np.percentile(turn, SPREAD_PERCENTILE)), lag_ns / 1e9)

    lag = _lag_ns(offset, np.unique(np.linspace(0, len(ee) - 1, min(len(ee), LAG_SAMPLES),
                                                dtype=int)))
    return None if lag is None else offset(lag, np.arange(len(ee)))


# [s] the pose stamps' lag behind the joints' searched (either way), and its steps: coarse,
# then fine around the coarse best; [1] joint states the search compares (evenly picked)
LAG_SEARCH_S, LAG_STEPS_S, LAG_SAMPLES = 0.1, (0.005, 0.001), 2000
LAG_SAID_S = 0.01  # [s] a lag this large is said in the note (a stream's clock to look at)


def _lag_ns(offset, pick: np.ndarray) -> float | None:
    """Return the lag [ns] whose ``offset(lag, pick)`` spreads are smallest (None: none inside).

    The spreads are weighed by their tolerances; among lags within 2 % (and 0.1 % of a
    tolerance) of the best, the smallest in size is taken, so a still arm reads lag 0.
    """
    coarse, fine = (round(step * 1e9) for step in LAG_STEPS_S)
    reach = round(LAG_SEARCH_S * 1e9)
    scores: dict[int, float] = {}

    def score(lags) -> None:
        for lag in lags:
            found = None if lag in scores else offset(float(lag), pick)
            if found is not None:
                scores[lag] = found[2] / POINT_TOLERANCE_M + found[3] / POINT_TOLERANCE_RAD
    score(range(-reach, reach + 1, coarse))
    if not scores:
        return None
    best = min(scores, key=scores.get)
    score(range(max(-reach, best - coarse), min(reach, best + coarse) + 1, fine))
    least = min(scores.values())
    return float(min((lag for lag, value in scores.items() if value <= least * 1.02 + 1e-3),
                     key=abs))


def same_point(offset: tuple[float, ...] | None) -> bool:
    """Return whether :func:`point_offset`'s ``offset`` is within tolerance: the point given."""
    return offset is not None and offset[0] <= POINT_TOLERANCE_M and \
        offset[1] <= POINT_TOLERANCE_RAD


def another_point(offset: tuple[float, ...] | None) -> bool:
    """Return whether :func:`point_offset`'s ``offset`` is of another point on the flange.

    Beyond :data:`POINT_TOLERANCE_M` / :data:`POINT_TOLERANCE_RAD` from the FK, by a transform
    fixed within them (its spreads).
    """
    return offset is not None and not same_point(offset) and \
        offset[2] <= POINT_TOLERANCE_M and offset[3] <= POINT_TOLERANCE_RAD


def _point(tcp_xyz, tcp_rpy) -> str:
    xyz = ", ".join(f"{float(v):g}" for v in tcp_xyz)
    rpy = ", ".join(f"{float(v):.4g}" for v in tcp_rpy)
    return f"tcp_xyz [{xyz}] m, tcp_rpy [{rpy}] rad"


def other_point_note(pose_topic: str, joint_topic: str, offset: tuple[float, ...],
                     tcp_xyz, tcp_rpy, read_joints: bool) -> str:
    """Say that ``pose_topic`` publishes another point than the one states are labelled at.

    ``offset``: :func:`point_offset`'s; ``read_joints``: the states are read from
    ``joint_topic`` at the point (``--state-source auto``), else the poses are kept
    (``--state-source pose``).
    """
    what = (f"states from {joint_topic}'s joints at that point (--state-source joint_states, "
            "as the planner's robot.state_source joint_states reads them); if the pose topic's "
            "point is the one the planner uses, give it as --tcp-xyz / --tcp-rpy"
            if read_joints else
            "its poses read as asked (--state-source pose): they are not that point's motions; "
            f"give --state-source joint_states to read {joint_topic}'s joints at it, or "
            "--tcp-xyz / --tcp-rpy the pose topic's point")
    lag = offset[4] if len(offset) > 4 else 0.0
    lag_said = (f", its stamps {abs(lag) * 1000:.0f} ms {'behind' if lag > 0 else 'ahead of'} "
                "the joints' (matched by their motions: one stream stamped late or on receive?)"
                if abs(lag) >= LAG_SAID_S else "")
    return (f"pose topic {pose_topic} lies {offset[0] * 1000:.1f} mm and "
            f"{np.rad2deg(offset[1]):.1f} deg (median{lag_said}) from the forward kinematics "
            f"of {joint_topic}'s joints at {_point(tcp_xyz, tcp_rpy)}: it publishes another "
            "end-effector point (the flange when no hand is set in Desk, a tool's TCP?); "
            + what)


def point_not_applied_note(pose_topic: str, tcp_xyz, tcp_rpy) -> str:
    """Say that a pose-only bag's states are its publisher's point, not the one given.

    "" when the point is the Franka Hand's TCP (the driver's own with the hand set in Desk).
    """
    if np.allclose(np.r_[tcp_xyz, tcp_rpy], np.r_[HAND_TCP_XYZ, HAND_TCP_RPY], atol=1e-6):
        return ""
    return (f"{_point(tcp_xyz, tcp_rpy)} is not applied: the states are pose topic "
            f"{pose_topic}'s, at the end-effector point its publisher sets, and the bag holds "
            "no arm joint states to label that point by forward kinematics (--state-source "
            "joint_states); record /joint_states too, or set the driver's end effector to it")


def joints_offset(pose_times: np.ndarray, poses: np.ndarray, series,
                  joints_to_pose) -> tuple[float, ...] | None:
    """Return :func:`point_offset` of ``poses`` from ``series``' arm joints' FK.

    ``poses`` [M, 7] (xyz m, quaternion xyzw) at ``pose_times`` [M] ns; ``series``: a
    ``JointSeries`` (None: not readable); ``joints_to_pose``: the kinematics at the labelled
    point. None without arm samples.
    """
    if series is None or len(series.arm) == 0:
        return None
    ee = joints_to_pose(list(series.arm_names), series.arm)
    return point_offset(pose_times, poses[:, 3:7], poses[:, :3], series.arm_times, ee)


@dataclasses.dataclass(frozen=True)
class PointVerdict:
    """What :func:`pose_point` found.

    ``note``: what to say ("" none); ``at_tcp``: the poses are the point states are labelled
    at; ``read_joints``: read the arm's joints at that point instead of the poses.
    """

    note: str = ""
    at_tcp: bool = False
    read_joints: bool = False


def pose_point(pose_topic: str, arm_topic: str, arms: bool, pose_times: np.ndarray,
               poses: np.ndarray, read_arm, joints_to_pose, tcp_xyz, tcp_rpy,
               switch: bool) -> PointVerdict:
    """Apply the rule (module docstring) to a bag's pose topic; return its :class:`PointVerdict`.

    ``arm_topic``: the one arm's JointState topic whose joints tell the point ("": none or two
    arms, no comparison); ``arms``: the bag holds arm joint states at all (False: a pose-only
    bag, :func:`point_not_applied_note`); ``poses`` [M, 7] at ``pose_times`` [M] ns as in
    :func:`joints_offset`; ``read_arm()``: ``arm_topic``'s ``JointSeries`` (None: unreadable);
    ``joints_to_pose``: the kinematics at ``tcp_xyz`` [m] / ``tcp_rpy`` [rad]; ``switch``:
    ``--state-source auto`` (another point: the joints are read instead).
    """
    if not arms:
        return PointVerdict(point_not_applied_note(pose_topic, tcp_xyz, tcp_rpy))
    if not arm_topic:
        return PointVerdict()
    offset = joints_offset(pose_times, poses, read_arm(), joints_to_pose)
    if not another_point(offset):
        return PointVerdict(at_tcp=same_point(offset))
    return PointVerdict(other_point_note(pose_topic, arm_topic, offset, tcp_xyz, tcp_rpy,
                                         read_joints=switch), read_joints=switch)

