"""Checks of ``vjepa-ros launch``'s inputs before rclpy and torch load.

:func:`check_launch_inputs`: the planner's ``--params-file`` (a bare name: here, else the
package's ``config/``) and its checkpoint; :func:`check_override_nodes`: every ``-p NODE.``
names a node the launch starts; :func:`check_option_overrides`: no option and ``-p`` item give
one parameter two values.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.node_registry import NODES
from vjepa_ros.package_files import config_path, package_share_dir
from vjepa_ros.robot.planner_name import PLANNER_NODE
from vjepa_ros.yaml_files import read_ros_params


def _params_file_path(name: str) -> Path:
    """Return where ``--params-file NAME`` is (a local file wins over the package's).

    A path with ``/`` as given; a bare name: the file here when there is one, else the
    package's ``config/NAME`` (``planner_notebook.yaml``).

    Raises UsageError naming both places looked in for a bare name found in neither.
    """
    local = Path(name).expanduser()
    if "/" in name or local.is_file():
        return local  # (a missing path: check_params_file says so)
    packaged = package_share_dir() / "config" / name
    if packaged.is_file():
        return packaged
    raise UsageError(f"--params-file {name} is neither a file here ({local.absolute()}) nor in "
                     f"the package's config/ folder ({packaged.parent}): give the path of a ROS "
                     "2 parameter file")


def check_launch_inputs(args: argparse.Namespace, planner_overrides: dict) -> tuple[str, str]:
    """Check each ``--params-file`` and the planner's checkpoint; ValueError naming the source.

    ``args.params_file``: the names given (None: none), replaced by the absolute paths found.

    A parameter file that cannot be used is a UsageError (exit status 2); a checkpoint that is
    missing or empty, a ValueError (exit status 1, as the planner node refuses it).

    The parameter file goes to the planner alone: a section that applies to no node of that
    name (a misspelled ``vjepa_planer:``) is refused (``check_params_file``), not dropped; so
    is one for a node ``--node``/``--camera`` starts too (it reads its own file); one for
    another node of the package is ignored with a note, as rcl ignores it.
    Without ``--params-file`` that is the package's ``config/planner.yaml``, the file the node
    reads (never a ``planner.yaml`` in the working directory), named as "the packaged default".

    The checkpoint comes from ``--checkpoint``, else ``-p planner.model.checkpoint``, else the
    last parameter file's ``model.checkpoint`` that gives one (as the node will read it;
    ``demo``: the packaged demo world model, ``input_paths.world_model_path``); none at all is
    refused as the node refuses it (naming ``--checkpoint demo`` too), but before rclpy, torch
    and the model load. A ``-p planner.model.checkpoint`` that is no string is refused (a
    UsageError in the node's words), with ``--checkpoint`` too, which would drop it unseen; so
    is one naming another file than ``--checkpoint`` (``demo`` and its file, a path and a link
    to it are one). Returns (the source as messages name it, the checkpoint).
    """
    from vjepa_ros.input_paths import CHECKPOINT_FORMAT, world_model_path
    from vjepa_ros.nodes.param_sources import PACKAGED, packaged_file
    from vjepa_ros.nodes.params_file import check_params_file

    # the file goes to the planner only, under its name in --namespace (as rcl matches it)
    nodes = [f"{check_namespace(getattr(args, 'namespace', None))}/{PLANNER_NODE}"]
    nodes_are = "launch gives this file to"  # --node sim etc. start with their own files
    if args.params_file:  # each in turn, as rcl applies them
        files = [(_params_file_path(name), "--params-file", f"--params-file {name}")
                 for name in args.params_file]
    else:  # the file the node will read: the package's, never one of that name here
        files = [(config_path(NODES["planner"].params_file), PACKAGED,
                  packaged_file(NODES["planner"].params_file))]
    alongside = [*getattr(args, "node", []), *(["camera"] if getattr(args, "camera", False)
                                                else [])]  # each started on its own file
    found = [check_params_file(path, option, nodes=nodes, nodes_are=nodes_are,
                               alongside=alongside, registry="planner")
             for path, option, _ in files]
    if args.params_file:  # the files found, as the planner's --ros-args --params-file
        # absolute: str(Path("./mine.yaml")) is "mine.yaml", which NodeLaunch reads as config/'s
        args.params_file = [str(path.absolute()) for path in found]
    in_file = None  # (source, value): the last file giving model.checkpoint wins, as in rcl
    for path, (_, _, where) in zip(found, files, strict=True):
        model = read_ros_params(path, nodes[0]).get("model")
        if isinstance(model, dict) and "checkpoint" in model:
            in_file = (f"{where}: model.checkpoint", model["checkpoint"])
    given = planner_overrides.get("model.checkpoint")
    if given is not None and not isinstance(given, str):  # --checkpoint would drop it unseen
        from vjepa_ros.nodes.params import type_error  # (rclpy: only to refuse)
        from vjepa_ros.robot.planner_config import PlannerNodeConfig

        problem = type_error("model.checkpoint", given, PlannerNodeConfig())
        raise UsageError(f"planner: -p planner.model.checkpoint: {problem}")
    if args.checkpoint and given and _model_file(args.checkpoint) != _model_file(given):
        raise UsageError(f"--checkpoint {args.checkpoint} and -p planner.model.checkpoint:="
                         f"{given} name different world models: give one of them")
    sources = (("--checkpoint", args.checkpoint),
               ("-p planner.model.checkpoint", given),
               in_file or ("", None))
    for source, checkpoint in sources:
        if checkpoint:  # 'demo' too, as the node takes it
            return source, str(world_model_path(str(checkpoint), source))
    raise UsageError(f"the planner's parameter 'model.checkpoint' is empty: give --checkpoint "
                     f"with {CHECKPOINT_FORMAT}, or --checkpoint demo for the packaged demo "
                     "world model")


def _model_file(spec: str) -> str:
    """Return the file a checkpoint value names, for comparing two of them (not checked).

    ``demo``: the packaged file (or ``demo`` where it is not installed); a path resolved
    (``~``, ``$NAME``, ``..``, links: ``user_paths.expand_path``, as the node reads it, so a
    quoted ``-p planner.model.checkpoint:='$HOME/wm.pt'`` is ``--checkpoint ~/wm.pt``'s file);
    a variable not set: the value as given (``world_model_path`` then names the variable).
    """
    import os

    from vjepa_ros.user_paths import UnsetVariable, expand_path

    if spec == "demo":
        from vjepa_ros.input_paths import world_model_path

        try:
            return str(world_model_path("demo"))
        except ValueError:
            return spec
    try:
        return os.path.realpath(expand_path(spec))
    except UnsetVariable:
        return spec


def check_option_overrides(args: argparse.Namespace, overrides: dict[str, dict]) -> None:
    """Refuse an option and a ``-p`` item giving one parameter different values.

    The options that set a parameter: ``--image-transport`` (the planner's
    ``image_transport``), ``--use-sim-time`` / ``--no-use-sim-time`` (``use_sim_time`` of
    every node started); ``--checkpoint`` is checked with its file (:func:`check_launch_inputs`:
    two names of one file are one value). Either would silently drop the other. Raises
    UsageError (exit status 2) naming both: ``--image-transport raw and -p
    planner.image_transport:=compressed give the planner's image_transport different values:
    give one of them``. The same value twice is no conflict.
    """
    from vjepa_ros.ros_values import ros_arg_value

    given = []  # (the option as typed, node, parameter, value)
    if getattr(args, "image_transport", None) is not None:
        given.append((f"--image-transport {args.image_transport}", "planner",
                      "image_transport", args.image_transport))
    if getattr(args, "use_sim_time", None) is not None:
        flag = "--use-sim-time" if args.use_sim_time else "--no-use-sim-time"
        given += [(flag, node, "use_sim_time", args.use_sim_time) for node in overrides]
    for option, node, name, value in given:
        item = overrides.get(node, {})
        if name in item and (type(item[name]) is not type(value) or item[name] != value):
            text = item[name] if isinstance(item[name], str) else ros_arg_value(item[name])
            raise UsageError(f"{option} and -p {node}.{name}:={text} give the {node}'s {name} "
                             "different values: give one of them")


def check_override_nodes(overrides: dict[str, dict], started: list[str]) -> None:
    """Refuse ``-p NODE.param`` for a node this launch does not start (it would be dropped).

    ``overrides``: keyed by launch's names (``parse_overrides`` maps a ROS name, ``sim_node``,
    to ``sim``). Raises UsageError naming the ``-p`` item and what to do: ``--node NODE`` for a
    registered node (``NODES``), else the names there are, launch's and the ROS names.
    """
    for node, parameters in overrides.items():
        if node in started:
            continue
        item = f"-p {node}.{next(iter(parameters))}"
        if node in NODES:
            raise UsageError(f"{item}: node '{node}' is not started, so the value would be "
                             f"dropped: add --node {node}, or leave it out")
        ros_names = ", ".join(sorted({entry.ros_name for key, entry in NODES.items()
                                      if entry.ros_name not in ("", key)}))
        raise UsageError(f"{item}: no node '{node}'; the nodes are {', '.join(sorted(NODES))} "
                         f"(or their ROS names: {ros_names})")


def check_required_parameters(nodes: list) -> None:
    """Refuse a node started without a parameter it cannot start without (``NodeEntry.required``).

    ``nodes``: the launch's ``node_launch.NodeLaunch`` list, their overrides applied. A value
    comes from ``-p NODE.param`` or the node's parameter file; empty in both: UsageError (exit
    status 2, before any node starts, the world model unloaded) naming what to give
    (``--node image_publisher needs parameter 'path', the image file to publish: give -p
    image_publisher.path:=PATH``).
    """
    for node in nodes:
        entry = NODES.get(node.name)
        for name, what in entry.required if entry else ():
            value = node.start_value(name, None)  # -p, else the files the node reads
            if value in (None, ""):
                raise UsageError(f"--node {node.name} needs parameter '{name}', {what}: give "
                                 f"-p {node.name}.{name}:=PATH")


def size_sim_for_model(nodes: list, checkpoint: str, source: str) -> str:
    """Give the simulator the frame size the planner's world model was post-trained on.

    ``config/sim.yaml`` renders 256 px (the published models' size); a model ``vjepa-ros
    train`` wrote records the [height, width] px of its frames (``config.data.frame_sizes``,
    ``checkpoint_records.trained_frame_sizes``): the packaged demo's 128 px, a model trained
    from ``record`` bags of the demo world at theirs. ``launch --checkpoint run/world_model.pt
    --node sim`` started the sim at 256 px and the planner warned of frames not of its trained
    size (user57u; mend56z did it for the packaged demo alone). Where ``checkpoint`` (as
    :func:`check_launch_inputs` returns it) records sizes and no ``-p sim.camera.width`` /
    ``height`` is given (both: as given; one alone: UsageError, as the other side would be
    sim.yaml's 256, a size from neither source), the ``sim`` of ``nodes`` (``NodeLaunch``) renders
    the first recorded size, labelled ``{source} (FILE's recorded frame size WxH)``
    (``NodeLaunch.labels``); a size outside the simulator's range (1280x720 RealSense bags, 16 px
    blob bags) is scaled into it keeping the aspect (:func:`fit_camera_size`), the note saying so;
    a shape the planner refuses every frame of (``image_limits.camera_shape_problem``, long side
    more than 4 times the short) is not given to the sim, which keeps its size, the note saying
    why.
    Returns the note for the start line ("sim renders 128x128, ...") or "" where nothing
    changed: no sim, a size given, a folder or a file recording no size (the official ones),
    or none readable (no checkpoint, a malformed record: the planner refuses it as it loads).
    Reads the file's ``config`` only, without torch (``models.checkpoint_peek``): a refused
    ``-p`` still comes before torch loads.
    """
    sim = next((node for node in nodes if node.name == "sim"), None)
    given = sorted({"camera.width", "camera.height"} & set(sim.parameters if sim else ()))
    if sim is None or len(given) == 2:
        return ""
    path = Path(checkpoint)
    if not path.is_file():  # a Hugging Face folder records no frame size
        return ""
    from vjepa_ros.models.checkpoint_peek import peek_config
    from vjepa_ros.models.checkpoint_records import trained_frame_sizes
    from vjepa_ros.models.errors import CheckpointError

    config = peek_config(path)
    try:
        sizes = trained_frame_sizes(config, path) if config is not None else None
    except CheckpointError:  # the planner refuses the file, naming the entry, as it loads
        return ""
    if not sizes:
        return ""
    recorded = f"{sizes[0][1]}x{sizes[0][0]}"
    height, width = fit_camera_size(*sizes[0])
    size = f"{width}x{height}"
    which = "recorded frame size" if len(sizes) == 1 else \
        f"first of {len(sizes)} recorded frame sizes"
    if given:  # one side typed: the other would be sim.yaml's, a size of neither source
        _one_side_refusal(sim, given[0], f"{path.name}'s {which} {recorded}")
        return ""  # a value the sim refuses (a string, out of range): in the sim's words
    from vjepa_ros.image_limits import MAX_ASPECT, camera_shape_problem

    if camera_shape_problem(width, height):  # sim_node (SimConfig.check) would refuse it
        return (f"sim keeps its camera size: {path.name}'s {which} {recorded} has its long side "
                f"more than {MAX_ASPECT:g} times the short, a shape no plan takes (-p "
                "sim.camera.width:=W -p sim.camera.height:=H for another)")
    scaled = "" if size == recorded else \
        f" scaled into the simulator's {'..'.join(map(str, _camera_range()))} px"
    for name, value in (("camera.width", width), ("camera.height", height)):
        sim.parameters[name] = value
        sim.labels[name] = f"{source} ({path.name}'s {which} {recorded}{scaled})"
    return (f"sim renders {size}, the {which} of {path.name}"
            f"{f' ({recorded}){scaled}' if scaled else ''} (-p sim.camera.width:=W "
            "-p sim.camera.height:=H for another)")


def _one_side_refusal(sim, typed: str, recorded: str) -> None:
    """Refuse ``-p sim.<typed>`` alone beside a model that records its frame size (UsageError).

    The other side would be the sim's parameter file's (``config/sim.yaml``: 256 px), neither
    the size typed nor the model's: one line naming both sides' sources and what to give. A
    value the sim refuses (not a whole number, outside ``sim.config.CAMERA_SIZE_PX``) is left
    to the sim's own refusal, which names what it takes.
    """
    low, high = _camera_range()
    value = sim.parameters[typed]
    if type(value) is not int or not low <= value <= high:
        return  # the sim refuses it as it declares it, naming its type or range
    other = "camera.height" if typed == "camera.width" else "camera.width"
    kept = sim.start_value(other, None)  # -p none: the sim's parameter file's
    source = sim.sources().get(other, "its parameter file")
    raise UsageError(f"-p sim.{typed}:={value} alone: the sim's {other} would "
                     f"be {source}'s {kept}, a size from neither that -p nor {recorded}: give "
                     "both -p sim.camera.width:=W -p sim.camera.height:=H, or neither for the "
                     "model's size")


def _camera_range() -> tuple[int, int]:
    """Return the simulator's camera side range [px] (``sim.config.CAMERA_SIZE_PX``)."""
    from vjepa_ros.sim.config import CAMERA_SIZE_PX

    return CAMERA_SIZE_PX


def fit_camera_size(height: int, width: int) -> tuple[int, int]:
    """Return (height, width) [px] within the simulator's camera range, the aspect kept.

    A size within ``sim.config.CAMERA_SIZE_PX`` (32..1024) is returned as given; one outside
    is scaled by one factor until both sides fit (1280x720 RealSense frames: 1024x576; 16 px
    frames: 32 px), so the planner's centre crop sees the scene the model was trained on at
    the nearest size the simulator renders. An aspect no scale fits (2000x20: a side would
    leave the range either way) is scaled as above, the side still outside then clamped.
    """
    low, high = _camera_range()
    long, short = max(height, width), min(height, width)
    factor = high / long if long > high else low / short if short < low else 1.0
    return tuple(min(high, max(low, round(side * factor))) for side in (height, width))


def check_namespace(namespace: str | None) -> str:
    """Return ``launch --namespace``'s value made absolute (``arm1``: ``/arm1``; none: "").

    As the launch file checks its ``namespace:=`` (``ros_names.namespace_problem``, relative
    made absolute: ``arm1`` is ``/arm1``; ``name_length_problem``: the planner's longest service
    name within rcl's bound); ``/``, the root, is "". Raises UsageError (one line,
    ``--namespace VALUE: why``).
    """
    from vjepa_ros.nodes.ros_names import name_length_problem, namespace_problem

    if not namespace:
        return ""
    absolute = "/" + namespace.strip("/") if namespace.strip("/") else ""
    problem = namespace_problem(namespace, relative_ok=True) or \
        name_length_problem(absolute, PLANNER_NODE)
    if problem:
        raise UsageError(f"--namespace {namespace}: {problem}")
    return absolute
