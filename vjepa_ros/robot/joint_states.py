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

The gripper mapping (finger joints <-> closedness) is in ``robot/franka_hand.py``; what one
message says (:class:`JointReading`) and the errors of an unusable one in
``robot/joint_reading.py``; a recorded stream's split into arm and finger samples
(:func:`read_series`) in ``robot/joint_series.py``.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from vjepa_ros.robot.arm_models import (
    ARM_JOINT_NAME,
    MODEL_PREFIXES,
    PLAIN_PREFIXES,
    UNPREFIXED_OTHERS,
    unknown_limits_problem,
)
from vjepa_ros.robot.franka_hand import (  # noqa: F401 (FRANKA_HAND_*, ...: re-exported)
    CONTINUOUS_FORCE_WHY,
    FRANKA_HAND_MAX_FORCE,
    FRANKA_HAND_MAX_WIDTH,
    FRANKA_HAND_PEAK_FORCE,
    PEAK_FORCE_WHY,
    closedness_from_fingers,
    finger_position,
)
from vjepa_ros.robot.joint_reading import (  # noqa: F401 (the errors: re-exported)
    ARM_JOINTS,
    ArmRangeError,
    ArmStateError,
    JointReading,
    NonFiniteArmError,
    NonFiniteError,
    NonFiniteFingersError,
    RangeError,
)
from vjepa_ros.robot.joint_series import JointSeries, read_series  # noqa: F401 (re-exported)
from vjepa_ros.robot.kinematics import StateError
from vjepa_ros.robot.state_ranges import arm_joint_problem, finger_problem

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
        message; NaN or inf finger positions raise :class:`NonFiniteFingersError`, or with
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
                raise NonFiniteFingersError(f"finger joint positions contain NaN or inf: "
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
