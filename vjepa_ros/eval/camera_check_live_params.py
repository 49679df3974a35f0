"""The planner parameters the live ``~/camera_check`` writes: the node's own, loadable anywhere.

``planner_camera_check.yaml`` is the file to restart the planner with. From the node's settings
(``PlannerNodeConfig``) alone it would lose what a restart needs: rclpy's own parameters the node
was given (``use_sim_time`` true beside a simulator: restarted without it the planner runs on
wall time; ``nodes.rclpy_own``), and paths typed relative to the folder the node started in
(``model.checkpoint: models/wm.pt``: restarted from another folder it finds no model). Here both
are kept: rclpy's own values, and each path setting (:data:`PATH_SETTINGS`) absolute, resolved
against the node's start folder as the node resolved it, as ``vjepa-ros camera-check`` writes
its checkpoint. The goal parameters (``goal_image_path``, ``goal_image_paths``, ``goal_steps``,
``goal_gripper``) are left out: a correction file carries no goal. The node's start-up goal
written back re-armed a goal cleared at run time (``~/clear_goals``) or replaced
(``~/capture_goal``): restarted with the file, or ``ros2 param load`` of it while commanding (the
goals are run-time parameters, set at once while the correction is refused as start-only), the
arm set off toward it uncorrected (breaker59j #2). ROS-free.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

MODEL_KEYWORDS = ("demo",)  # model.checkpoint's names that are no path (input_paths)
# The planner settings naming files or folders (a list: each entry one) -> their names that
# are no path, kept as written
PATH_SETTINGS = {"model.checkpoint": MODEL_KEYWORDS, "camera_check.output_dir": ()}
# a URL as the node reads a goal path (image_paths.image_file_path): package://..., file:/...
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|[Ff][Ii][Ll][Ee]:/")


def absolute_path(text: str, start: Path | None, keywords: tuple[str, ...] = ()) -> str:
    """Return path setting ``text`` as a path that names the same file from any folder.

    A relative path (``~`` and ``$NAME`` expanded: ``user_paths.expand_path``) joined to
    ``start`` (the folder the node started in, which it resolved it against); as written: an
    absolute one, one starting with ``~`` or a set variable that expands absolute, a URL
    (``package://``, ``file:/``), "" (a default), one of ``keywords`` (``demo``), one
    naming a variable that is not set (the node refused or will refuse it in its own words)
    and any path when ``start`` is None (not known).
    """
    from vjepa_ros.user_paths import expand_path

    if not text or start is None or text in keywords or _URL.match(text):
        return text
    try:
        expanded = expand_path(text)
    except ValueError:
        return text
    return text if expanded.is_absolute() else str(start / expanded)


def start_folder() -> Path | None:
    """Return the process's working folder (None when it was removed): relative paths' base."""
    try:
        return Path(os.getcwd())
    except OSError:
        return None


def node_params(config, start: Path | None, own: dict | None = None,
                checkpoint: str | None = None) -> dict:
    """Return the nested parameters to write for a node with settings ``config``.

    ``config``: its ``PlannerNodeConfig``; ``start``: the folder it started in
    (:func:`start_folder` then); ``own``: rclpy's own parameters to keep (``{"use_sim_time":
    True}``), written at the top level; ``checkpoint``: ``model.checkpoint`` as the check names
    the model it loaded (absolute), else the setting made absolute. Every path setting
    (:data:`PATH_SETTINGS`) absolute (:func:`absolute_path`); no goal parameter (module).
    """
    from vjepa_ros.robot.planner_config import GOAL_PARAMETERS

    params = {name: value for name, value in dataclasses.asdict(config).items()
              if name not in GOAL_PARAMETERS}
    for dotted, keywords in PATH_SETTINGS.items():
        *groups, name = dotted.split(".")
        section = params
        for group in groups:
            section = section[group]
        value = section[name]
        section[name] = ([absolute_path(item, start, keywords) for item in value]
                         if isinstance(value, list) else absolute_path(value, start, keywords))
    if checkpoint:
        params["model"]["checkpoint"] = checkpoint
    return {**params, **(own or {})}
