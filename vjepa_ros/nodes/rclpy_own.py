"""The parameters rclpy declares on every node (none of ours): what a node takes beside ours.

rclpy's ``Node.__init__`` declares ``use_sim_time`` (``rclpy.time_source``) and, since Iron,
``start_type_description_service`` (``rclpy.type_description_service``), before any node code
runs. A start-up value (``-p``, ``--params-file``) for any other name the node does not declare
is refused (``unknown_params.refuse_undeclared_overrides``): ``qos_overrides.*`` included, as no
node here enables QoS overrides (breaker49a). One rule for the node, for ``vjepa-ros
camera-check``'s check of the file it writes (``camera_check_base.check_node_start``) and for
what the live check writes (``nodes.camera_check_service``); test/test_rclpy_own.py holds it to a
real rclpy node's declared parameters. No rclpy import here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# name -> (type, rclpy's default); start_type_description_service: rclpy with that module only
_DECLARED = {"use_sim_time": (bool, False), "start_type_description_service": (bool, True)}
_SINCE = {"start_type_description_service": "type_description_service"}  # rclpy's module
_WORDS = {bool: "true or false"}
# what a value of each type is called in a type refusal (also the node's: nodes/params.py)
VALUE_KINDS = {bool: "true/false", int: "an integer", float: "a float", str: "a string",
               list: "a list"}


def rclpy_own() -> dict[str, tuple[type, object]]:
    """Return ``{name: (type, default)}`` of the parameters this rclpy declares on every node.

    Without rclpy installed: those of the newest rclpy (Jazzy's), which a node started from the
    written file is likely to run on.
    """
    try:
        spec = importlib.util.find_spec("rclpy")  # its folder only: rclpy is not imported
    except (ImportError, ValueError):
        spec = None
    folder = Path(spec.origin).parent if spec is not None and spec.origin else None
    return {name: declared for name, declared in _DECLARED.items()
            if folder is None or name not in _SINCE or (folder / f"{_SINCE[name]}.py").exists()}


def split_rclpy_own(params: dict) -> tuple[dict, dict]:
    """Return ``(ours, rclpy's)``: ``params`` (nested, a node's) without and with rclpy's own.

    Raises ValueError, one line naming the parameter, for a value of another type than rclpy
    declares it with (``use_sim_time: 1``: ``parameter 'use_sim_time' takes true or false, got
    1 (an integer)``, as the node refuses it).
    """
    declared = rclpy_own()
    own = {name: value for name, value in params.items() if name in declared}
    for name, value in own.items():
        kind = declared[name][0]
        if type(value) is not kind:
            raise ValueError(f"parameter '{name}' takes {_WORDS[kind]}, got {value!r} "
                             f"({VALUE_KINDS.get(type(value), type(value).__name__)})")
    return {name: value for name, value in params.items() if name not in own}, own
