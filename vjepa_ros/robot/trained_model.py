"""What a world model's file says of its training that planning with it must follow.

``vjepa-ros train`` records in ``world_model.pt`` (``models.checkpoint_records``) whether the
gripper was read (``data.topics.no_gripper``) and the end-effector point joint-state bags were
labelled at (``data.topics.tcp_xyz`` / ``tcp_rpy``); ``load_world_model`` gives them to the
model (``trained_without_gripper``, ``trained_tcp``). Two rules, applied where a model is
planned with (the planner node's and ``vjepa-ros run``'s / reach's ``MPCSession``, eval, demo):

- :func:`gripper_rule`: a model trained without the gripper (closedness 0 in every state, every
  gripper action 0) has gripper weights that learnt nothing; under ``goals.gripper: planned`` the
  search would command the hand from them (breaker52i: +0.58, a close, from noise). The gripper
  is held instead (``goals.gripper: hold``: the delta fixed at 0, the hand never commanded),
  with one warning. Held, not refused: the arm's motion is what the model learnt and the hand
  stays as it is, so nothing moves on noise, while a refusal would stop every such model under
  the default until ``hold`` is set by hand, the same outcome. ``subgoal`` (the hand from the
  captured sub-goals, the search's delta fixed at 0 too) is kept.
- :func:`tcp_note`: a model labelled at one end-effector point and planned at another is given
  other motions than it learnt (breaker52i: dx 0.040 m labelled, 0.059 m planned, for a tool
  0.2 m from the flange). A warning, not a refusal: only joint-state bags are labelled at the
  recorded point; pose-topic bags and simulator episodes carry their recorder's point, which
  may be the planner's even when the recorded setting was left at its default.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig

TCP_TOLERANCE = 1e-6  # [m] / [rad]: the YAML round trip of a setting, not another point


def gripper_rule(model, switching: GoalSwitchConfig | None
                 ) -> tuple[GoalSwitchConfig | None, str]:
    """Return (``switching`` as planning with ``model`` runs it, a warning or "").

    ``model``: a world model (``trained_without_gripper``, False when absent); ``switching``:
    the ``goals.*`` settings, None for a planner without them (eval, demo: taken as
    ``goals.gripper: planned``). A model trained without the gripper under ``planned``:
    ``gripper`` hold (``goal_switch_config.planner_settings`` then fixes the gripper delta at 0)
    and one line naming the parameter; anything else is returned unchanged with "".
    """
    if not getattr(model, "trained_without_gripper", False):
        return switching, ""
    current = switching or GoalSwitchConfig()
    if current.gripper != "planned":
        return switching, ""
    note = ("the world model was trained without the gripper (data.topics.no_gripper, "
            "--no-gripper: closedness 0 throughout), so its gripper dimension learnt nothing: "
            "goals.gripper planned is held instead (the gripper is never commanded, as "
            "goals.gripper hold); set goals.gripper hold or subgoal to say so, or train with "
            "the gripper's state for a planned gripper")
    return dataclasses.replace(current, gripper="hold"), note


def tcp_note(model, tcp_xyz, tcp_rpy, parameter: str = "robot.tcp_xyz / robot.tcp_rpy") -> str:
    """Return one warning when ``model`` records another end-effector point, else "".

    ``tcp_xyz`` [m] / ``tcp_rpy`` [rad]: the point the planner states (and commands) the end
    effector at; ``parameter``: its setting, named in the line. Models that record none (the
    official ones, older files): "".
    """
    recorded = getattr(model, "trained_tcp", None)
    if recorded is None:
        return ""
    mine = (tuple(float(v) for v in tcp_xyz), tuple(float(v) for v in tcp_rpy))
    if np.allclose(np.r_[recorded[0], recorded[1]], np.r_[mine[0], mine[1]], rtol=0,
                   atol=TCP_TOLERANCE):
        return ""

    def shown(point) -> str:
        return f"xyz {_numbers(point[0])} m, rpy {_numbers(point[1])} rad"

    return (f"the world model's joint-state labels were computed at the end-effector point "
            f"{shown(recorded)} (vjepa-ros train's data.topics.tcp_xyz / tcp_rpy), but "
            f"{parameter} is {shown(mine)}: planned motions are of another point than it "
            f"learnt; give {parameter} the trained point if the tool is the same, or train "
            "again with --tcp-xyz / --tcp-rpy set to this one")


def _numbers(values) -> str:
    return "[" + ", ".join(f"{float(v):.4g}" for v in values) + "]"
