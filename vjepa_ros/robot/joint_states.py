"""Franka joint states in any layout → arm joint positions [7] and gripper closedness.

The one reader of ``sensor_msgs/JointState`` contents for the planner node, ``vjepa-ros eval``,
``vjepa-ros train`` and the bag reader. Layouts accepted:

- Franka joint names of any model (:mod:`vjepa_ros.robot.arm_models`: panda, fer, fr3, fp3,
  fr3v2 ...) with any prefix: ``panda_joint1``, ``fer_joint1``, ``left_fr3_joint1``,
  ``robot1/fp3_joint3`` ... With an empty ``joint_prefix`` the prefix is found from the names
  (``<anything><model>_``, or none: franka_description's ``--no-prefix`` ``joint1..7``, only
  all seven and with no prefixed arm in the message or kept before: a pan-tilt's ``joint1``/
  ``joint2`` or an xArm's ``joint1..6`` are another device's) and the first complete arm seen
  is kept; a second
  Franka arm is then an error that asks for ``joint_prefix``. With a ``joint_prefix`` the arm is
  exactly ``<prefix>joint1..7`` and every other arm is foreign. An arm whose model's joint
  limits are not known here (fr3v2) is refused (``arm_models.unknown_limits_problem``).
- Any order and extra joints (ignored).
- Merged (arm and fingers in one message) or split (franka_ros style: the 7 arm joints and the 2
  finger joints as *separate* messages on one topic), or the fingers on their own topic
  (franka_ros2: ``/<arm_id>_gripper/joint_states``).
- Finger joints ``<prefix>finger_joint1/2``; one of them alone (the other mimics it) counts for
  both. When the arm's prefix is known the fingers must be its hand's (:func:`hand_of_arm`: the
  same prefix; a bare ``joint1..7`` arm also takes a hand named by a model word only,
  franka_gripper's default ``fr3_finger_joint1/2``; another robot's hand is foreign), unless a
  recording's reader is told the hand's own prefix (``hand_prefix``: a gripper topic the user
  named, or the recording's only hand; the live node never is).

A message with none of this arm's joints and no finger joint is *foreign* (a head, a mobile base,
another robot): :attr:`JointReading.foreign`; callers ignore it.

Gripper mapping (Franka Hand, as ``franka_gripper`` reports it): each finger joint is the
distance [m] of one finger from the centre, 0..0.04 m; closedness = 1 − (finger1 + finger2) /
max_width clipped to [0, 1] (0 open, 1 closed), max_width 0.08 m.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import numpy as np

from vjepa_ros.message_words import message_words
from vjepa_ros.robot.arm_models import (
    ARM_JOINT_NAME,
    MODEL_PREFIXES,
    PLAIN_PREFIXES,
    UNPREFIXED_OTHERS,
    unknown_limits_problem,
)
from vjepa_ros.robot.kinematics import StateError
from vjepa_ros.robot.state_ranges import arm_joint_problem, arm_unread, finger_problem

ARM_JOINTS = 7
FRANKA_HAND_MAX_WIDTH = 0.08  # m: the Franka Hand's full opening
# The Franka Hand's grasp force (datasheet): 70 N continuously, 140 N as a short peak
FRANKA_HAND_MAX_FORCE = 70.0  # N: continuous; the simulator's cap (sim.gripper)
FRANKA_HAND_PEAK_FORCE = 140.0  # N: a short peak; control.gripper_max_effort's cap
# Why a force above the continuous one is refused (the range refusal's reason, config.check_range)
CONTINUOUS_FORCE_WHY = (f"{FRANKA_HAND_MAX_FORCE:g} N is the Franka Hand's continuous grasp "
                        f"force (datasheet); its {FRANKA_HAND_PEAK_FORCE:g} N short peak is not "
                        "modelled")
# Why a force above the peak is refused (control.gripper_max_effort's range refusal)
PEAK_FORCE_WHY = (f"{FRANKA_HAND_PEAK_FORCE:g} N is the Franka Hand's short peak grasp force "
                  "(datasheet)")
_FINGER_NAME = re.compile(r"^(?P<prefix>.*)finger_joint(?P<index>[12])$")
# what to set when joint states arrive without the arm's joints (gripper-only, another prefix)
JOINT_PREFIX_SETTING = ("if the arm's joints are named <prefix>joint1..7, set robot.joint_prefix "
                        "(vjepa-ros launch -p planner.robot.joint_prefix:=<prefix>; ros2 run: "
                        "-p robot.joint_prefix:=<prefix>)")
_CHOOSE_PREFIX = ("set the joint prefix of the arm to use (node: robot.joint_prefix; eval/train: "
                  "--joint-prefix)")


def expected_arm_joints(joint_prefix: str = "") -> str:
    """Return this arm's joints in words, as a reader with ``joint_prefix`` looks for them.

    ``"this arm's joints left_fr3_joint1..7 (robot.joint_prefix)"``, or without a prefix the
    names any Franka arm's are found by (``<any><model>_joint1..7``, a model of
    :data:`~vjepa_ros.robot.arm_models.LIMITS_OF_MODEL`: panda_, fer_, fr3_, fp3_ ...).
    """
    if joint_prefix:
        return f"this arm's joints {joint_prefix}joint1..7 (robot.joint_prefix)"
    return (f"a Franka arm's joints (<any><model>_joint1..7, <model>_ one of {MODEL_PREFIXES}; "
            "or unprefixed joint1..7)")


def hand_of_arm(hand_prefix: str, arm_prefix: str) -> bool:
    """Whether fingers ``<hand_prefix>finger_joint1/2`` may be the arm ``<arm_prefix>joint1..7``'s.

    The same prefix; or, for a bare arm (franka_description's ``--no-prefix``: ``joint1..7``),
    a hand whose prefix is a model word only (:data:`~vjepa_ros.robot.arm_models.PLAIN_PREFIXES`:
    ``fr3_``, ``panda_``, ``fer_`` ...: franka_gripper's default ``<arm_id>_finger_joint1/2``,
    its launch knowing nothing of the arm's ``no_prefix``), which names no robot of a cell.
    ``robot2/fr3_`` or ``left_fr3_`` fingers name one: never a bare arm's. The one rule of the
    planner node (:class:`JointStateReader`, ``finger_choice``) and the recordings' reader.
    """
    return hand_prefix == arm_prefix or (arm_prefix == "" and hand_prefix in PLAIN_PREFIXES)


def closedness_from_fingers(fingers, max_width: float = FRANKA_HAND_MAX_WIDTH) -> np.ndarray:
    """Gripper closedness in [0, 1] (float64 [...]) of finger joint positions [..., 2] in m."""
    width = np.asarray(fingers, dtype=np.float64).sum(axis=-1)
    return np.clip(1.0 - width / max_width, 0.0, 1.0)


def finger_position(closedness: float, max_width: float = FRANKA_HAND_MAX_WIDTH) -> float:
    """Per-finger joint position [m] of a closedness in [0, 1] (inverse of the mapping)."""
    return (1.0 - float(np.clip(closedness, 0.0, 1.0))) * max_width / 2


class RangeError(StateError):
    """Joint positions outside the Franka's range: wrong units (degrees, millimetres)."""


class ArmStateError(StateError):
    """A message whose *arm* joints are unusable (missing, NaN, two arms).

    Its fingers may be fine: the planner node does not mark the hand unknown for it.
    """


class NonFiniteError(StateError):
    """A message whose arm or finger joint positions hold NaN or inf (a driver's glitch)."""


class NonFiniteArmError(NonFiniteError, ArmStateError):
    """A message whose arm joint positions hold NaN or inf."""


class ArmRangeError(RangeError, ArmStateError):
    """Arm joint positions outside the Franka's range (degrees for radians)."""


@dataclasses.dataclass(frozen=True)
class JointReading:
    """What one JointState message says about the arm and its hand."""

    arm: np.ndarray | None = None  # [7] float64 rad, joint1..joint7; None: no arm joints
    fingers: np.ndarray | None = None  # [2] float64 m; None: no finger joints
    arm_names: tuple[str, ...] = ()  # the message's names of joint1..7 (empty without arm)
    finger_prefix: str | None = None  # the fingers' name prefix ("left_fr3_"); None: no fingers
    nan_fingers: bool = False  # its finger joints were NaN or inf: left out (``fingers`` None)

    @property
    def foreign(self) -> bool:
        """True when the message holds none of this arm's joints and no finger joint."""
        return self.arm is None and self.fingers is None and not self.nan_fingers


class JointNames(tuple):
    """A JointState's names as a tuple of ``str``, made by :func:`joint_names` (immutable)."""

    __slots__ = ()


def joint_names(names) -> JointNames:
    """Return ``names`` (any sequence: a message's list) as a :class:`JointNames` of ``str``.

    A :class:`JointNames` comes back as it is: a caller that reads one message twice
    (:meth:`JointStateReader.has_arm`, then :meth:`JointStateReader.read`) builds it once.
    """
    if type(names) is JointNames:
        return names
    return JointNames(str(name) for name in names)


def arm_prefixes(names) -> list[str]:
    """Return the prefixes of the Franka arm joints among ``names`` (``fr3_`` of fr3_joint1..7).

    Unprefixed ``joint1..7`` count (``""``) only as :func:`_franka_arm_groups` takes them.
    """
    return sorted(_franka_arm_groups(tuple(str(name) for name in names)))


def finger_prefixes(names) -> list[str]:
    """Return the prefixes of the finger joints among ``names`` (``panda_`` of panda_finger_*)."""
    return sorted(_groups(tuple(str(name) for name in names), _FINGER_NAME))


@functools.lru_cache(maxsize=64)
def _arm_joint_names(prefix: str) -> tuple[str, ...]:
    """Return ``<prefix>joint1..7`` (cached: a stream's messages repeat one prefix)."""
    return tuple(f"{prefix}joint{i}" for i in range(1, ARM_JOINTS + 1))


@functools.lru_cache(maxsize=64)
def _arm_joint_numbers(prefix: str) -> dict[str, int]:
    """Return ``{<prefix>jointN: N}`` (cached, read-only: do not modify)."""
    return {name: i for i, name in enumerate(_arm_joint_names(prefix), 1)}


@functools.lru_cache(maxsize=1024)
def _groups(names: tuple[str, ...], pattern: re.Pattern) -> dict[str, dict[int, int]]:
    """Group the names matching ``pattern``: prefix → {joint number: index in names}.

    Cached: a stream repeats a few name lists (read-only results, do not modify).
    """
    groups: dict[str, dict[int, int]] = {}
    for position, name in enumerate(names):
        match = pattern.match(name)
        if match:
            groups.setdefault(match["prefix"], {})[int(match["index"])] = position
    return groups


def _franka_arm_groups(names: tuple[str, ...]) -> dict[str, dict[int, int]]:
    """Group the Franka arm joints among ``names``: prefix → {joint number: index in names}.

    Unprefixed ``joint<N>`` (franka_description's ``--no-prefix`` arm) are an arm only when all
    of ``joint1..7`` are there and no prefixed Franka arm is: another device's bare joints (a
    pan-tilt's ``joint1``/``joint2``, a linear axis's ``joint1``, an xArm's ``joint1..6``, or
    ``joint1..7`` beside ``fr3_joint1..7``) are other joints, ignored. Read-only result.
    """
    groups = _groups(names, ARM_JOINT_NAME)
    bare = groups.get("")
    if bare is None or (len(bare) == ARM_JOINTS and len(groups) == 1):
        return groups
    return {prefix: found for prefix, found in groups.items() if prefix}


class JointStateReader:
    """Reads JointState name/position lists of one Franka arm (see the module docstring).

    Keeps the arm prefix it found first (``prefix``), so use one reader per arm and stream.
    :meth:`read` raises :class:`StateError` for messages about this arm that cannot be used
    (some arm joints missing, NaN/inf, names and positions of different lengths, two arms, a
    joint named twice with different positions) and
    for positions outside the Franka's range (:mod:`vjepa_ros.robot.state_ranges`: arm joints
    beyond the Panda/FR3 limits, e.g. degrees; fingers outside 0..0.04 m, e.g. millimetres).
    """

    def __init__(self, joint_prefix: str = "", hand_prefix: str | None = None):
        self.joint_prefix = joint_prefix
        self.prefix: str | None = joint_prefix or None  # the arm's prefix once known
        # the fingers' prefix when the hand is known to be this arm's under another prefix (a
        # recording's gripper topic named by the user, or its only hand); None: the arm's
        self.hand_prefix = hand_prefix

    def has_arm(self, names) -> bool:
        """Whether ``names`` hold joints of an arm this reader looks for (any of joint1..7).

        Such a message counts as an arm state even if :meth:`read` then refuses it (some joints
        missing, another arm's); one without (gripper-only, another robot's) does not.
        """
        return bool(self._arm_groups(joint_names(names)))

    def read(self, names, positions, nan_fingers_left_out: bool = False) -> JointReading:
        """Return what the message (``names`` [N], ``positions`` [N] rad / m) says.

        Raises :class:`StateError` (its subclasses: a range, an arm, NaN) for an unusable
        message; NaN or inf finger positions raise :class:`NonFiniteError`, or with
        ``nan_fingers_left_out`` (a recording's reader) give the arm alone, ``nan_fingers`` set.
        """
        names = joint_names(names)
        arms = self._arm_groups(names)
        finger_prefix, fingers = self._finger_group(names, arms)
        if not arms and fingers is None:
            return JointReading()
        positions = np.asarray(positions, dtype=np.float64).reshape(-1)
        if len(positions) != len(names):
            raise StateError(f"joint state has {len(names)} names but {len(positions)} "
                             "positions")
        if len(set(names)) < len(names):  # rare: only then look for a joint named twice
            problem = _conflicting_repeat(names, positions, arms, fingers)
            if problem:
                raise StateError(problem)
        arm, arm_names = self._arm(arms, names, positions)
        finger_values = None
        if fingers is not None:
            finger_values = positions[[fingers.get(1, fingers.get(2)),
                                       fingers.get(2, fingers.get(1))]]
            if not np.isfinite(finger_values).all():
                if nan_fingers_left_out:
                    return JointReading(arm, None, arm_names, None, nan_fingers=True)
                raise NonFiniteError(f"finger joint positions contain NaN or inf: "
                                 f"{finger_values.tolist()}")
            indices = sorted(fingers.values())
            problem = finger_problem([names[i] for i in indices], positions[indices])
            if problem:
                raise RangeError(problem)
        return JointReading(arm, finger_values, arm_names,
                            finger_prefix if fingers is not None else None)

    def _arm_groups(self, names: tuple[str, ...]) -> dict[str, dict[int, int]]:
        if self.joint_prefix:
            wanted = _arm_joint_numbers(self.joint_prefix)
            found = {wanted[name]: position for position, name in enumerate(names)
                     if name in wanted}
            return {self.joint_prefix: found} if found else {}
        groups = _franka_arm_groups(names)
        if self.prefix and "" in groups:  # a prefixed arm is this one: bare joints are another's
            return {}
        return groups

    def _arm(self, arms, names, positions):
        if not arms:
            return None, ()
        if self.prefix is not None and self.prefix not in arms or len(arms) > 1:
            seen = sorted(set(arms) | ({self.prefix} if self.prefix is not None else set()))
            arms_seen = ", ".join(f"{prefix}joint1..7" for prefix in seen)
            named = [prefix for prefix in seen if prefix]
            bare = ("; the unprefixed arm is read only alone: publish the other's states "
                    "elsewhere" if "" in seen else "")
            raise ArmStateError(f"joint states of more than one Franka arm ({arms_seen}): "
                                f"{_CHOOSE_PREFIX} (e.g. {named[0]!r}){bare}")
        prefix, found = next(iter(arms.items()))
        expected = _arm_joint_names(prefix)
        if len(found) < ARM_JOINTS:
            missing = [name for i, name in enumerate(expected, 1) if i not in found]
            raise ArmStateError(f"joint state lacks {', '.join(missing)} (has "
                                f"{', '.join(names)}); each message must hold all 7 arm "
                                "joints or none")
        arm = positions[[found[i] for i in range(1, ARM_JOINTS + 1)]]
        if not np.isfinite(arm).all():
            raise NonFiniteArmError(f"arm joint positions contain NaN or inf: {arm.tolist()}")
        problem = unknown_limits_problem(prefix)
        if problem:
            raise ArmStateError(problem)
        problem = arm_joint_problem(expected, arm)
        if problem:
            raise ArmRangeError(f"{problem}; or, unprefixed, not a Franka's: {UNPREFIXED_OTHERS}"
                                if not prefix else problem)
        self.prefix = prefix
        return arm, expected

    def _finger_group(self, names: tuple[str, ...], arms
                      ) -> tuple[str | None, dict[int, int] | None]:
        """Find this hand's finger joints: the arm's hand's (:func:`hand_of_arm`) once it is known.

        Returns (their prefix, joint number → index in names), (None, None) without them: the
        arm's own prefix first, else the one hand :func:`hand_of_arm` allows (a bare arm's
        ``fr3_`` fingers); two such hands and none of the arm's prefix are none (which is the
        arm's cannot be told). Before the arm's prefix is known a lone hand of any prefix is
        returned: callers that keep it (the planner node's
        :class:`~vjepa_ros.robot.finger_watch.FingerWatch`) check it against the arm's once that
        is known. With ``hand_prefix`` (a recording's reader only, never the live node's) the
        fingers of that prefix are this hand's.
        """
        groups = _groups(names, _FINGER_NAME)
        if self.hand_prefix is not None:  # told which hand is this arm's: that one only
            return ((self.hand_prefix, groups[self.hand_prefix]) if self.hand_prefix in groups
                    else (None, None))
        prefix = self.prefix if self.prefix is not None else (
            next(iter(arms)) if len(arms) == 1 else None)
        if prefix is not None:
            if prefix in groups:
                return prefix, groups[prefix]
            mine = [found for found in groups if hand_of_arm(found, prefix)]
            return (mine[0], groups[mine[0]]) if len(mine) == 1 else (None, None)
        if len(groups) > 1:
            raise StateError(f"finger joints of more than one hand ({', '.join(sorted(groups))}"
                             f"): {_CHOOSE_PREFIX}")
        return next(iter(groups.items()), (None, None))


def _conflicting_repeat(names, positions, arms, fingers) -> str:
    """Say which arm or finger joint the message names twice with different positions ("").

    Such a message is ambiguous (which value is the joint's?); repeats that agree are harmless.
    """
    used = [i for group in arms.values() for i in group.values()]
    used += list((fingers or {}).values())
    for name in dict.fromkeys(names[i] for i in used):
        values = positions[[i for i, other in enumerate(names) if other == name]]
        if len(np.unique(values)) > 1:  # NaNs count as one value (refused as NaN after)
            return (f"joint state names {name} {len(values)} times with different positions "
                    f"({', '.join(f'{v:g}' for v in values)}): its publisher must list each "
                    "joint once")
    return ""


@dataclasses.dataclass
class JointSeries:
    """A recorded JointState stream split into arm and finger samples (any layout)."""

    arm_times: np.ndarray  # [M] int64 ns of the messages with arm joints
    arm: np.ndarray  # [M, 7] float64 rad
    arm_names: tuple[str, ...]  # the recording's names of joint1..7 (empty: no arm)
    finger_times: np.ndarray  # [K] int64 ns of the messages with finger joints
    fingers: np.ndarray  # [K, 2] float64 m
    foreign: int  # messages about neither this arm nor its hand
    # [M], [K] int64: each sample's message (its index among the rows read)
    arm_index: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    finger_index: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0, np.int64))
    unread: tuple[int, ...] = ()  # messages left out: every arm joint 0 (no reading of the arm)
    nonfinite: tuple[int, ...] = ()  # messages left out: NaN or inf arm or finger positions
    # messages whose finger positions were NaN or inf: no finger sample (their arm's, if finite,
    # read); in ``nonfinite`` too when that left nothing of the message
    nan_fingers: tuple[int, ...] = ()


def read_series(times, rows, reader: JointStateReader) -> JointSeries:
    """Split ``rows`` of (names, positions) at ``times`` [N] ns into arm and finger samples.

    A message whose arm joints are all exactly 0 is no reading of the arm (a driver before its
    first reading: ``state_ranges.arm_unread``): it gives no arm sample and no finger sample
    (its fingers' 0 is no closed hand), whatever the stream's rate; ``unread`` lists such
    messages when the stream has real readings too (when every arm message is zero, they are
    kept: the caller refuses or reads them as it would). A message whose arm or finger
    positions hold NaN or inf (:class:`NonFiniteError`: a driver's glitch) gives no sample of
    them: NaN fingers alone leave its arm read (``nan_fingers`` lists such messages), NaN arm
    joints leave the whole message out; messages that give nothing are listed in ``nonfinite``
    for the caller's note (none of them counted ``foreign``); when no message gives a sample,
    the first one's error is raised. Raises :class:`StateError` prefixed with the index of the
    first unusable message.
    """
    readings, nonfinite, first_nonfinite = [], [], None
    for index, (names, positions) in enumerate(rows):
        try:
            readings.append(reader.read(names, positions, nan_fingers_left_out=True))
            if readings[-1].nan_fingers and readings[-1].arm is None:  # a finger message
                nonfinite.append(index)
                first_nonfinite = first_nonfinite or NonFiniteError(
                    f"{message_words(index)}: finger joint positions contain NaN or inf")
        except NonFiniteError as exc:  # one glitch: left out (said by the caller), not the bag
            readings.append(JointReading())
            nonfinite.append(index)
            first_nonfinite = first_nonfinite or type(exc)(f"{message_words(index)}: {exc}")
        except StateError as exc:
            raise type(exc)(f"{message_words(index)}: {exc}") from exc  # a RangeError stays one
    if nonfinite and all(r.arm is None and r.fingers is None for r in readings):
        raise first_nonfinite  # every message: no reading to keep
    arms = [i for i, reading in enumerate(readings) if reading.arm is not None]
    unread = tuple(i for i in arms if arm_unread(readings[i].arm))
    if len(unread) == len(arms):  # no reading at all: nothing to tell them from
        unread = ()
    skip = set(unread)
    arm_times, arm, arm_index, finger_times, fingers, finger_index = [], [], [], [], [], []
    foreign, arm_names = 0, ()
    left_out = set(nonfinite)  # about this arm or hand: not foreign
    for index, (time, reading) in enumerate(zip(times, readings, strict=True)):
        foreign += reading.foreign and index not in left_out
        if index in skip:
            continue
        if reading.arm is not None:
            arm_times.append(time)
            arm.append(reading.arm)
            arm_index.append(index)
            arm_names = reading.arm_names
        if reading.fingers is not None:
            finger_times.append(time)
            fingers.append(reading.fingers)
            finger_index.append(index)
    return JointSeries(
        np.array(arm_times, np.int64), np.array(arm, np.float64).reshape(-1, ARM_JOINTS),
        arm_names, np.array(finger_times, np.int64), np.array(fingers, np.float64).reshape(-1, 2),
        foreign, np.array(arm_index, np.int64), np.array(finger_index, np.int64), unread,
        tuple(nonfinite), tuple(i for i, reading in enumerate(readings) if reading.nan_fingers),
    )
