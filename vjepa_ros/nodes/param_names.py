"""A ``-p NAME:=VALUE`` name checked by rcl's lexer rules before rclpy.init (no rclpy).

rcl refuses ``-p rate-hz:=5.0`` (a hyphen: ROS 1 and command-line habit), ``-p 'rate_hz
:=5.0'`` or ``-p 'rate hz:=5.0'`` in its lexer's words, "Expected lexeme type (22) not found,
search ended at index 4", no word on what is wrong nor the name meant (breaker57f).
:func:`param_name_problem` says what rcl refuses, in words; ``ros_args.check_param_item`` adds
the node's closest parameter (:func:`known_parameters`), as ``vjepa-ros launch -p`` names it.

rcl's rule (``rcl/arguments.c``, ``_rcl_parse_param_rule``; compared with rclpy.init by
``test/test_param_names.py``): ``[NODE:]NAME``, where a name part holds ASCII letters, digits
and ``_``, starts with no digit and not with ``__``, and parts are joined by ``.`` (rcl also
takes ``/`` in a name, more loosely: such a name is left to rcl); ``NODE`` is a bare node name.
"""

from __future__ import annotations

import re

from vjepa_ros.name_lists import CLOSE, closest_name

_PART = r"(?!__)[A-Za-z_][A-Za-z0-9_]*"
_NAME = re.compile(rf"{_PART}(\.{_PART})*")
_NODE = re.compile(_PART)
_LEXED = re.compile(r"[A-Za-z0-9_./:]*")  # the characters rcl's lexer reads in a name
RULE = "letters, digits and '_' in parts joined by '.', none starting with a digit or '__'"


def param_name_problem(name: str) -> str:
    """Return why rcl refuses the ``-p`` name ``name`` (``NODE:`` prefix and all), "" none.

    ``rate-hz``: ``'rate-hz' holds '-', which no ROS parameter name holds (...)``.
    """
    odd = sorted({char for char in name if not _LEXED.fullmatch(char) or not char.isascii()},
                 key=name.index)
    if odd:
        held = ", ".join("a space" if char == " " else "a tab" if char == "\t" else repr(char)
                         for char in odd)
        return f"{name!r} holds {held}, which no ROS parameter name holds ({RULE})"
    node, colon, parameter = name.rpartition(":") if ":" in name else ("", "", name)
    if colon and not _NODE.fullmatch(node):
        return (f"{name!r}: the node a rule is for is named by its bare node name (letters, "
                f"digits, '_'; no '/', namespace or second ':'), not {node!r}")
    if "/" not in parameter and not _NAME.fullmatch(parameter):
        return f"{parameter!r} is no ROS parameter name ({RULE})"
    return ""


def meant_name(name: str, known) -> str:
    """Return the parameter of ``known`` that the refused ``name`` most likely means ("" none).

    ``rate-hz``, ``rate hz``, ``rate_hz `` → ``rate_hz``: each character rcl refuses read as
    ``_`` (white space at the ends dropped), then the closest of ``known``
    (``name_lists.closest_name``, :data:`~vjepa_ros.name_lists.CLOSE` alike at least).
    """
    text = re.sub(r"[^A-Za-z0-9_.]+", "_", name.strip().rpartition(":")[2], flags=re.ASCII)
    text = re.sub(r"\.+", ".", text).strip("._")
    return closest_name(text, known, CLOSE) if text else ""


def known_parameters(node: str) -> list[str]:
    """Return the dotted parameter names node ``node`` (its ROS name) declares, before rclpy.

    From the registry (``node_registry.NODES``): the node's packaged parameter file (which
    lists every parameter, ``test_params_comments``), its parameters dataclass where it has
    one, and rclpy's own (``use_sim_time``; ``start_type_description_service`` where this
    rclpy declares it: ``rclpy_own``). Empty for a node not in the registry or a file not readable.
    """
    from vjepa_ros.config import dotted_fields
    from vjepa_ros.nodes.node_registry import NODES
    from vjepa_ros.nodes.param_sources import dotted
    from vjepa_ros.nodes.rclpy_own import rclpy_own
    from vjepa_ros.package_files import config_path
    from vjepa_ros.yaml_files import read_ros_params

    entry = next((entry for entry in NODES.values() if entry.ros_name == node), None)
    if entry is None:
        return []
    names = set(rclpy_own())
    try:
        if entry.params_file:
            names.update(dotted(read_ros_params(config_path(entry.params_file), f"/{node}")))
        settings = entry.settings()
    except (OSError, ValueError, ImportError):
        return sorted(names)
    if settings is not None:
        names.update(dotted_fields(type(settings)))
    return sorted(name for name in names  # the parameters, not their groups (camera.*)
                  if not any(other.startswith(f"{name}.") for other in names))
