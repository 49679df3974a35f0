"""``vjepa-ros planner VERB``: talk to a running planner node without the ``ros2`` command.

The pip route (ROS 2 from PyPI wheels) has rclpy but no ``ros2`` CLI, so ``ros2 service call
/vjepa_planner/enable ...``, ``ros2 param set``, ``ros2 topic pub /goal_pose`` and ``ros2
topic echo /diagnostics`` cannot be typed (user59u). Each verb is one of them::

    vjepa-ros planner enable | disable                   ~/enable (std_srvs/SetBool)
    vjepa-ros planner capture-goal | add-subgoal | clear-goals | camera-check   (Trigger)
    vjepa-ros planner goal-image FILE [FILE ...] [--steps N ...] [--gripper C ...]
                                                      goal_image_path(s), goal_steps, goal_gripper
    vjepa-ros planner goal-pose X Y Z [R P Y] [--frame F]  PoseStamped on the simulator's goal_pose
    vjepa-ros planner param list | get NAME ... | set NAME VALUE [NAME VALUE ...]
    vjepa-ros planner status [--follow]                  /diagnostics and ~/plan_report

``--node`` names the planner (default ``/vjepa_planner``; ``/arm1/vjepa_planner`` in a
namespace, whose simulator's ``goal_pose`` is ``/arm1/goal_pose``). The network rule
(``scripts/ros_env.sh``: LOCALHOST discovery, the caller's ``ROS_DOMAIN_ID``, unset: domain 0
as ``vjepa-ros launch``) is applied before rclpy starts, and the domain line printed first
(``ros_environment.ros_network_line``). Exit status 0 the node did it, 1 it refused (its
message), did not answer, is not there, left the graph while answering or shares its name with
another node (one line; twins: neither called), 2 what was typed cannot be used. This module
imports no rclpy (the CLI builds its parser at start-up).
"""

from __future__ import annotations

import argparse
import math
import os
import sys

from vjepa_ros.cli_parser import Takes
from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import UsageError
from vjepa_ros.nodes.param_text import INT64_MAX
from vjepa_ros.robot.planner_name import PLANNER_NODE

PROG = "vjepa-ros planner"
TIMEOUT_S = 10.0  # for the planner's services to appear: discovery takes ~1 s on a quiet host
SIM_GOAL_POSE = "goal_pose"  # sim_node's goal pose topic (in the planner's namespace)
# the string arguments as the usage names them (check_text)
WORDS = {"node": "--node", "topic": "--topic", "frame": "--frame", "files": "FILE",
         "names": "NAME", "items": "NAME VALUE"}
VERB_HELP = {
    "enable": "start commanding the arm (~/enable true); prints what still blocks commands",
    "disable": "stop commanding: shadow mode, planning only (~/enable false)",
    "capture-goal": "the newest camera frame becomes the only goal (~/capture_goal)",
    "add-subgoal": "append the newest camera frame to the sub-goal list (~/add_subgoal)",
    "clear-goals": "empty the goal list (~/clear_goals)",
    "camera-check": "run the live camera placement check; answers when done, 1-2 min "
                    "(~/camera_check; only while enabled, at rest, no goal)",
}


def talk_hint(planner: str, environ=None) -> str:
    """Return the line ``vjepa-ros launch`` prints for talking to its planner ``planner``.

    ``planner``: its fully qualified name (``--node`` is named when it is not the default);
    the domain as rcl reads ``ROS_DOMAIN_ID`` in ``environ`` (``os.environ``).
    """
    from vjepa_ros.ros_environment import rcl_domain_id

    environ = os.environ if environ is None else environ
    domain = rcl_domain_id(environ.get("ROS_DOMAIN_ID", ""))
    node = "" if planner == f"/{PLANNER_NODE}" else f" --node {planner}"
    return (f"talk to the planner from another shell (no ros2 command needed): "
            f"ROS_DOMAIN_ID={domain} vjepa-ros planner enable{node} (also disable, goal-pose, "
            "goal-image, capture-goal, param, status: vjepa-ros planner --help)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--node", type=Takes(f"a node name (/{PLANNER_NODE})"),
                        default=f"/{PLANNER_NODE}", help="the planner node's fully qualified "
                        f"name; a namespace: /arm1/{PLANNER_NODE}")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, metavar="S",
                        help="seconds to wait for the planner to appear on the domain")


def add_commands(sub) -> None:
    """Register ``planner`` and its verbs on the ``vjepa-ros`` sub-parsers."""
    planner = sub.add_parser("planner", help="talk to a running planner node (enable, goals, "
                             "parameters, status) without the ros2 command")
    verbs = planner.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb, text in VERB_HELP.items():
        _common(verbs.add_parser(verb, help=text))
    image = verbs.add_parser("goal-image", help="set the goal image file(s): one file "
                             "goal_image_path, several the sub-goal list goal_image_paths")
    image.add_argument("files", nargs="+", metavar="FILE", type=Takes("an image file"))
    image.add_argument("--steps", type=int, nargs="+", default=[], metavar="N",
                       help="goal_steps: executed steps per file (default goals.default_steps)")
    image.add_argument("--gripper", type=float, nargs="+", metavar="C",
                       help="goal_gripper: the hand's closedness (0 open .. 1 closed) per file, "
                       "for goals.gripper subgoal (default: the node's goal_gripper when it "
                       "holds one per file, else none)")
    _common(image)
    pose = verbs.add_parser("goal-pose", help="send a TCP goal pose to the simulator, which "
                            "renders its image as the planner's goal (sim_node's goal_pose)")
    pose.add_argument("pose", nargs="+", type=float, metavar="X Y Z [R P Y]",
                      help="position [m] in --frame; roll pitch yaw [rad], extrinsic x-y-z "
                      "(default: the hand pointing down, roll pi)")
    pose.add_argument("--frame", type=Takes("a frame id"), default="panda_link0",
                      help="the pose's header.frame_id (the simulator's base frame)")
    pose.add_argument("--topic", type=Takes("a topic name"),
                      help="the goal pose topic (default: goal_pose in the --node's namespace); "
                      "a relative name is resolved in this command's namespace, /, not the "
                      "--node's: goal_pose is /goal_pose, give /arm1/goal_pose for /arm1")
    _common(pose)
    param = verbs.add_parser("param", help="list, get or set the planner's parameters")
    actions = param.add_subparsers(dest="action", required=True, metavar="ACTION")
    _common(actions.add_parser("list", help="the parameter names"))
    get = actions.add_parser("get", help="print parameters' values")
    get.add_argument("names", nargs="+", metavar="NAME", type=Takes("a parameter name"))
    _common(get)
    put = actions.add_parser("set", help="set parameters (several: all or none); the value is "
                             "read as the parameter's declared type")
    put.add_argument("items", nargs="+", metavar="NAME VALUE", type=Takes(empty=True))
    _common(put)
    watch = verbs.add_parser("status", help="the planner's /diagnostics status and plan "
                             "reports, once or --follow")
    watch.add_argument("--follow", action="store_true", help="print changes and each plan "
                       "report until Ctrl-C")
    _common(watch)
    planner.set_defaults(func=cmd_planner)


def full_node_name(given: str) -> str:
    """Return ``--node`` as a fully qualified name (``vjepa_planner``: ``/vjepa_planner``).

    Checked by rmw's rules (``ros_names``); UsageError naming the value and one to give.
    """
    from vjepa_ros.nodes.ros_names import namespace_problem, node_name_problem

    name = given if given.startswith("/") else f"/{given}"
    namespace, _, node = name.rpartition("/")
    problem = node_name_problem(node) or (namespace_problem(namespace) if namespace else "")
    if problem:
        raise UsageError(f"--node {given!r}: {problem} (the planner: /{PLANNER_NODE}, "
                         f"/arm1/{PLANNER_NODE} in a namespace)")
    return name


def check_topic(option: str, given: str) -> None:
    """Refuse topic name ``given`` of ``option`` by rcl's rules, before rclpy starts (2).

    rclpy's own validators (``topic_options.topic_problem``; rclpy missing: left to the
    ImportError's line later). A name that rcl expands against the node using it names this
    command's own node, which no simulator subscribes to: a substitution (``{node}``,
    ``{ns}``) or a private name (``~``, ``~/goal_pose``: ``/vjepa_ros_cli_<pid>/goal_pose``).
    A relative name is resolved in the command node's namespace, ``/`` (said in --topic's help).
    """
    from vjepa_ros.nodes.topic_options import check_topic_options

    if "{" in given or "}" in given or given.startswith("~"):
        what = ("private names ('~' is this command's own node)" if given.startswith("~") else
                "substitutions ({node} would name this command's own node)")
        raise UsageError(f"{option} {given!r}: give the topic's name itself, without {what}, "
                         f"e.g. /arm1/{SIM_GOAL_POSE}")
    try:
        check_topic_options({option: given}, node=f"vjepa_ros_cli_{os.getpid()}")
    except ImportError:
        pass


def check_text(args: argparse.Namespace) -> None:
    """Refuse a word that is no UTF-8 text (2): ROS strings are UTF-8, rclpy cannot send it.

    Python keeps argument bytes no encoding reads as surrogates (``surrogateescape``): a file
    name in Latin-1, a ``param set`` value typed in another locale. rclpy raises
    UnicodeEncodeError while it serialises the request, after the planner was found.
    """
    for dest, given in vars(args).items():
        for word in given if isinstance(given, list) else [given]:
            if isinstance(word, str) and not _utf8(word):
                what = WORDS.get(dest, dest)
                shown = word.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                raise UsageError(f"{what} {shown!r} holds bytes that are not UTF-8 text, which "
                                 "ROS strings must be: give UTF-8 text (rename such a file)")


def _utf8(word: str) -> bool:
    try:
        word.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_arguments(args: argparse.Namespace) -> None:
    """Refuse what cannot be used, in one line (:class:`UsageError`, exit status 2).

    Every ROS name option by rcl's rules (``--node``, ``--topic``), every count within int64,
    every word UTF-8 text (:func:`check_text`).
    """
    check_text(args)
    args.node = full_node_name(args.node)
    if getattr(args, "topic", None) is not None:
        check_topic("--topic", args.topic)
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        raise UsageError(f"--timeout {args.timeout}: give a number of seconds above 0")
    if args.verb == "goal-pose":
        if len(args.pose) not in (3, 6):
            raise UsageError(f"goal-pose takes X Y Z or X Y Z R P Y, not {len(args.pose)} "
                             "numbers")
        if not all(math.isfinite(v) for v in args.pose):
            raise UsageError(f"goal-pose {' '.join(map(str, args.pose))}: every number must "
                             "be finite")
    if args.verb == "goal-image" and args.gripper is not None:
        if len(args.gripper) != len(args.files):
            raise UsageError(f"--gripper gives {len(args.gripper)} closedness value(s) for "
                             f"{len(args.files)} files: give one per file")
        _goal_check("--gripper", args.gripper, "check_goal_gripper")
    if args.verb == "goal-image" and args.steps:
        if len(args.steps) != len(args.files):
            raise UsageError(f"--steps gives {len(args.steps)} counts for {len(args.files)} "
                             "files: give one per file")
        _goal_check("--steps", args.steps, "check_goal_steps")
        if max(args.steps) > INT64_MAX:
            raise UsageError(f"--steps {max(args.steps)}: a count ROS holds is at most "
                             f"{INT64_MAX} (0: no limit)")
    if args.verb == "param" and args.action == "set" and len(args.items) % 2:
        raise UsageError(f"param set takes NAME VALUE pairs, got {len(args.items)} word(s) "
                         f"({' '.join(args.items)}): quote a value that holds spaces")


def _goal_check(option: str, values: list, check: str) -> None:
    """Run ``robot.goal_files``' ``check`` of the goal parameter ``option`` sets, as a usage error.

    The node checks the parameter with the same function, so the command refuses what the node
    would, in its words (``--steps 0 3``: a 0, no limit, before the last sub-goal). Imported
    here: goal_files loads numpy and PIL, which the parser's start-up does without.
    """
    from vjepa_ros.robot import goal_files

    try:
        getattr(goal_files, check)(values)
    except ValueError as exc:
        raise UsageError(f"{option} {' '.join(map(str, values))}: {exc}") from None


def goal_files_missing(args: argparse.Namespace) -> str:
    """Return why a ``goal-image`` file cannot be a goal image here ("" when each is a file).

    Each is resolved as the node resolves a goal file (``image_paths.image_file_path``: ``~``,
    ``$NAME``, a ``file://`` URI, a ``package://`` URL). A plain path is made absolute (the
    node's working directory is not the caller's); a URL is handed on as written (it names its
    file wherever it is read), a ``package://`` one also when its package is not found here
    (the node's workspace may be another: the node answers for it). A URL of another scheme
    or host, or a variable not set here, is its resolver's one line.
    """
    if args.verb != "goal-image":
        return ""
    from vjepa_ros.image_errors import ImageError
    from vjepa_ros.image_paths import image_file_path, is_package_url, is_url

    given, args.files = args.files, []
    for file in given:
        try:
            path = image_file_path(file).absolute()
        except ImageError as exc:
            if is_package_url(file):  # its package may be found where the node runs
                args.files.append(file)
                continue
            return f"goal image {exc}"
        args.files.append(file if is_url(file) else str(path))
        if not path.is_file():
            named = f"{file} ({path})" if is_url(file) else str(path)
            there = "a folder" if path.is_dir() else "not there"
            return f"goal image {named} is {there}: give the path of a PNG or JPEG goal image"
    return ""


def cmd_planner(args: argparse.Namespace) -> int:
    """Run one verb against the planner; return the exit status (module doc)."""
    from vjepa_ros.nodes.node_processes import NETWORK_RULE
    from vjepa_ros.ros_environment import domain_id_problem, ros_network_line

    prog = f"{PROG} {args.verb}" + (f" {args.action}" if args.verb == "param" else "")
    try:
        check_arguments(args)
    except UsageError as exc:
        return command_ended(prog, exc)
    missing = goal_files_missing(args)
    if missing:  # a file, not the typing: 1, before ROS starts
        return command_ended(prog, FileNotFoundError(missing), status=1, message=missing)
    problem = domain_id_problem()
    if problem:
        return command_ended(prog, RuntimeError(problem), status=1)
    os.environ.update(NETWORK_RULE)  # scripts/ros_env.sh's rule; the domain stays the caller's
    print(f"{prog}: {ros_network_line(client=True)}", file=sys.stderr)
    from vjepa_ros.nodes.planner_client import ClientError, PlannerClient

    try:
        with PlannerClient(args.node, args.timeout) as client:
            return _run_verb(prog, client, args)
    except (ClientError, UsageError, OSError) as exc:
        return command_ended(prog, exc)
    except ImportError as exc:  # rclpy or a message package missing: the pip route's wheels
        return command_ended(prog, exc, status=1, message=(
            f"needs rclpy and the ROS message packages ({exc}): pip install -r "
            "requirements-ros.txt, or source a ROS 2 install"))
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM: --follow's end; the node is gone
        return command_ended(prog, exc, "the client node is gone (the planner runs on)")


def _run_verb(prog: str, client, args: argparse.Namespace) -> int:
    from vjepa_ros.nodes import planner_verbs as verbs
    from vjepa_ros.nodes.planner_watch import status

    if args.verb in ("enable", "disable"):
        return verbs.enable(prog, client, args.verb == "enable")
    if args.verb in verbs.TRIGGERS:
        return verbs.trigger(prog, client, args.verb)
    if args.verb == "goal-image":
        return verbs.goal_image(prog, client, args.files, args.steps, args.gripper)
    if args.verb == "goal-pose":
        namespace = args.node.rpartition("/")[0]
        topic = args.topic or f"{namespace}/{SIM_GOAL_POSE}"
        rpy = args.pose[3:] or None
        return verbs.goal_pose(prog, client, args.pose[:3], rpy, args.frame, topic)
    if args.verb == "status":
        return status(prog, client, args.follow)
    if args.action == "list":
        return verbs.param_list(prog, client)
    if args.action == "get":
        return verbs.param_get(prog, client, args.names)
    pairs = list(zip(args.items[::2], args.items[1::2], strict=True))
    return verbs.param_set(prog, client, pairs)
