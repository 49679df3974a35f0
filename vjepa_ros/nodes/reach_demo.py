"""``vjepa-ros reach``: the whole system closed loop in the simulator, from one command.

The command is a pure ROS client of nodes it starts as processes of their own, the way the launch
files start them (:mod:`vjepa_ros.nodes.node_processes`): the simulated Franka (``sim_node``) and
the planner node (``vjepa_planner``, the demo world model or ``--checkpoint``, configured as
``launch/vjepa_mpc.launch.py`` configures it, through :mod:`vjepa_ros.nodes.node_launch`). Then it
does what a person does on a real arm (:mod:`vjepa_ros.nodes.reach_client`):

1. guides the arm to the goal pose (the stand-in for hand guiding: while the planner is disabled,
   the demo publishes the goal pose on the controller's ``target_pose`` topic, the one the planner
   commands on), calls ``/vjepa_planner/capture_goal`` (std_srvs/Trigger) so the newest camera
   frame becomes the goal image, and guides the arm back to where it started;
2. calls ``/vjepa_planner/enable`` (std_srvs/SetBool) and follows the planner reaching in
   blocking mode from its ``~/plan_report`` messages (:mod:`vjepa_ros.sim.reach_follower`),
   printing one line per commanded step (energy, distance to goal, planning time);
3. disables the planner when the true TCP is within the success radius after a move, or after
   the step limit, and saves an image strip (PNG) and an animation (GIF) of the episode.

Everything it knows comes from topics and services: the true TCP from ``current_pose``, frames
from the camera topic, steps from ``~/plan_report``, the arrival rule from the planner's
parameters, its device from its ``/diagnostics`` values (never from a log line's words). The
goal of seed ``s`` is the one ``benchmarks/bench_reach.py`` uses for seed ``s``. The nodes run
on the simulator's ``/clock`` (``use_sim_time``), so a slow CPU slows the run but never makes
inputs stale.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from vjepa_ros.config import flatten
from vjepa_ros.counts import counted
from vjepa_ros.nodes.node_processes import NodeProcess, NodeProcesses
from vjepa_ros.nodes.topic_options import TOPIC_DEFAULTS
from vjepa_ros.out_paths import overwritten_note
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.ros_environment import ros_network_line
from vjepa_ros.run_enclave import new_enclave

if TYPE_CHECKING:
    from vjepa_ros.sim.reach import ReachEpisode
    from vjepa_ros.sim.reach_config import ReachDemoConfig

# The command line, its checks and exit status: nodes/reach_command.py. torch, the simulator and
# rclpy are imported only when the demo runs (inside the functions below).

PROG = "vjepa-ros reach"  # the prefix of its one-line errors and stop lines
SIM = "sim_node"
CAMERA_TOPIC = TOPIC_DEFAULTS["camera_topic"]
SIZE_SETTINGS = "sim.width/sim.height of a --config file"  # what sets the simulator's camera
# How reach takes a model's hyper-parameters (none: its planner node reads them from the file),
# said where a file needs one (models.checkpoint.check_checkpoint's options; {kind}: encoder,
# predictor)
HYPER_PARAMETERS = ("vjepa-ros reach gives the planner none: give a file that records them "
                    "(vjepa-ros train writes its config), or start the planner node yourself "
                    "with model.{kind}_args")


def demo_nodes(config: ReachDemoConfig, checkpoint: Path) -> list:
    """Return the planner (as ``vjepa_mpc.launch.py`` starts it) and the simulator."""
    from vjepa_ros.nodes.node_launch import NodeLaunch, mpc_nodes

    planner_parameters = {name: value for name, value, _ in flatten(config.planner, "planner.")}
    planner_parameters.update({"model.device": config.device, "model.dtype": config.dtype,
                               "model.threads": config.threads, "control.mode": "blocking"})
    nodes = mpc_nodes(str(checkpoint), camera_topic=CAMERA_TOPIC,  # the other topics: defaults
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


def demo_processes(nodes: list, enclave: str | None = None) -> NodeProcesses:
    """Return the nodes as processes, the simulator with one torch/OpenMP thread.

    The simulator leaves the other cores to the planner, whose ``model.threads`` sets its own
    (0: the user's ``OMP_NUM_THREADS`` when set, else all cores but one: the planner's
    environment is this process's, not the simulator's ``OMP_NUM_THREADS=1``). ``enclave``: the
    run's (``run_enclave.new_enclave``), by which the busy-domain check knows them.
    """
    by_name = {node.name: node for node in nodes}
    return NodeProcesses([
        NodeProcess(by_name["sim"], "simulator", SIM, log_level="warn",
                    env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}, enclave=enclave),
        NodeProcess(by_name["planner"], "planner", PLANNER_NODE, use_sim_time=True,
                    enclave=enclave),
    ])


# What a Ctrl-C or SIGTERM stopped, by how far run_reach_demo had come (the KeyboardInterrupt's
# ``reach_stage``): the command's last line says what had happened and what was undone.
STOPPED = {
    "start-up": "the nodes were starting (the planner never commanded the arm); nodes stopped; "
                "nothing saved",
    "goal": "the goal was being set (the planner was never enabled); nodes stopped; nothing saved",
    "episode": "planner disabled, nodes stopped; nothing saved (the pictures come after the "
               "episode)",
    "pictures": "the episode had ended; its pictures were being saved, perhaps not both (each "
                "file is whole or absent)",
}


def stop_line(exc: KeyboardInterrupt) -> str:
    """Return what ``reach`` says after ``terminated; `` / ``interrupted; `` (:data:`STOPPED`)."""
    return STOPPED[getattr(exc, "reach_stage", "start-up")]


def failure_line(exc: Exception) -> str:
    """Return what ``reach`` says of a failure of :func:`run_reach_demo`, saved files included.

    Before its pictures (``reach_stage``): ``; nothing saved`` after the error's first part (a
    node process's last lines, ``node_processes.NodeExited.tail``, below it).
    """
    if getattr(exc, "reach_stage", "start-up") == "pictures":
        return str(exc)
    tail = getattr(exc, "tail", "")
    return f"{getattr(exc, 'what', exc)}; nothing saved" + (f":\n{tail}" if tail else "")


def run_reach_demo(config: ReachDemoConfig, out_dir: Path, say=print,
                   seed_from: str = "--goal-seed") -> ReachEpisode:
    """Start the nodes, run one episode, save the pictures; raise on any failure.

    ``seed_from``: where ``config.goal_seed`` came from, as a training-seed note names it
    (``--goal-seed``, ``goal_seed in reach.yaml``: ``reach_command.goal_seed_source``).

    A KeyboardInterrupt (Ctrl-C, SIGTERM) or an error leaves with ``reach_stage``, the
    :data:`STOPPED` key of what it stopped (:func:`stop_line`, :func:`failure_line`).
    """
    from vjepa_ros.models.checkpoint import check_checkpoint
    from vjepa_ros.nodes.dds_profile import use_camera_profile
    from vjepa_ros.nodes.reach_client import ReachClient, ReachDemo
    from vjepa_ros.robot.trained_model import simulator_rules
    from vjepa_ros.sim.choices import training_seeds_note
    from vjepa_ros.sim.reach_media import picture_names, save_episode_pictures
    from vjepa_ros.sim.reach_text import format_summary
    from vjepa_ros.sim.run_notes import image_size_note

    stage, client, demo = "start-up", None, None
    try:
        checkpoint = checkpoint_path(config)
        cem = config.planner
        say(f"ROS          {ros_network_line()}")  # as launch and every node says it
        say(f"world model  {checkpoint}")
        sizes = check_checkpoint(checkpoint, options=HYPER_PARAMETERS)
        # the planner node logs these into its hidden output (node_processes): said here
        _, model_notes = simulator_rules(sizes)  # reach sets no goals.gripper: no advice
        notes = (training_seeds_note(config.goal_seed, 1, seed_from),
                 image_size_note(sizes.img_size, config.sim.width, config.sim.height,
                                 sizes.trained_frame_sizes, SIZE_SETTINGS), *model_notes,
                 overwritten_note(out_dir, "an earlier run's", picture_names("reach")))
        for note in filter(None, notes):
            say(f"note         {note}")
        enclave = new_enclave()  # the children's identity (busy_domain)
        processes = demo_processes(demo_nodes(config, checkpoint), enclave)
        use_camera_profile()  # this process subscribes to the frames too
        try:
            client = ReachClient(PLANNER_NODE, CAMERA_TOPIC)  # before the nodes: misses nothing
            refuse_busy_domain(client, enclave, started=False)  # never another's arm (user60)
            processes.start()
            demo = ReachDemo(client, processes.check, config, say)
            ready = demo.wait_for_nodes()
            refuse_busy_domain(client, enclave, started=True)  # one come meanwhile: before a call
            stage = "goal"
            say(f"             {PLANNER_NODE} process: {_device_text(ready)}")
            say(f"planner      CEM S {cem.samples}, H {cem.horizon}, I {cem.iterations}, "
                f"k {cem.topk}, maxnorm {cem.maxnorm} m; blocking control; simulator camera "
                f"{config.sim.width}x{config.sim.height} at "
                f"{config.episode.camera_rate_hz:g} Hz")
            episode = demo.run()
        finally:
            if demo is not None and demo.was_enabled:
                stage = "episode"
            try:
                if demo is not None:
                    demo.close()
            finally:
                try:
                    if client is not None:
                        client.close()
                finally:
                    processes.stop()
        stage = "pictures"
        say(format_summary(episode))
        strip, gif = save_episode_pictures(out_dir, episode)
        say(f"saved        {strip}\n             {gif}")
        return episode
    except (KeyboardInterrupt, Exception) as exc:
        exc.reach_stage = stage
        raise


def refuse_busy_domain(client, enclave: str, started: bool) -> None:
    """Raise RuntimeError when another launch runs reach's node names or topics (user60).

    ``busy_domain.refuse_busy_domain`` with reach's nodes and topics; ``enclave``: its
    children's; ``started``: they run.
    """
    from vjepa_ros.nodes.busy_domain import refuse_busy_domain as refuse

    node = client.node
    refuse(node, (f"/{SIM}", f"/{PLANNER_NODE}"),
           ("/clock", node.resolve_topic_name("current_pose"), CAMERA_TOPIC),
           (node.resolve_topic_name(TOPIC_DEFAULTS["target_topic"]),), PROG, enclave, started)


def checkpoint_path(config: ReachDemoConfig, option: str = "--checkpoint",
                    settings: str | os.PathLike | None = None) -> Path:
    """Return the world model file of ``config`` (``checkpoint``, or the packaged demo model).

    ValueError naming ``option`` for a missing, unreadable or folder path
    (``input_paths.world_model_path``). ``settings``: the ``--config`` file the checkpoint came
    from. Its relative path is the working directory's (as a ``--params-file``'s and a goal
    file's are, and ``train --config``'s): one not there is refused naming the absolute path
    looked at, and the file of that name beside the settings file where there is one. ``~`` and
    ``$NAME`` are expanded (``user_paths.expand_path``); a variable that is not set is refused
    naming it (``--checkpoint PATH names the environment variable NAME, which is not set ...``).
    """
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.path_text import shown_path
    from vjepa_ros.user_paths import UnsetVariable, expand_path

    spec = config.checkpoint
    try:  # ~ and $NAME, as a shell would (a settings file's path is no shell word)
        path = expand_path(spec)
    except UnsetVariable as exc:
        raise ValueError(f"{option} {exc}") from None
    if settings and spec and spec != "demo" and not path.is_absolute() and not path.exists() \
            and not path.is_symlink():
        beside = Path(settings).parent / path
        there = f"; {shown_path(beside)} is there" if beside.exists() else ""
        instead = f", or checkpoint: {shown_path(beside)}" if beside.exists() else ""
        raise ValueError(f"{option} {shown_path(spec)} does not exist (a relative path: looked "
                         f"at {shown_path(path.absolute())}, in the working directory, not "
                         f"beside {shown_path(settings)}{there}): give an absolute path"
                         f"{instead}")
    return world_model_path(spec or "demo", option)


def _device_text(values: dict[str, str]) -> str:
    """Describe the planner's process from its ``/diagnostics`` ``values``.

    "blocking control, device cpu, torch.float32, 2 CPU threads, GIL switch interval 5 ms"
    (``mode`` and the keys of ``PlannerNode.runtime_values``); a "see its log" line when a key
    is missing.
    """
    keys = ("mode", "device", "dtype", "torch_threads", "gil_switch_interval_ms")
    if not all(values.get(key) for key in keys):
        return "started (its diagnostics did not name its device: see its log)"
    threads = values["torch_threads"]  # a number's text
    threads = counted(int(threads), "CPU thread") if threads.isdigit() else \
        f"{threads} CPU threads"
    return (f"{values['mode']} control, device {values['device']}, {values['dtype']}, "
            f"{threads}, GIL switch interval "
            f"{values['gil_switch_interval_ms']} ms")
