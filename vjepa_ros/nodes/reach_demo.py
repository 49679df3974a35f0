"""``vjepa-ros reach``: the whole system closed loop in the simulator, from one command.

Starts the simulated Franka (``sim_node``) in a child process (its own GIL: physics, rendering
and ``/clock`` never stall the planner) and the planner node (``vjepa_planner``, the demo world
model or ``--checkpoint``) in this process, both configured through
:mod:`vjepa_ros.nodes.launcher` (what ``vjepa-ros launch`` uses), then does what a person does on
a real arm:

1. guides the arm to the goal pose (the stand-in for hand guiding: while the planner is disabled,
   the demo publishes the goal pose on the controller's ``target_pose`` topic, the one the planner
   commands on), calls ``/vjepa_planner/capture_goal`` (std_srvs/Trigger) so the newest camera
   frame becomes the goal image, and guides the arm back to where it started;
2. calls ``/vjepa_planner/enable`` (std_srvs/SetBool) and watches the planner reach in blocking
   mode, printing one line per planning step (energy, distance to goal, planning time);
3. disables the planner when the true TCP is within the success radius after a move, or after
   the step limit, and saves an image strip (PNG) and an animation (GIF) of the episode.

The goal of seed ``s`` is the one ``benchmarks/bench_reach.py`` uses for seed ``s``. The nodes run
on the simulator's ``/clock`` (``use_sim_time``), so a slow CPU slows the run but never makes the
planner's inputs stale. Numbers per step come from the planner's session (what ``/diagnostics``
shows); distances from the simulator's true TCP (``current_pose``) at the planned frame's stamp.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vjepa_ros.cli_options import add_search_method_arguments, search_method_overrides
from vjepa_ros.config import ConfigError, flatten
from vjepa_ros.threads import set_torch_threads

if TYPE_CHECKING:
    from vjepa_ros.sim.reach import ReachEpisode, ReachStep
    from vjepa_ros.sim.reach_config import ReachDemoConfig

# The parser is built for every vjepa-ros command: torch, the simulator and rclpy are imported
# only when the demo runs (inside the functions below).

PLANNER = "vjepa_planner"
SIM = "sim_node"
CAMERA_TOPIC = "/camera/camera/color/image_raw"
POLL_S = 0.01
GIL_SWITCH_INTERVAL_S = 1e-4  # s; see run_reach_demo
GUIDE_TOLERANCE_M = 0.002  # hand guiding: the arm is "there" within this
GUIDE_SETTLE_S = 0.3  # simulated seconds to wait once there
GUIDE_RESEND_S = 0.5  # wall seconds between repeats of the guide pose (lost before discovery)
SERVICE_TIMEOUT_S = 30.0
SIM_STOP_TIMEOUT_S = 5.0  # after SIGINT, then SIGKILL
SIM_LOG_LINES = 12  # lines of the simulator's output in an error message


class DemoError(RuntimeError):
    """The demo cannot go on (a node did not answer, the planner failed, time ran out)."""


def keep_dds_local() -> str:
    """Keep DDS discovery on this machine (the network rule); call before rclpy starts.

    As ``scripts/ros_env.sh``: a caller's ``ROS_DOMAIN_ID`` is kept, else one is drawn (1..100)
    so that two demos on one machine do not talk to each other. Returns the domain id.
    """
    os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
    os.environ["ROS_LOCALHOST_ONLY"] = "1"
    if not os.environ.get("ROS_DOMAIN_ID"):
        os.environ["ROS_DOMAIN_ID"] = str(random.randint(1, 100))
    return os.environ["ROS_DOMAIN_ID"]


def fresh_out_dir(base: Path | None = None) -> Path:
    """Return a new path ``reach_<date>-<time>[_n]`` under ``base`` (default: cwd)."""
    base = Path.cwd() if base is None else Path(base)
    stem = f"reach_{datetime.now():%Y%m%d-%H%M%S}"
    path, n = base / stem, 1
    while path.exists():
        path, n = base / f"{stem}_{n}", n + 1
    return path


def demo_nodes(config: ReachDemoConfig, checkpoint: Path) -> list:
    """Return the planner (as ``vjepa_mpc.launch.py`` starts it) and the simulator."""
    from vjepa_ros.nodes.launcher import NodeLaunch, mpc_nodes

    planner_parameters = {name: value for name, value, _ in flatten(config.planner, "planner.")}
    planner_parameters.update({"model.device": config.device, "model.dtype": config.dtype,
                               "control.mode": "blocking"})
    nodes = mpc_nodes(str(checkpoint), camera_topic=CAMERA_TOPIC, target_topic="target_pose",
                      joint_states_topic="/joint_states", gripper_topic="gripper_command",
                      planner_parameters=planner_parameters)
    settings = config.sim
    nodes.append(NodeLaunch("sim", parameters={
        "use_sim_time": False,  # the simulator makes the clock
        "publish_clock": True,
        "seed": config.goal_seed,
        "real_time_factor": settings.real_time_factor,
        "camera_rate_hz": config.episode.camera_rate_hz,
        "camera.width": settings.width,
        "camera.height": settings.height,
        "camera.shadows": settings.shadows,
    }))
    return nodes


def _child_signals():
    """Return the child's set-up between fork and exec (prepared here: no imports there).

    It lets SIGINT stop the child: a shell starts background jobs with SIGINT ignored, an ignored
    signal stays ignored across exec, and Python then never installs its Ctrl-C handler. On Linux
    it also asks the kernel for SIGTERM to the child when the demo dies without stopping it.
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


class SimProcess:
    """The simulator node in a child process: started, watched, and always stopped.

    The child is ``python -m vjepa_ros.nodes.sim_node --ros-args ...`` (what ``ros2 run``
    starts), with this process's ROS environment and one torch/OpenMP thread, so it leaves the
    other cores to the planner. Its output goes to a temporary file; :meth:`check` raises
    :class:`DemoError` with its tail once it has exited. :meth:`stop` sends SIGINT (the node shuts
    down cleanly), then SIGKILL after ``SIM_STOP_TIMEOUT_S``; on Linux the child also gets
    SIGTERM if this process dies first.
    """

    def __init__(self, node, use_sim_time: bool = False):
        self.command = [*node.command(use_sim_time), "--log-level", "warn"]
        self.process: subprocess.Popen | None = None
        self.output = tempfile.TemporaryFile()

    def start(self) -> SimProcess:
        import vjepa_ros

        package_root = str(Path(vjepa_ros.__file__).resolve().parents[1])
        python_path = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYTHONPATH": os.pathsep.join(python_path), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            self.command, stdin=subprocess.DEVNULL, stdout=self.output, stderr=subprocess.STDOUT,
            env=env, preexec_fn=_child_signals())
        return self

    def tail(self, lines: int = SIM_LOG_LINES) -> str:
        """Return the last ``lines`` lines the child printed."""
        self.output.seek(0)
        text = self.output.read().decode(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:])

    def check(self) -> None:
        """Raise :class:`DemoError` (with the child's last lines) if the simulator has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise DemoError(f"the simulator process ({SIM}) exited with code "
                            f"{self.process.returncode}:\n{self.tail()}")

    def stop(self) -> None:
        """Stop the child (SIGINT, then SIGKILL) and wait for it; safe to call twice."""
        process = self.process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(SIM_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.output.close()


class _Watcher:
    """The demo's own node: stamped TCP states and camera frames, service clients, the guide."""

    def __init__(self, context):
        import rclpy
        from geometry_msgs.msg import PoseStamped
        from rclpy.qos import qos_profile_sensor_data
        from sensor_msgs.msg import Image
        from std_srvs.srv import SetBool, Trigger

        self.node = rclpy.create_node("reach_demo", context=context)
        self.lock = threading.Lock()
        self.states: collections.deque = collections.deque(maxlen=600)  # (stamp, state [7])
        self.frames: collections.deque = collections.deque(maxlen=40)  # (stamp, rgb)
        self.node.create_subscription(PoseStamped, "current_pose", self._on_pose, 10)
        self.node.create_subscription(Image, CAMERA_TOPIC, self._on_image,
                                      qos_profile_sensor_data)
        self.capture = self.node.create_client(Trigger, f"/{PLANNER}/capture_goal")
        self.enable = self.node.create_client(SetBool, f"/{PLANNER}/enable")
        self.trigger_type, self.set_bool_type = Trigger, SetBool
        # The hand: target poses on the topic the planner commands on, only while it is disabled.
        # A node of its own, never spun, so that it can go (let_go) while the executor runs.
        self.hand = rclpy.create_node("reach_demo_hand", context=context)
        self.guide = self.hand.create_publisher(PoseStamped, "target_pose", 10)
        self.pose_type = PoseStamped

    def _on_pose(self, msg) -> None:
        from vjepa_ros.nodes.pose_msgs import stamp_seconds, state_from_pose

        state = state_from_pose(msg.pose, 0.0)
        stamp = stamp_seconds(msg.header.stamp)
        with self.lock:
            if self.states and stamp < self.states[-1][0]:
                self.states.clear()
            self.states.append((stamp, state))

    def _on_image(self, msg) -> None:
        from vjepa_ros.images import image_msg_to_rgb
        from vjepa_ros.nodes.pose_msgs import stamp_seconds

        stamp = stamp_seconds(msg.header.stamp)
        with self.lock:
            self.frames.append((stamp, np.array(image_msg_to_rgb(msg))))

    def let_go(self) -> None:
        """Remove the hand: the planner warns about other publishers on its command topic."""
        if self.hand is not None:
            self.hand.destroy_node()
            self.hand = None

    def latest_state(self):
        with self.lock:
            return self.states[-1] if self.states else None

    def state_at(self, stamp: float) -> np.ndarray:
        with self.lock:
            stamps = [s for s, _ in self.states]
            index = min(max(bisect.bisect_left(stamps, stamp), 0), len(stamps) - 1)
            near = [i for i in (index - 1, index) if 0 <= i < len(stamps)]
            return self.states[min(near, key=lambda i: abs(stamps[i] - stamp))][1]

    def frame_at(self, stamp: float) -> np.ndarray:
        with self.lock:
            return min(self.frames, key=lambda item: abs(item[0] - stamp))[1]

    def latest_frame(self):
        with self.lock:
            return self.frames[-1] if self.frames else None

    def call(self, client, request, what: str):
        if not client.wait_for_service(timeout_sec=SERVICE_TIMEOUT_S):
            raise DemoError(f"{client.srv_name} did not come up within {SERVICE_TIMEOUT_S} s")
        future = client.call_async(request)
        deadline = time.monotonic() + SERVICE_TIMEOUT_S
        while not future.done():
            if time.monotonic() > deadline:
                raise DemoError(f"{what}: no answer within {SERVICE_TIMEOUT_S} s")
            time.sleep(POLL_S)
        response = future.result()
        if not response.success:
            raise DemoError(f"{what} failed: {response.message}")
        return response


class ReachDemo:
    """One demo episode over ROS; ``run()`` returns the :class:`ReachEpisode`.

    ``launch`` holds the planner node (this process), ``sim`` the simulator's :class:`SimProcess`.
    """

    def __init__(self, launch, sim: SimProcess, config: ReachDemoConfig, say=print):
        self.launch, self.sim, self.config, self.say = launch, sim, config, say
        self.planner = launch.node(PLANNER)
        self.session = self.planner.session
        self.watcher = _Watcher(launch.context)
        launch.executor.add_node(self.watcher.node)
        launch.nodes.append(self.watcher.node)  # destroyed after the executor has stopped
        self.deadline = time.monotonic() + config.timeout_s
        self.enabled = False

    def _wait(self, done, timeout: float, what: str) -> None:
        """Poll ``done()``; raise DemoError on a timeout or when the simulator has exited."""
        end = min(time.monotonic() + timeout, self.deadline)
        while not done():
            self.sim.check()
            if time.monotonic() > end:
                raise DemoError(f"timed out waiting for {what}")
            time.sleep(POLL_S)

    # -- the person at the arm ------------------------------------------------------------------
    def guide_to(self, state: np.ndarray) -> None:
        """Guide the arm to ``state`` and wait for a camera frame of it at rest.

        The pose goes to the simulated controller's ``target_pose`` (planner disabled), repeated
        every ``GUIDE_RESEND_S`` until the arm is there: the first one may precede discovery.
        Goals are 8–25 cm away, well within the controller's ``max_target_distance`` (0.5 m).
        """
        from vjepa_ros.nodes.pose_msgs import set_pose
        from vjepa_ros.sim.tasks import reach_error

        if self.enabled:
            raise DemoError("guiding the arm while the planner commands it")
        watcher = self.watcher
        msg = watcher.pose_type()
        msg.header.frame_id = self.planner.kinematics.base_frame
        set_pose(msg.pose, state)
        next_send = -math.inf

        def there() -> bool:
            nonlocal next_send
            latest = watcher.latest_state()
            if latest is not None and reach_error(latest[1], state) <= GUIDE_TOLERANCE_M:
                return True
            if time.monotonic() >= next_send and watcher.guide.get_subscription_count() > 0:
                watcher.guide.publish(msg)
                next_send = time.monotonic() + GUIDE_RESEND_S
            return False

        self._wait(there, 60.0, "the arm to reach the guided pose")
        settled = watcher.latest_state()[0] + GUIDE_SETTLE_S

        def fresh_frame() -> bool:
            frame = self.session.frame  # what the planner would capture
            return frame is not None and frame.stamp >= settled

        self._wait(fresh_frame, 60.0, "a camera frame at the guided pose")

    def set_goal(self):
        """Guide the arm to the goal, capture it through the planner's service, guide back."""
        from vjepa_ros.sim.reach import reach_target

        watcher = self.watcher
        self._wait(lambda: watcher.latest_state() is not None and self.session.frame is not None,
                   60.0, "the simulator's first pose and camera frame")
        start = watcher.latest_state()[1]
        target = reach_target(start, self.config.goal_seed)
        self.guide_to(target)
        goal_state = watcher.latest_state()[1]
        message = watcher.call(watcher.capture, watcher.trigger_type.Request(),
                               "capture_goal").message
        goal_image = self.session.goals.current.image.copy()
        # A shadow-mode plan still running on a frame from before the arm came back is never
        # commanded: MPCSession discards plans that started before ~/enable.
        self.guide_to(start)
        watcher.let_go()
        return start, goal_state, goal_image, message

    # -- the run --------------------------------------------------------------------------------
    def set_enabled(self, enabled: bool) -> str:
        request = self.watcher.set_bool_type.Request(data=enabled)
        self.enabled = enabled
        return self.watcher.call(self.watcher.enable, request, "enable").message

    def run(self) -> ReachEpisode:
        from vjepa_ros.sim.reach import STEP_HEADER, ReachEpisode
        from vjepa_ros.sim.tasks import reach_error

        self.launch.start()
        started = time.monotonic()
        episode_cfg = self.config.episode
        start, goal_state, goal_image, message = self.set_goal()
        start_distance = reach_error(start, goal_state)
        self.say(f"goal         seed {self.config.goal_seed}: TCP {_xyz(start)} -> "
                 f"{_xyz(goal_state)} m, {start_distance * 100:.1f} cm away")
        self.say(f"             set through /{PLANNER}/capture_goal ({message})")
        sim_started = self.watcher.latest_state()[0]
        _log_levels("WARN")
        before = self.session.last_report  # a fast first plan may finish before _watch starts
        self.set_enabled(True)
        self.say(f"enabled      /{PLANNER}/enable: blocking MPC until within "
                 f"{episode_cfg.success_radius * 100:g} cm or {episode_cfg.max_steps} steps")
        self.say(STEP_HEADER)
        steps = self._watch(goal_state, before)
        self.set_enabled(False)
        final_stamp, final_state = self.watcher.latest_state()
        final_distance = reach_error(final_state, goal_state)
        self._wait(lambda: self.watcher.latest_frame()[0] >= final_stamp, 30.0,
                   "the final camera frame")
        success = final_distance <= episode_cfg.success_radius
        return ReachEpisode(
            goal_frame=goal_image, goal_state=goal_state, start_distance=start_distance,
            steps=steps, final_distance=final_distance,
            final_frame=self.watcher.latest_frame()[1], success=success,
            stop_reason="reached" if success else "step limit",
            success_radius=episode_cfg.success_radius,
            sim_seconds=final_stamp - sim_started, wall_seconds=time.monotonic() - started,
        )

    def _watch(self, goal_state, seen) -> list[ReachStep]:
        """Follow the planner's steps until success or the step limit (see module docstring)."""
        from vjepa_ros.sim.reach import ReachStep, format_step
        from vjepa_ros.sim.tasks import reach_error

        session, watcher, cfg = self.session, self.watcher, self.config.episode
        steps: list[ReachStep] = []
        # Frame and TCP state of the plan in flight, taken when it starts (the buffers are short).
        # ~/enable resets the planned stamp; a plan already running then is discarded (started in
        # shadow mode), so the first commanded plan starts on the newest frame and state.
        planned_stamp = session.last_planned_stamp
        if math.isfinite(planned_stamp):
            planned = (watcher.frame_at(planned_stamp), watcher.state_at(planned_stamp))
        else:
            planned = (watcher.latest_frame()[1], watcher.latest_state()[1])
        while True:
            self.sim.check()
            if time.monotonic() > self.deadline:
                raise DemoError(f"no result within timeout_s {self.config.timeout_s} s")
            if session.last_planned_stamp != planned_stamp:
                planned_stamp = session.last_planned_stamp
                planned = (watcher.frame_at(planned_stamp), watcher.state_at(planned_stamp))
            report = session.last_report
            if report is not seen:
                seen = report
                if report.reason.startswith(("planner error", "internal error")):
                    raise DemoError(f"the planner failed: {report.reason}")
                if report.command is not None:
                    energy = math.nan if report.energy is None else report.energy
                    steps.append(ReachStep(
                        len(steps) + 1, reach_error(planned[1], goal_state), energy,
                        report.latency_s, planned[0], report.action, report.command))
                    self.say(format_step(steps[-1]))
            if steps and not session.moving and session.last_report is seen:
                settled = session.arrival_time + session.control.settle_s
                latest = watcher.latest_state()
                if latest[0] >= settled:
                    if reach_error(latest[1], goal_state) <= cfg.success_radius:
                        return steps
                    if len(steps) >= cfg.max_steps:
                        return steps
            time.sleep(POLL_S)

    def close(self) -> None:
        """Stop commanding, then stop this process's nodes (the simulator is the caller's)."""
        self.session.set_enabled(False)
        self.enabled = False
        self.watcher.let_go()
        self.launch.shutdown()  # the watcher's node too: it is one of launch.nodes


def _xyz(state) -> str:
    return "[" + " ".join(f"{v:+.3f}" for v in np.asarray(state)[:3]) + "]"


def _log_levels(planner: str) -> None:
    """Keep node info logs out of the step table; ``planner``: WARN, or ERROR during set-up.

    During set-up the planner has no goal yet, which it would report as a warning.
    """
    from rclpy.logging import LoggingSeverity, set_logger_level

    set_logger_level(PLANNER, getattr(LoggingSeverity, planner))


def run_reach_demo(config: ReachDemoConfig, out_dir: Path, say=print) -> ReachEpisode:
    """Start the nodes, run one episode, save the pictures; raise on any failure."""
    import torch

    from vjepa_ros.nodes.launcher import Launch
    from vjepa_ros.sim.reach import format_summary
    from vjepa_ros.sim.reach_config import resolve_checkpoint
    from vjepa_ros.sim.reach_media import save_episode_pictures

    checkpoint = resolve_checkpoint(config.checkpoint)
    cem = config.planner
    say(f"ROS          domain {os.environ.get('ROS_DOMAIN_ID', '0')}, this machine only "
        "(watch with the same ROS_DOMAIN_ID and ROS_LOCALHOST_ONLY=1)")
    say(f"world model  {checkpoint}")
    from rclpy.logging import get_logger_effective_level, set_logger_level

    threads_before = torch.get_num_threads()
    # The executor's callbacks (clock, poses, frames) share this process: with Python's default
    # 5 ms GIL switch interval every small torch op of the planner thread can wait that long for
    # the GIL. A short interval hands the GIL back quickly.
    switch_before = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    level_before = get_logger_effective_level(PLANNER)
    threads = set_torch_threads(config.threads)
    nodes = demo_nodes(config, checkpoint)
    sim = SimProcess(next(node for node in nodes if node.name == "sim"))
    demo = launch = None
    try:
        _log_levels("ERROR")
        sim.start()  # its start-up overlaps the model loading below
        launch = Launch([node for node in nodes if node.name != "sim"], use_sim_time=True)
        demo = ReachDemo(launch, sim, config, say)
        model = demo.planner.model
        say(f"             device {model.device}, {model.dtype}, {model.tokens_per_frame} tokens "
            f"x {model.embed_dim} per frame, {threads} CPU threads")
        say(f"planner      CEM S {cem.samples}, H {cem.horizon}, I {cem.iterations}, "
            f"k {cem.topk}, maxnorm {cem.maxnorm} m; blocking control; simulator camera "
            f"{config.sim.width}x{config.sim.height} at {config.episode.camera_rate_hz:g} Hz")
        episode = demo.run()
    finally:
        try:
            if demo is not None:
                demo.close()
            elif launch is not None:
                launch.shutdown()
        finally:
            sim.stop()
            torch.set_num_threads(threads_before)
            sys.setswitchinterval(switch_before)
            set_logger_level(PLANNER, level_before)
    say(format_summary(episode))
    strip, gif = save_episode_pictures(out_dir, episode)
    say(f"saved        {strip}\n             {gif}")
    return episode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", help="world model file (save_world_model format or "
                        "vjepa2-ac-vitg.pt); default: the packaged demo world model")
    parser.add_argument("--goal-seed", type=int, help="scene and goal seed (default 900000, "
                        "the first held-out goal)")
    parser.add_argument("--max-steps", type=int, help="planning steps before giving up")
    parser.add_argument("--samples", type=int, help="CEM samples per iteration")
    parser.add_argument("--iterations", type=int, help="CEM iterations per step")
    parser.add_argument("--horizon", type=int, help="CEM horizon (1 reaches; 2 hovers)")
    parser.add_argument("--device", help="cpu, cuda (default: cuda when available)")
    parser.add_argument("--out", help="directory for the strip and GIF (default: a new "
                        "reach_<date>-<time> directory here)")
    parser.add_argument("--config", help="settings file (default: the package's "
                        "config/reach_demo.yaml)")
    parser.add_argument("--require-success", action="store_true", help="exit 1 when the goal "
                        "was not reached (default: 0 whenever the episode ran)")
    add_search_method_arguments(parser)


def cmd_reach(args: argparse.Namespace) -> int:
    """Run the demo; print one line and return 1 on a bad start or a failure.

    An episode that ran but did not reach the goal returns 0, or 1 with ``--require-success``.
    """
    keep_dds_local()
    from vjepa_ros.sim.reach_config import load_reach_config, resolve_checkpoint

    overrides = {"checkpoint": args.checkpoint, "goal_seed": args.goal_seed,
                 "episode.max_steps": args.max_steps, "planner.samples": args.samples,
                 "planner.iterations": args.iterations, "planner.horizon": args.horizon,
                 "device": args.device}
    overrides.update(search_method_overrides(args))
    try:
        config = load_reach_config(args.config, overrides)
        resolve_checkpoint(config.checkpoint)
        import rclpy  # noqa: F401  (a clear message when ROS is missing)
    except ImportError as exc:
        print(f"vjepa-ros reach: needs rclpy ({exc}); run scripts/demo.sh", file=sys.stderr)
        return 1
    except (OSError, ValueError, ConfigError) as exc:
        print(f"vjepa-ros reach: {exc}", file=sys.stderr)
        return 1
    out_dir = Path(args.out) if args.out else fresh_out_dir()
    try:
        episode = run_reach_demo(config, out_dir)
    except KeyboardInterrupt:
        print("vjepa-ros reach: interrupted; planner disabled", file=sys.stderr)
        return 130
    except (OSError, ValueError, RuntimeError, ConfigError) as exc:
        print(f"vjepa-ros reach: {exc}", file=sys.stderr)
        return 1
    if args.require_success and not episode.success:
        print(f"vjepa-ros reach: goal not reached ({episode.stop_reason}, "
              f"{episode.final_distance * 100:.1f} cm); --require-success", file=sys.stderr)
        return 1
    return 0  # reached or not, the demo ran


def add_commands(sub) -> None:
    """Register ``reach`` on the ``vjepa-ros`` sub-parsers."""
    reach = sub.add_parser("reach", help="the main job: sim + planner node reach an image goal "
                           "closed loop; prints each step, saves a strip and a GIF")
    add_arguments(reach)
    reach.set_defaults(func=cmd_reach)
