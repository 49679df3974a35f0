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
    joined by single '/': ``/arm1/`` → ``/arm1``, ``arm 1`` → ``/arm1``, ``/1arm`` → ``/_1arm``.
    """
    tokens = [re.sub(r"\W", "", token, flags=re.ASCII) for token in namespace.split("/")]
    tokens = [f"_{token}" if token[:1].isdigit() else token for token in tokens if token]
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
