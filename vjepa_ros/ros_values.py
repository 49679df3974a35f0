"""A ROS parameter value as text after ``-p NAME:=`` and back, by rcl's rules. ROS-free.

:func:`ros_arg_value` writes a value (keeping its type), :func:`shell_arg_value` the same to type
in a shell, :func:`yaml_value` reads the text as rcl reads it (``rcl_yaml``). Outside ``nodes/``
so that the core's advice (``start_forms.restart_planner_with``, which ``robot/`` uses) loads
no node module.
"""

from __future__ import annotations

import json
import math
import shlex
import sys


def ros_arg_value(value) -> str:
    """Return ``value`` as ``-p name:=VALUE`` text; ROS reads it as YAML, keeping the type.

    JSON (which is YAML) but for the floats JSON lacks: ``.nan``, ``.inf``, ``-.inf``, and a
    subnormal float in hex (``0x1.0p-1063``: rcl reads ``1e-320`` as a string, ``rcl_yaml``).
    Raises ValueError for a value that is no bool, int, float, str or list (tuple) of them.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
    if isinstance(value, float) and 0 < abs(value) < sys.float_info.min:
        return value.hex()
    if isinstance(value, (list, tuple)) and all(
            isinstance(item, (bool, int, float, str)) for item in value):
        return f"[{', '.join(ros_arg_value(item) for item in value)}]"
    if isinstance(value, (bool, int, float, str)):
        return json.dumps(value)
    raise ValueError(f"parameter value {value!r}: only bool, int, float, str and lists of them")


def shell_arg_value(name: str, value) -> str:
    """Return ``value`` as the text after ``-p NAME:=`` to type in a shell (ROS reads it back).

    A string YAML reads back as itself is left bare (``bogus``, ``/tmp/goal.png``), any other
    value is :func:`ros_arg_value`'s text; either is quoted for the shell where it holds spaces
    or shell signs (``'[0.0, 0.0, 0.0]'``, ``'"3"'``). Raises ValueError as that does.
    """
    text = ros_arg_value(value)
    if isinstance(value, str) and value:
        try:
            if yaml_value(name, value) == value:
                text = value
        except ValueError:  # not YAML on its own ("a: b"): the JSON string
            pass
    return shlex.quote(text)


def yaml_value(key: str, raw: str, form: str = "NODE.name"):
    """Return ``raw`` (the text after ``:=``) read as rcl reads it; ValueError naming ``-p key``.

    YAML whose scalars are typed by rcl's rules, not YAML 1.1's (``rcl_yaml``): ``1e-9``,
    ``inf`` and ``08`` are floats, ``1e-320``, ``1_000`` and ``null`` strings.

    ``form``: how the message's example names a parameter (``NODE.name`` for ``vjepa-ros
    launch``, ``name`` for a node executable).
    """
    import yaml

    from vjepa_ros import rcl_yaml
    from vjepa_ros.yaml_files import yaml_problem

    try:
        return rcl_yaml.load(raw)  # typed as rcl types it: 1e-9, inf, 08 floats, 1e-320 a string
    except yaml.YAMLError as exc:
        problem = yaml_problem(exc, line=False)
        raise ValueError(f"-p {key}: {raw!r} is not a YAML value ({problem}); quote a "
                         f"string that holds YAML signs: -p '{form}:=\"a: b\"'") from None
