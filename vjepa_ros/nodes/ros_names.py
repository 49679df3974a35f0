"""ROS namespaces checked by rcl's rules before any node is made (no rclpy).

rclpy refuses a bad namespace (``-r __ns:=/arm1/``, launch ``namespace:=arm1/``) only while it
makes the node, in three lines: its own RuntimeWarning, the source line, then rcl's "invalid
node namespace: namespace must not end with a '/'", the value not named.
:func:`namespace_problem` says it in one line naming the value, by rmw's rules for a namespace
(``rmw_validate_namespace``; ``test_breaker51a`` compares them with rclpy's validator).
"""

from __future__ import annotations

import re

MAX_NAMESPACE_LENGTH = 245  # rmw's RMW_NAMESPACE_MAX_NAME_LENGTH as rclpy's validator counts it
MAX_NODE_NAME_LENGTH = 255  # rmw's RMW_NODE_NAME_MAX_NAME_LENGTH
MAX_TOPIC_LENGTH = 255 - 8  # rmw's RMW_TOPIC_MAX_NAME_LENGTH ("255U - 8U"), services too
# The services every rclpy node makes under its own name (~/NAME): rclpy's parameter services
# and its type description service. Longer than any topic or service the package's nodes make
# under their names (the planner's longest own: ~/capture_goal), so they bound the namespace.
NODE_SERVICES = ("describe_parameters", "get_parameter_types", "get_parameters",
                 "list_parameters", "set_parameters", "set_parameters_atomically",
                 "get_type_description")
_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_/]*")


def namespace_rule(namespace: str) -> str:
    """Return the rule of rmw that ``namespace`` (absolute) breaks, "" when it breaks none.

    In rmw's order and words: "must not be empty", "must be absolute", "must not end with a
    '/'" (``/`` itself allowed), only alphanumerics, '_' and '/', no repeated '/', no token
    starting with a digit, at most :data:`MAX_NAMESPACE_LENGTH` characters.
    """
    if not namespace:
        return "a namespace must not be empty"
    if not namespace.startswith("/"):
        return "a namespace must be absolute, it must lead with a '/'"
    if namespace == "/":
        return ""
    if namespace.endswith("/"):
        return "a namespace must not end with a '/' (unless it is '/' alone)"
    if not _TOKEN_CHARACTERS.fullmatch(namespace) or not namespace.isascii():
        return "a namespace holds only letters, digits, '_' and '/'"
    if "//" in namespace:
        return "a namespace must not contain repeated '/'"
    if any(token[:1].isdigit() for token in namespace.split("/")):
        return "no token of a namespace may start with a digit"
    if len(namespace) > MAX_NAMESPACE_LENGTH:
        return f"a namespace is at most {MAX_NAMESPACE_LENGTH} characters long"
    return ""


def namespace_fix(namespace: str) -> str:
    """Return a namespace of rcl's rules close to ``namespace`` (for "give ..." in a message).

    Tokens kept in order, each cut to letters, digits and '_' (``_`` before a leading digit),
    joined by single '/': ``/arm1/`` → ``/arm1``, ``arm 1`` → ``/arm1``, ``/1arm`` → ``/arm1``
    (leading digits moved to the end, as a person means; digits alone: ``/1`` → ``/_1``).
    """
    tokens = [re.sub(r"\W", "", token, flags=re.ASCII) for token in namespace.split("/")]
    tokens = [re.sub(r"^(\d+)(\D\w*)$", r"\2\1", token) for token in tokens if token]
    tokens = [f"_{token}" if token[:1].isdigit() else token for token in tokens]
    return "/" + "/".join(tokens)


def namespace_problem(given: str, relative_ok: bool = False) -> str:
    """Return why ``given`` is no namespace rcl takes ("" when it is one).

    ``relative_ok``: a launch argument's namespace (``arm1``) is made absolute by the launch
    (``/arm1``), so it is checked as that; ``-r __ns:=`` must be absolute itself. The words
    end with a namespace to give instead (:func:`namespace_fix`); the caller names ``given``
    (``-r __ns:=/arm1/: no ROS namespace: ...``).
    """
    namespace = given
    if relative_ok and not given.startswith("/"):
        namespace = "/" + given
    rule = namespace_rule(namespace)
    if not rule:
        return ""
    fix = namespace_fix(namespace)
    instead = f"give e.g. {fix}" if fix != "/" else "give e.g. /arm1, or leave it out"
    return f"no ROS namespace: {rule}; {instead}"


def node_name_rule(name: str) -> str:
    """Return the rule of rmw that node name ``name`` breaks, "" when it breaks none.

    rmw's ``rmw_validate_node_name``: not empty, only letters, digits and '_', not starting
    with a digit, at most :data:`MAX_NODE_NAME_LENGTH` characters.
    """
    if not name:
        return "a node name must not be empty"
    if not re.fullmatch(r"[A-Za-z0-9_]+", name, flags=re.ASCII):
        return "a node name holds only letters, digits and '_'"
    if name[0].isdigit():
        return "a node name must not start with a digit"
    if len(name) > MAX_NODE_NAME_LENGTH:
        return f"a node name is at most {MAX_NODE_NAME_LENGTH} characters long"
    return ""


def node_name_problem(name: str) -> str:
    """Return why ``name`` is no node name rcl takes ("" when it is one), with one to give.

    The caller names the argument (``-r __node:=PPP...: no ROS node name: ...``).
    """
    rule = node_name_rule(name)
    if not rule:
        return ""
    fix = re.sub(r"\W", "", name, flags=re.ASCII)[:MAX_NODE_NAME_LENGTH] or "node"
    fix = f"_{fix}"[:MAX_NODE_NAME_LENGTH] if fix[0].isdigit() else fix
    return f"no ROS node name: {rule}; give e.g. {fix}"


def name_length_problem(namespace: str, node: str) -> str:
    """Return why node ``node`` cannot be made in absolute ``namespace`` ("" when it can).

    rclpy makes :data:`NODE_SERVICES` under the node's full name; the longest of them
    (``/arm1/vjepa_planner/set_parameters_atomically``) must hold at most
    :data:`MAX_TOPIC_LENGTH` characters, or rclpy refuses the node in a traceback
    (``InvalidServiceNameException``). The caller names ``namespace``.
    """
    longest = max(NODE_SERVICES, key=len)
    room = MAX_TOPIC_LENGTH - len(f"/{node}/{longest}")  # for the namespace ("/arm1")
    if len(namespace.rstrip("/")) <= room:
        return ""
    return (f"no ROS namespace for {node}: its service {node}/{longest} would be longer than "
            f"rcl's {MAX_TOPIC_LENGTH} characters; give a namespace of at most {room} "
            "characters")
