"""Franka arm models by the word in their joint and link names: the one table and its regexes.

franka_ros names an arm's joints ``panda_joint1..7``; franka_description (ROS 2) names them
``<arm_prefix><arm_id>_joint1..7`` (``robots/common/franka_arm.xacro``: prefix ``arm_prefix +
arm_id + '_'``, or none with ``no_prefix``), where ``arm_id`` is the robot model: ``fer`` (Franka
Emika Robot, the Panda), ``fr3``, ``fp3`` (Franka Production 3), ``fr3v2``, ``fr3v2.1``
(create_urdf.py's models). Links follow the same rule (``fer_link0``, ``left_fr3_link0``). An arm
generated with ``--no-prefix`` names them bare: ``joint1..7`` (and its hand ``finger_joint1/2``),
the empty prefix; franka_ros's multi-arm setups number them (``panda_1_joint1``), found only by
``robot.joint_prefix`` (the number is no model word).

:data:`LIMITS_OF_MODEL` says whose published joint limits each model has, as the joint-limit
guard's table (``joint_guard.JOINT_LIMITS``) keys them: franka_description's
``robots/fer/joint_limits.yaml`` equals the Panda's limits, ``robots/fp3/joint_limits.yaml`` the
FR3's (and their ``kinematics.yaml`` are the FR3's, the Panda's kinematics: one forward
kinematics). The fr3v2 models' limits are not known here (the franka_description sources read,
commit b299b39, hold robots/fer, fp3 and fr3 only): their joints are refused
(:func:`unknown_limits_problem`), never judged by another arm's limits.
"""

from __future__ import annotations

import functools
import re

# model word in the names -> the limits it has (a key of joint_guard.JOINT_LIMITS); None: unknown
LIMITS_OF_MODEL = {
    "panda": "panda", "fer": "panda",  # franka_ros's and franka_description's Panda
    "fr3": "fr3", "fp3": "fr3",
    "fr3v2": None, "fr3v2.1": None, "fr3v2_1": None,  # limits not known here
}
# the model words as one alternation, longest first (fr3v2 before fr3)
_WORDS = "|".join(re.escape(word) for word in sorted(LIMITS_OF_MODEL, key=len, reverse=True))
# an arm joint's name: <anything><model>_joint1..7 (left_fr3v2_joint3, robot1/panda_joint1), or
# bare joint1..7 (franka_description --no-prefix: the prefix "")
ARM_JOINT_NAME = re.compile(rf"^(?P<prefix>(?:.*(?P<model>{_WORDS})_)?)joint(?P<index>[1-7])$")
# a joint name prefix that names a model (fullmatch): fr3_, left_fer_, panda_1_, ns/fp3_
MODEL_IN_PREFIX = re.compile(rf".*(?P<model>{_WORDS})_(?:\d+_)?")
# an arm's link0 (fullmatch): <anything><model>_link0, and franka_ros's numbered panda_1_link0
ARM_LINK0 = re.compile(rf".*(?:{_WORDS})_link0")
NUMBERED_ARM_LINK0 = re.compile(rf"(?:.*(?:{_WORDS})_(?:\d+_)?)?link0")
# the names in words, for messages: "panda_, fer_, fr3_, fp3_, fr3v2_, fr3v2.1_, fr3v2_1_"
MODEL_PREFIXES = ", ".join(f"{word}_" for word in LIMITS_OF_MODEL)
# the prefixes any single Franka's names carry (none, or the bare model word): they say nothing
# about which robot of a cell they belong to
PLAIN_PREFIXES = ("",) + tuple(f"{word}_" for word in LIMITS_OF_MODEL)


def model_of_prefix(prefix: str | None) -> str | None:
    """Return the model word a joint name ``prefix`` names (``fr3v2`` of left_fr3v2_); None."""
    named = MODEL_IN_PREFIX.fullmatch(prefix or "")
    return named["model"] if named else None


@functools.lru_cache(maxsize=64)  # asked for every arm message: a stream repeats one prefix
def unknown_limits_problem(prefix: str) -> str:
    """Say why the arm joints ``<prefix>joint1..7`` are refused ("" when its limits are known).

    One line naming the model and ``robot.joint_prefix`` (eval/train: ``--joint-prefix``).
    """
    model = model_of_prefix(prefix)
    if model is None or LIMITS_OF_MODEL[model] is not None:
        return ""
    known = ", ".join(f"{word} ({limits}'s)" for word, limits in LIMITS_OF_MODEL.items()
                      if limits)
    return (f"{prefix}joint1..7 are a Franka {model}'s joints, whose joint limits are not known "
            f"here (known: {known}): its joint states would be range-checked and guarded by "
            f"another arm's limits, so they are refused; read another arm's joints "
            f"(robot.joint_prefix; eval/train: --joint-prefix), or use robot.state_source pose")


# other robots' arms named joint1..7 too (said when unprefixed names are taken or refused)
UNPREFIXED_OTHERS = ("other robots name their joints joint1..7 too (an xArm7: its elbow joint4 "
                     "is positive where a Franka's is negative)")


def unprefixed_arm_note(model: str) -> str:
    """Say (INFO, once) that unprefixed ``joint1..7`` are taken as this Franka arm.

    ``model``: ``robot.model``, whose joint limits the unprefixed names are guarded by (they name
    no model). franka_description's ``--no-prefix`` arm and MuJoCo Menagerie's Panda and FR3 are
    named so; so are other robots' (an xArm7).
    """
    return (f"the arm's joints are unprefixed joint1..7 (franka_description's --no-prefix arm): "
            f"taken as this Franka arm, a {model} (robot.model: its joint limits; MuJoCo "
            f"Menagerie's Panda and FR3 are named so too), and kept: another arm's joints on "
            f"this topic are refused from now on; {UNPREFIXED_OTHERS}: if this is not a Franka "
            f"arm, stop the planner. robot.joint_prefix pins a prefixed arm (fr3_ for "
            f"fr3_joint1..7); unprefixed names are pinned by being the first arm seen")
