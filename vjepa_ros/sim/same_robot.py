"""``vjepa-ros launch --node sim``: the simulator's robot and the planner's must be one robot.

The simulator takes ``target_pose`` and publishes ``current_pose`` at its TCP (``panda_hand``,
the flange turned -45 deg about z, moved ``controller.tcp_offset`` along the hand's z axis:
``sim/panda.py``), in its ``base_frame``, with the Franka Hand of pybullet's ``panda.urdf`` (0.08 m
full opening, the flange 0.107 m beyond joint 7). The planner computes its states and targets by
forward kinematics at its ``robot.tcp_xyz`` / ``tcp_rpy`` beyond ``robot.flange_offset``, reads
and sends closedness against ``robot.gripper_max_width``, and stamps in ``robot.base_frame``.
Apart, each command lands elsewhere than planned: a simulator at ``tcp_offset`` 0.2 beside the
planner's default TCP lifted a "hold" target 9.7 cm (breaker60e). The launch holds both sides'
start-up values, so it refuses such a pair in one line before any node starts
(:func:`check_sim_robot`), naming both values, their sources and the ``-p`` that makes them
agree. What is compared follows ``robot.state_source``: with ``joint_states`` (forward
kinematics) the TCP and the flange; with ``pose`` the planner reads ``current_pose`` at the
simulator's own TCP and sends targets for that point, so its ``tcp_*`` and ``flange_offset``
are never used and not compared. In both the arm itself (``robot.model``: the simulator is a
Panda, ``panda.urdf``; ``robot.joint_prefix``: its joints and fingers are ``panda_``), the hand
width and the base frame (with ``pose``: ``<model>_link0`` when ``robot.base_frame`` is
empty). Nothing is passed from one side to the other: the simulator's TCP lies on the hand's z
axis only, so not every planner TCP has a simulator twin, and a tool set on one side is more
often a typo or a real robot's file than a wish for the other side to follow.
"""

from __future__ import annotations

import math

from vjepa_ros.config import UsageError
from vjepa_ros.start_numbers import LENGTH_TOLERANCE, finite_number, finite_numbers

# What a person writes rounded is the same value; beyond it, another frame. Both are ten times
# and more below what the simulator takes for arrived (``Sim.move_to``: 1 mm, 5 mrad = 0.29 deg)
# and hundreds of times below a planner step (``maxnorm`` 0.05 m), so no command lands elsewhere
# for them: -0.7854 for franka_description's -pi/4 (0.001 deg off) is the hand's TCP rotation.
POSITION_TOLERANCE = LENGTH_TOLERANCE  # [m] 0.1 mm: a length rounded to 4 decimals of a metre
ANGLE_TOLERANCE_DEG = 0.01  # [deg] between two rotations: rpy rounded to 4 decimals of a radian
TOLERANCE = LENGTH_TOLERANCE  # [m] flange_offset, gripper_max_width: same lengths, same rounding


def _shown(value) -> str:
    """Return a start-up value as a message shows it: ``[0, 0, 0.2]``, ``0.1034``."""
    if isinstance(value, (list, tuple)):
        return f"[{', '.join(f'{float(v):g}' for v in value)}]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _amount(value: float) -> str:
    """Return a refused distance or angle with digits enough to be non-zero: ``5.0``, ``0.012``."""
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def _degrees_apart(first, second) -> float:
    """Return the angle [deg] of the rotation between two 3x3 rotation matrices (scipy)."""
    from scipy.spatial.transform import Rotation

    return float(Rotation.from_matrix(first.T @ second).magnitude() * 180 / math.pi)


def _tcp_problem(planner, sim) -> str:
    """Return the refusal of the planner's TCP apart from the simulator's ("" when one)."""
    from vjepa_ros.robot.kinematics import HAND_TCP_RPY, HAND_TCP_XYZ, transform
    from vjepa_ros.sim.panda import FRANKA_HAND_TCP_OFFSET

    xyz_value = planner.start_value("robot.tcp_xyz", HAND_TCP_XYZ)
    rpy_value = planner.start_value("robot.tcp_rpy", HAND_TCP_RPY)
    offset_value = sim.start_value("controller.tcp_offset", FRANKA_HAND_TCP_OFFSET)
    xyz, rpy = finite_numbers(xyz_value, 3), finite_numbers(rpy_value, 3)
    offset = finite_number(offset_value)
    if xyz is None or rpy is None or offset is None:
        return ""  # a malformed value: its node refuses it, naming its type or range
    planned = transform(xyz, rpy)
    simulated = transform([0.0, 0.0, offset], HAND_TCP_RPY)
    apart = float(math.dist(planned[:3, 3], simulated[:3, 3]))  # tcp_xyz's alone
    angle = _degrees_apart(planned[:3, :3], simulated[:3, :3])  # tcp_rpy's alone
    moved, turned = apart > POSITION_TOLERANCE, angle > ANGLE_TOLERANCE_DEG
    if not moved and not turned:
        return ""
    gap = " and ".join(part for part, big in ((f"{_amount(apart * 100)} cm", moved),
                                              (f"{_amount(angle)} deg", turned)) if big)
    sources, sim_sources = planner.sources(), sim.sources()
    on_axis = max(abs(xyz[0]), abs(xyz[1])) <= POSITION_TOLERANCE and 0 <= xyz[2] <= 0.3
    rpy_text = f"[{', '.join(map(repr, HAND_TCP_RPY))}]"  # every digit: -p takes it as is
    if on_axis and not turned:  # the simulator can take the planner's TCP
        fix = (f"-p sim.controller.tcp_offset:={xyz[2]:g} for the planner's, or -p "
               f"planner.robot.tcp_xyz:=[0.0, 0.0, {offset:g}] for the simulator's")
    else:
        fix = (f"the simulator's TCP lies on the hand's z axis only (tcp_rpy {rpy_text}, "
               "tcp_offset 0..0.3 m): give the planner -p planner.robot.tcp_xyz:=[0.0, 0.0, "
               f"{offset:g}] -p planner.robot.tcp_rpy:={rpy_text}")
    planned_text = " / ".join(  # the source of each value that differs (its own -p, a file)
        f"{label} {_shown(value)}" + (f" ({sources.get(f'robot.{label}', 'the default')})"
                                      if differs else "")
        for label, value, differs in (("tcp_xyz", xyz_value, moved),
                                      ("tcp_rpy", rpy_value, turned)))
    return (f"planner.robot.{planned_text} and sim.controller.tcp_offset {offset:g} "
            f"({sim_sources.get('controller.tcp_offset', 'the default')}) are "
            f"different end-effector frames ({gap} apart): the simulator moves "
            "its TCP to each target_pose the planner computes at its own, so every command "
            f"lands elsewhere than planned; make them agree: {fix}")


def _arm_problems(planner, pose: bool) -> list[str]:
    """Return the refusals of the planner's ``robot.model`` and ``joint_prefix``: not the sim's.

    ``pose``: ``robot.state_source`` pose (the arm's joints are not read then, its fingers are).
    """
    from vjepa_ros.robot.kinematics import MODELS
    from vjepa_ros.sim.panda import FINGER_JOINT_NAMES, MODEL, PREFIX

    sources, problems = planner.sources(), []
    model = planner.start_value("robot.model", MODEL)
    if isinstance(model, str) and model in MODELS and model != MODEL:
        read = (f"expect current_pose in {model}_link0 (the simulator's is {MODEL}_link0)"
                if pose else "take the jerk limits of another arm (stream_jerk)")
        problems.append(
            f"planner.robot.model {model} ({sources.get('robot.model', 'the default')}) beside "
            f"--node sim, whose arm is a Franka Panda (pybullet's panda.urdf, joints "
            f"{MODEL}_joint1..7): the planner would {read}; give -p planner.robot.model:="
            f"{MODEL} with --node sim (an {model} is driven as a real arm: no --node sim)")
    prefix = planner.start_value("robot.joint_prefix", "")
    if isinstance(prefix, str) and prefix not in ("", PREFIX):
        what = "fingers" if pose else "joints or fingers"
        source = sources.get("robot.joint_prefix", "the default")
        problems.append(
            f"planner.robot.joint_prefix '{prefix}' ({source}) beside --node sim, whose joints "
            f"are {PREFIX}joint1..7 and "
            f"{', '.join(FINGER_JOINT_NAMES)}: the planner would read none of its {what}; give "
            f"-p planner.robot.joint_prefix:={PREFIX} (or '': found from the names) with "
            "--node sim")
    return problems


def _hand_problems(planner, sim, pose: bool) -> list[str]:
    """Return the refusals of the planner's flange, hand width, base frame against the sim's.

    ``pose``: ``robot.state_source`` pose: the flange is not used (no forward kinematics) and
    an empty ``robot.base_frame`` is ``base_frame.arm_link0`` (``FrankaKinematics``).
    """
    from vjepa_ros.robot.base_frame import arm_link0, same_base_frame
    from vjepa_ros.robot.kinematics import FLANGE_OFFSET
    from vjepa_ros.sim.panda import BASE_FRAME, FINGER_MAX_OPENING, MODEL, PREFIX

    sources, problems = planner.sources(), []
    hand = 2 * FINGER_MAX_OPENING  # [m] the simulated Franka Hand's full opening
    lengths = [("robot.gripper_max_width", hand, f"has a hand that opens {hand:g} m (closedness "
                "0 there: the planner would read and command other widths)")]
    if not pose:  # forward kinematics: the flange places the TCP
        lengths.insert(0, ("robot.flange_offset", FLANGE_OFFSET, "has its flange"
                           f" {FLANGE_OFFSET:g} m beyond joint 7 (pybullet's panda.urdf)"))
    for name, simulated, what in lengths:
        value = finite_number(planner.start_value(name, simulated))
        if value is not None and abs(value - simulated) > TOLERANCE:
            problems.append(f"planner.{name} {value:g} ({sources.get(name, 'the default')}) "
                            f"beside --node sim, whose arm {what}: give -p planner.{name}:="
                            f"{simulated:g} with --node sim")
    frame = sim.start_value("base_frame", BASE_FRAME)
    prefix = planner.start_value("robot.joint_prefix", "")
    base = planner.start_value("robot.base_frame", "")
    model = planner.start_value("robot.model", MODEL)
    if not all(isinstance(v, str) for v in (frame, prefix, base, model)) or not frame:
        return problems  # a malformed value: its node refuses it
    # empty: pose: <joint_prefix>link0, else <model>_link0; joint_states: the arm's link0 as
    # the joint names give it (the simulator's are panda_joint1..7)
    planned = base or arm_link0(prefix if pose else prefix or PREFIX, model)
    if not same_base_frame(planned, frame):
        said = f"'{base}'" if base else f"'' (the arm's link0: {planned})"
        problems.append(
            f"planner.robot.base_frame {said} ({sources.get('robot.base_frame', 'the default')}) "
            f"and sim.base_frame '{frame}' ({sim.sources().get('base_frame', 'the default')}) "
            "differ: the simulator refuses every target_pose stamped in the planner's frame; "
            f"give -p sim.base_frame:={planned} (or the planner's robot.base_frame:={frame})")
    return problems


def check_sim_robot(nodes: list) -> None:
    """Refuse a simulator and a planner of ``nodes`` (``NodeLaunch``) on different robots.

    No ``sim`` or no ``planner`` among them: nothing to compare. Compares the start-up values
    (``NodeLaunch.start_value``: ``-p``, the parameter files, the defaults): the arm
    (``planner.robot.model`` panda, ``robot.joint_prefix`` empty or ``panda_``: the simulator's
    joints and fingers are ``panda_``); with ``robot.state_source`` joint_states only (forward
    kinematics; with pose the planner reads ``current_pose`` at the simulator's TCP) the TCP
    (``planner.robot.tcp_xyz`` / ``tcp_rpy`` against ``sim.controller.tcp_offset``: the same
    frame within :data:`POSITION_TOLERANCE` 0.1 mm and :data:`ANGLE_TOLERANCE_DEG` 0.01 deg, what
    a file's rounding to 4 decimals leaves and no command notices) and
    ``planner.robot.flange_offset`` against the simulated arm's 0.107 m; in both,
    ``gripper_max_width`` against its 0.08 m (within :data:`TOLERANCE` 0.1 mm), and the base
    frames (``planner.robot.base_frame``, empty: ``<joint_prefix>link0``, else ``panda_link0``,
    the simulator's joints' arm, with pose ``<model>_link0``; against ``sim.base_frame``,
    franka_description's ``base`` taken as link0 as the nodes take it). Raises UsageError (exit
    status 2) with the first refusal, one line. A value of the wrong type is left to its node,
    which refuses it naming its type.
    """
    named = {node.name: node for node in nodes}
    planner, sim = named.get("planner"), named.get("sim")
    if planner is None or sim is None:
        return
    pose = planner.start_value("robot.state_source", "joint_states") == "pose"
    problems = _arm_problems(planner, pose)
    if not pose:  # with pose the planner reads current_pose at the simulator's TCP
        problems += [problem for problem in [_tcp_problem(planner, sim)] if problem]
    problems += _hand_problems(planner, sim, pose)
    if problems:
        raise UsageError(problems[0])
