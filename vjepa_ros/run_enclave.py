"""The identity of the nodes one command starts: a ROS enclave of the run's own (no rclpy here).

``vjepa-ros reach`` (and the benchmarks that start a planner) must tell its children from another
process's nodes of the same name on the domain (``busy_domain``). Counting nodes of a child's name
cannot: a stranger discovered before the child is taken for it (the race that failed fix60x's
benchmark guards under load). The children carry a token instead, and the graph says who carries
it. Ways a token could travel, weighed (rclpy Humble..Kilted):

- in the node name or namespace: changes the names and topics a user sees and remaps: refused;
- a parameter: read by a service call addressed by node name, which two nodes of one name both
  answer (a twin is exactly the case to catch): unsound;
- the publishers' GIDs (``TopicEndpointInfo.endpoint_gid``): the parent cannot learn its
  children's GIDs without the children reporting them, and their layout is rmw-specific;
- the enclave (``--ros-args --enclave NAME``): every rmw (Fast DDS and Cyclone DDS in the
  participant's user data, Zenoh in its liveliness tokens) announces it with the node, and
  ``Node.get_node_names_and_namespaces_with_enclaves`` (since Foxy) lists it beside each node's
  name: chosen. Names, topics and services stay as they are (``ros2 node list`` shows no enclave).

An enclave also names the SROS2 keystore folder a node reads when ``ROS_SECURITY_ENABLE`` is
``true``. The children therefore get ``ROS_SECURITY_ENCLAVE_OVERRIDE`` set to the folder they
read before (the user's override, else ``/``, the enclave a node takes without ``--enclave``), so
security, when on, loads the same keys; rcl reads the override for that lookup only and the
graph still lists the run's enclave (an override set: checked on Kilted with security off).

A script (the benchmarks) is one run: its nodes, in-process or started as children, all get
their enclave from :func:`script_ros_args`, the one helper (``busy_domain_scripts`` checks the
domain with it). The run's enclave travels to the script's children in :data:`RUN_ENCLAVE_ENV`,
so a child running the script itself (a sensor process) joins the run without an option.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Mapping

OVERRIDE = "ROS_SECURITY_ENCLAVE_OVERRIDE"  # rcl: the keystore enclave to load instead
DEFAULT_ENCLAVE = "/"  # rcl's enclave for a node started without --enclave
RUN_ENCLAVE_ENV = "VJEPA_ROS_RUN_ENCLAVE"  # a script's run enclave, inherited by its children
RUN_PREFIX = "/vjepa_ros/run_"  # every run's enclave begins so (new_enclave)


def new_enclave() -> str:
    """Return an enclave no other run has: ``/vjepa_ros/run_<pid>_<16 hex digits>``.

    A valid fully qualified ROS name (rcl refuses others at ``rclpy.init``).
    """
    return f"{RUN_PREFIX}{os.getpid()}_{secrets.token_hex(8)}"


def in_enclave(command: list[str], enclave: str) -> list[str]:
    """Return a node's ``command`` with ``--enclave ENCLAVE`` appended.

    ``command`` must end inside its ``--ros-args`` section (``node_launch.NodeLaunch.command``
    does; a trailing ``--`` would close it). Raises ValueError for a command without one.
    """
    if "--ros-args" not in command or "--" in command[command.index("--ros-args"):]:
        raise ValueError(f"{command!r} does not end inside a --ros-args section")
    return [*command, "--enclave", enclave]


def enclave_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """Return ``environ`` for a child in a run's enclave: :data:`OVERRIDE` as before.

    The user's ``ROS_SECURITY_ENCLAVE_OVERRIDE`` is kept; unset (or empty), it becomes ``/``:
    with security on, the child loads the keys it loaded without ``--enclave`` (module doc).
    """
    return {**environ, OVERRIDE: environ.get(OVERRIDE) or DEFAULT_ENCLAVE}


@functools.cache
def script_enclave() -> str:
    """Return this script run's enclave: its parent script's (:data:`RUN_ENCLAVE_ENV`), else new.

    One per process: a script run is one run. Only a value :func:`new_enclave` could have made
    is inherited (another value of the variable: a new enclave).
    """
    inherited = os.environ.get(RUN_ENCLAVE_ENV, "")
    return inherited if inherited.startswith(RUN_PREFIX) else new_enclave()


def script_ros_args() -> list[str]:
    """Return ``["--ros-args", "--enclave", ENCLAVE]``: a node of this script's run.

    The one helper of a script's nodes: ``rclpy.init(args=script_ros_args())``
    in-process, ``[*command, *script_ros_args()]`` for a child (a node command's open
    ``--ros-args`` section may precede it: rcl reads both). Also sets, in this process's
    ``os.environ`` (so its later children inherit them): :data:`OVERRIDE` as
    :func:`enclave_environment` (the keystore folder read without ``--enclave``, in-process
    too) and :data:`RUN_ENCLAVE_ENV` (:func:`script_enclave`). Call it before building a
    child's environment from ``os.environ``.
    """
    os.environ.update(enclave_environment(os.environ))
    os.environ[RUN_ENCLAVE_ENV] = script_enclave()
    return ["--ros-args", "--enclave", script_enclave()]
