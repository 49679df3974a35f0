"""Nodes as child processes, as a launch file starts them: started, watched, always stopped.

Each child is ``python -m <node module> --ros-args --params-file config/<node>.yaml -p ... -r ...``
(``node_launch.NodeLaunch.command``: what ``ros2 run`` / ``ros2 launch`` start), with the network
rule (``ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST``, ``ROS_LOCALHOST_ONLY=1``), this process's
``ROS_DOMAIN_ID`` and the Fast DDS camera profile in its environment. Its output goes to a
temporary file; :meth:`NodeProcess.check` raises :class:`NodeExited` with the tail of it once
the child has exited. ``vjepa-ros reach`` uses this; nothing here imports rclpy.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from vjepa_ros.run_enclave import enclave_environment, in_enclave

STOP_TIMEOUT_S = 5.0  # after SIGINT, then SIGKILL
LOG_LINES = 12  # lines of a child's output in an error message
NETWORK_RULE = {"ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", "ROS_LOCALHOST_ONLY": "1"}


class NodeExited(RuntimeError):
    """A node's process ended while it was needed; the message carries its last output.

    ``NodeExited(what, tail)``: ``what`` says which process and how it ended, ``tail`` its last
    lines ("" when it printed nothing: a process killed at once); ``str()`` is ``what``, then
    ``: `` and the tail on the lines below it where there is one.
    """

    def __init__(self, what: str, tail: str = ""):
        super().__init__(f"{what}:\n{tail}" if tail else what)
        self.what, self.tail = what, tail


def exit_words(returncode: int) -> str:
    """Say how a child ended: ``exited with code 1``, or ``was killed by SIGKILL`` (code -9)."""
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    hint = " (kill -9, or the kernel's out-of-memory killer)" if name == "SIGKILL" else ""
    return f"was killed by {name}{hint}"


def keep_dds_local(environ: MutableMapping[str, str] = os.environ) -> str:
    """Keep DDS discovery on this machine (the network rule); call before rclpy starts.

    As ``scripts/ros_env.sh``: a caller's ``ROS_DOMAIN_ID`` is kept, else one is drawn (1..100)
    so that two demos on one machine do not talk to each other. Returns the domain id.
    """
    environ.update(NETWORK_RULE)
    if not environ.get("ROS_DOMAIN_ID"):
        environ["ROS_DOMAIN_ID"] = str(random.randint(1, 100))
    return environ["ROS_DOMAIN_ID"]


def child_environment(extra: Mapping[str, str] | None = None,
                      environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Return a node child's environment.

    That is ``environ``, the network rule, this package first on ``PYTHONPATH`` (the same code as
    this process), unbuffered output, the camera profile, then ``extra`` (``OMP_NUM_THREADS``).
    """
    import vjepa_ros
    from vjepa_ros.nodes.dds_profile import use_camera_profile

    package_root = str(Path(vjepa_ros.__file__).resolve().parents[1])
    python_path = [package_root, *filter(None, [environ.get("PYTHONPATH")])]
    env = {**environ, **NETWORK_RULE, "PYTHONPATH": os.pathsep.join(python_path),
           "PYTHONUNBUFFERED": "1"}
    use_camera_profile(env)
    env.update(extra or {})
    return env


def child_signals():
    """Return a child's set-up between fork and exec (prepared here: no imports there).

    For ``subprocess.Popen(..., preexec_fn=child_signals())``; the benchmark scripts' children
    use it too.

    It lets SIGINT stop the child: a shell starts background jobs with SIGINT ignored, an ignored
    signal stays ignored across exec, and Python then never installs its Ctrl-C handler. On Linux
    it also asks the kernel for SIGTERM to the child when this process dies without stopping it.
    """
    prctl = None
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            pass

    def set_up() -> None:  # pragma: no cover - runs in the forked child
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
        except ValueError:  # forked from a thread other than the main one: leave it
            pass
        if prctl is not None:
            prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return set_up


def stop_child(process: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S,
               signum: int = signal.SIGINT) -> None:
    """Stop child ``process`` as Ctrl-C does (``signum``), SIGKILL after ``timeout_s``; wait.

    Nothing when it has ended already; safe to call twice. SIGTERM for a child that may still be
    starting: Python ends at once and silently there, where SIGINT printed a KeyboardInterrupt
    traceback.
    """
    if process.poll() is None:
        process.send_signal(signum)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class NodeProcess:
    """One node in a child process; see the module docstring.

    Args:
        node: the node to start (``node_launch.NodeLaunch``).
        label: what it is, for messages ("simulator", "planner").
        ros_name: its ROS node name, for messages ("sim_node").
        use_sim_time: the node's ``use_sim_time`` parameter.
        log_level: ROS log level of the child ("warn" ...; None: the node's default).
        env: extra environment variables for the child.
        enclave: the ROS enclave the child runs in (``run_enclave``: how the command that
            started it tells it from another process's node of its name); None: rcl's default.
    """

    def __init__(self, node, label: str, ros_name: str, use_sim_time: bool = False,
                 log_level: str | None = None, env: Mapping[str, str] | None = None,
                 enclave: str | None = None):
        self.command = [*node.command(use_sim_time),
                        *(["--log-level", log_level] if log_level else [])]
        self.label, self.ros_name, self.env = label, ros_name, dict(env or {})
        self.enclave = enclave
        if enclave:
            self.command = in_enclave(self.command, enclave)
        self.process: subprocess.Popen | None = None
        self.environment: dict[str, str] = {}  # the child's, once started
        self.output = tempfile.TemporaryFile()

    def start(self) -> NodeProcess:
        self.environment = child_environment(self.env)
        if self.enclave:
            self.environment = enclave_environment(self.environment)
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=self.output, stderr=subprocess.STDOUT,
            env=self.environment, preexec_fn=child_signals())
        return self

    def tail(self, lines: int = LOG_LINES) -> str:
        """Return the last ``lines`` lines the child printed."""
        self.output.seek(0)
        text = self.output.read().decode(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:])

    def check(self) -> None:
        """Raise :class:`NodeExited` (with the child's last lines) if the child has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise NodeExited(f"the {self.label} process ({self.ros_name}) "
                             f"{exit_words(self.process.returncode)}", self.tail())

    def stop(self) -> None:
        """Stop the child (SIGINT, then SIGKILL) and wait for it; safe to call twice."""
        if self.process is not None:
            stop_child(self.process)
        if not self.output.closed:
            self.output.close()


class NodeProcesses:
    """Several :class:`NodeProcess` started together, checked together, stopped in reverse."""

    def __init__(self, processes: list[NodeProcess]):
        self.processes = list(processes)

    def start(self) -> NodeProcesses:
        try:
            for process in self.processes:
                process.start()
        except BaseException:
            self.stop()
            raise
        return self

    def check(self) -> None:
        for process in self.processes:
            process.check()

    def stop(self) -> None:
        """Stop every child, even when stopping one of them fails."""
        errors = []
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception as exc:  # noqa: BLE001 - stop the others, then raise the first
                errors.append(exc)
        if errors:
            raise errors[0]
