"""The planner node's checks of its settings beyond the config dataclasses' own.

:func:`check_planner_settings` runs at start-up (``planner_node`` calls it once
``declare_config`` has read the parameters) and, as ``declare_config``'s ``check``, on every
run-time value of a start-only parameter (``params._value_problem``), so that ``ros2 param
set`` refuses a value with the very error the start-up gives, not with advice to restart with
it. No torch at import (the arm's kinematics are imported when checked): a bad ``-p`` fails
before the model loads.
"""

from __future__ import annotations

from vjepa_ros.models.encoder_keys import check_encoder_key
from vjepa_ros.nodes.topic_options import topic_problem
from vjepa_ros.robot.base_frame import joint_states_frame_problem
from vjepa_ros.robot.planner_config import PlannerNodeConfig


def check_planner_settings(cfg: PlannerNodeConfig, node: str) -> None:
    """Raise ValueError (one line naming the parameter) for settings the planner cannot run.

    ``node``: the node's name (relative topic names are expanded for it). Checks the gripper
    state topic's name, that ``model.checkpoint`` is given, ``model.encoder_key`` and the arm
    (``robot.model``, ``robot.state_source``: :class:`FrankaKinematics`) and ``robot.base_frame``
    against the frame forward kinematics gives (``base_frame.joint_states_frame_problem``).
    Whether the checkpoint file can be read is the node's ``_checkpoint_file`` (the model's
    loading at start-up; a run-time value checks it too).
    """
    gripper_topic = cfg.robot.gripper_state_topic
    problem = gripper_topic and topic_problem(gripper_topic, node)
    if problem:
        raise ValueError(f"robot.gripper_state_topic {gripper_topic!r} is not a valid ROS "
                         f"topic name ({problem}); give a name like "
                         "/fr3_gripper/joint_states, or leave it empty to search")
    if not cfg.model.checkpoint:
        raise ValueError("parameter 'model.checkpoint' is empty: give the V-JEPA 2-AC "
                         "checkpoint file (e.g. vjepa2-ac-vitg.pt)")
    from vjepa_ros.robot.kinematics import FrankaKinematics  # torch, scipy: not before a -p

    FrankaKinematics(cfg.robot)
    problem = joint_states_frame_problem(cfg.robot)
    if problem:
        raise ValueError(problem)
    check_encoder_key(cfg.model.encoder_key)
