"""Which nodes a section of a ROS 2 parameter file applies to, as rcl matches them (no rclpy).

rcl joins the keys above a ``ros__parameters`` with '/' into one node name and puts '/' first
(``ns: {node: ...}``, ``ns/node`` and ``/ns/node`` all name the node ``node`` in namespace
``/ns``). A token ``*`` stands for one namespace or name token, ``**`` for any number of them
(none included): ``/**`` applies to every node, ``/*`` to every node outside a namespace,
``/**/node`` to ``node`` in any namespace. Other tokens are letters, digits and '_', not starting
with a digit (rcl refuses the file otherwise). A section that applies to no node the file is
given to is a mistake: rcl drops it without a word and the node starts on its defaults.
"""

from __future__ import annotations

import difflib
import re

PARAMETERS = "ros__parameters"
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def name_problem(section: str) -> str:
    """Return why rcl refuses ``section`` (from :func:`sections`) as a node name ('' none)."""
    for token in section.removeprefix("/").split("/"):
        if token in ("*", "**") or _TOKEN.fullmatch(token):
            continue
        if not token:
            return f"node name '{section}' has an empty part (a '/' too many or a key missing)"
        if token[0].isdigit():
            return f"node name '{section}' starts with a digit" if token == section else \
                f"node name '{section}' has a part starting with a digit ('{token}')"
        return (f"node name '{section}' holds a character other than letters, digits and '_' "
                "(a wildcard is a whole part: '*' or '**')")
    return ""


def sections(document: dict, keys: tuple = ()) -> list[tuple[str, object]]:
    """Return ``(node name, its ros__parameters value)`` of each section of a parameter file.

    The name is the keys above ``ros__parameters`` joined with '/', as written (``ns/node``).
    """
    found = []
    for key, value in document.items():
        if key == PARAMETERS:
            found.append(("/".join(keys), value))
        elif isinstance(value, dict):
            found += sections(value, (*keys, str(key)))
    return found


def node_sections(document: dict, node: str) -> list[tuple[str, object]]:
    """Return the sections (as :func:`sections`) rcl applies to ``node`` (fully qualified).

    In file order, the order rcl applies them: a later section's value overrides an earlier
    one's, wildcard or not (``/**`` after ``node`` wins).
    """
    return [(name, value) for name, value in sections(document) if applies(name, node)]


def applies(section: str, node: str) -> bool:
    """Return True when rcl applies ``section`` (as :func:`sections` gives it) to ``node``.

    Args:
        section: node name of the file, e.g. ``vjepa_planner``, ``/ns/*``, ``/**``.
        node: the node's fully qualified name, e.g. ``/vjepa_planner``, ``/ns/camera``.
    """
    pattern = "".join("(/[^/]+)*" if token == "**" else "/[^/]+" if token == "*" else
                      "/" + re.escape(token) for token in section.strip("/").split("/"))
    return re.fullmatch(pattern, node) is not None


def shown(node: str) -> str:
    """Return a node's name as a parameter file would name it (no '/' outside a namespace)."""
    return node[1:] if node.count("/") == 1 else node


def other_package_nodes(document: dict, nodes) -> list[tuple[str, str]]:
    """Return ``(section, registry name)`` of each section for another node of this package.

    A section that applies to none of ``nodes`` (fully qualified) but to a node of
    ``node_registry.NODES`` where it starts (``NodeEntry.fqn``: ``sim_node``, ``/camera/camera``,
    ``/*/camera``, ``/**/camera``: a wildcard section whose last part names the node; ``/*`` or
    ``/ns/**`` names none), or names one by its bare ROS name (``camera:``, which rcl gives to
    ``/camera`` only: :func:`misses_its_node` says so) is no misspelling: one file may
    hold the sections of several nodes, and rcl ignores the sections of the nodes it is not
    given to (ROS 2's rule), so it is ignored here too.
    """
    from vjepa_ros.nodes.node_registry import NODES

    here = {node.rpartition("/")[2] for node in nodes}  # (one of them in another namespace:
    found = []  # a section for it outside that namespace is a mistake, refused)
    for section, _ in sections(document):
        if section.rpartition("/")[2] in ("*", "**") or any(applies(section, node)
                                                             for node in nodes):
            continue
        found += [(section, name) for name, entry in NODES.items() if entry.ros_name
                  and entry.ros_name not in here and (
                      applies(section, entry.fqn) or ("*" not in section and applies(
                          section, f"/{entry.ros_name}")))][:1]
    return found


def misses_its_node(section: str, registry: str) -> str:
    """Return the name to give ``section`` when it misses node ``registry`` where it starts.

    ``registry``: a ``node_registry.NODES`` key the section was taken for
    (:func:`other_package_nodes`); "" when rcl applies the section to that node as it starts
    (``NodeEntry.fqn``), else that name as a section would give it (``/camera/camera``).
    """
    from vjepa_ros.nodes.node_registry import NODES

    fqn = NODES[registry].fqn
    return "" if applies(section, fqn) else shown(fqn)


def unmatched_problem(document: dict, nodes, nodes_are: str = "started here") -> str:
    """Return the first section that applies to none of ``nodes`` (fully qualified), '' none.

    The problem names the section, the nodes and the closest node name, in one line;
    ``nodes_are`` says what the nodes are to the caller, after "no node" (``started here``:
    a launch or a node executable; ``whose parameters camera-check reads``). A section for
    another node of this package is none (:func:`other_package_nodes`: ignored, as rcl does).
    """
    others = {section for section, _ in other_package_nodes(document, nodes)}
    for section, _ in sections(document):
        if section not in others and not any(applies(section, node) for node in nodes):
            names = [shown(node) for node in nodes]
            closest = max(names, key=lambda name: difflib.SequenceMatcher(
                None, section.strip("/"), name.strip("/")).ratio())
            return (f"section '{section}' applies to no node {nodes_are} ({', '.join(names)}); "
                    f"closest: '{closest}' — fix the name or use '/**'")
    return ""
