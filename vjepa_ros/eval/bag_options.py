"""The options of the commands that plan over a recorded bag: ``vjepa-ros eval``, ``camera-check``.

Both read a bag, resample it to the model's step rate and search at every step with the planner:
:func:`add_bag_planning_arguments` adds the options they share, with one help text each; every
command then adds only its own (eval's ``--goal``, camera-check's verdict thresholds).
"""

from __future__ import annotations

import argparse
import dataclasses

from vjepa_ros import gripper_width_option as width
from vjepa_ros.cli_options import add_planning_arguments
from vjepa_ros.cli_parser import MAY_BE_EMPTY, Takes
from vjepa_ros.recordings.step_rates import MAX_STATE_GAP_S
from vjepa_ros.search_method_options import add_search_method_arguments
from vjepa_ros.threads import add_threads_argument


def add_bag_planning_arguments(parser: argparse.ArgumentParser, name: str, verb: str,
                               no_checkpoint: str,
                               no_checkpoint_cem: dict | None = None,
                               random_when: str = "without --checkpoint") -> None:
    """Add the options ``eval`` and ``camera-check`` share, in this order.

    The ``bag`` positional; ``--out`` (default ``./NAME_<bag name>``, ``out_paths.named_after``);
    the planning options (``cli_options.add_planning_arguments``: ``no_checkpoint`` says what
    the command does without ``--checkpoint``, ``no_checkpoint_cem`` the CEM settings it then
    plans with, ``random_when`` when: ``with --random-weights``); the search-method options;
    ``--rate`` [Hz], ``--max-steps``, ``--max-state-gap`` [s], ``--start`` / ``--end`` [s]
    (``EvalConfig``'s fields); the bag topic options (:func:`add_topic_arguments`);
    ``--threads`` (``threads.add_threads_argument``); ``--no-plots`` and ``--quiet``.

    Args:
        parser: the command's parser.
        name: the default output folder's prefix (``eval``, ``camera_check``).
        verb: what the command does with the steps, in the help (``evaluate``, ``check``).
        no_checkpoint: see above.
        no_checkpoint_cem: see above (None: the preset's, named as such).
        random_when: see above.
    """
    parser.add_argument("bag", help="bag directory (metadata.yaml) or a .mcap / .db3 file")
    parser.add_argument("--out", help=f"output directory (default: ./{name}_<bag name>)")
    add_planning_arguments(parser, default_preset="paper", no_checkpoint=no_checkpoint,
                           no_checkpoint_cem=no_checkpoint_cem, random_when=random_when)
    add_search_method_arguments(parser)
    add_step_rate_arguments(parser)
    parser.add_argument("--max-steps", type=int, default=0,
                        help=f"{verb} at most N steps (0, the default: all)")
    _add_window_arguments(parser, verb)
    add_topic_arguments(parser)
    add_threads_argument(parser)
    parser.add_argument("--no-plots", action="store_true", help="write no plots (.png files)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_step_rate_arguments(parser) -> None:
    """Add ``--rate`` [Hz] and ``--max-state-gap`` [s] (``EvalConfig``'s; ``inspect``'s too)."""
    parser.add_argument("--rate", type=float, default=4.0,
                        help="model step rate in Hz (default 4)")
    parser.add_argument("--max-state-gap", type=float, default=0.1, metavar="SECONDS",
                        help="longest time between two recorded states that a step's state is "
                        "interpolated across; steps in longer gaps are dropped (default 0.1: "
                        f"states at 10 Hz or faster; at most {MAX_STATE_GAP_S:g})")


def _add_window_arguments(parser, verb: str) -> None:
    """Add ``--start`` / ``--end`` [s] (``EvalConfig.start_s`` / ``end_s``): a part of the bag."""
    parser.add_argument("--start", type=float, default=0.0, metavar="SECONDS",
                        help=f"{verb} from this many seconds after the bag's first frame or "
                        "state (default 0)")
    parser.add_argument("--end", type=float, default=0.0, metavar="SECONDS",
                        help=f"{verb} up to this many seconds after the bag's first frame or "
                        "state (0, the default: its end; past it: its end too)")


def add_topic_arguments(parser) -> None:
    """Add the bag topic options (read back with :func:`topics_from_args`)."""
    several = "; several: each bag reads the one it holds"
    parser.add_argument("--image-topic", nargs="+", metavar="TOPIC",
                        help=f"camera topic (default /camera/camera/color/image_raw){several}")
    parser.add_argument("--pose-topic", nargs="+", metavar="TOPIC",
                        help="end-effector PoseStamped topic (default "
                        f"/franka_robot_state_broadcaster/current_pose){several}")
    parser.add_argument("--joint-states-topic", nargs="+", metavar="TOPIC",
                        help=f"arm JointState topic (default /joint_states){several}")
    parser.add_argument("--gripper-topic", nargs="+", metavar="TOPIC",
                        help="gripper JointState topic (default: the JointState topic holding "
                        f"the finger joints; none found: a warning, closedness 0){several}")
    parser.add_argument("--joint-prefix", type=MAY_BE_EMPTY,
                        help="arm joint name prefix, e.g. left_fr3_ (default, or '': found from "
                        "the names; needed only with two Franka arms)")
    parser.add_argument("--base-frame", type=Takes("a frame id, e.g. fr3_link0"),
                        help="header.frame_id of the arm's base: poses in another frame are "
                        "refused (default: the joint names' <prefix>link0, or base for a "
                        "single arm)")
    parser.add_argument("--no-gripper", action="store_true",
                        help="read no gripper topic: closedness 0 throughout (one note)")
    parser.add_argument("--tcp-xyz", nargs=3, type=float, metavar=("X", "Y", "Z"),
                        help="flange to end-effector point [m] joint-state bags are read at "
                        "(the planner's robot.tcp_xyz; default the Franka Hand TCP, 0 0 0.1034)")
    parser.add_argument("--tcp-rpy", nargs=3, type=float, metavar=("R", "P", "Y"),
                        help="flange to end-effector rotation [rad], extrinsic xyz (the "
                        "planner's robot.tcp_rpy; default 0 0 -0.785)")
    parser.add_argument(width.OPTION, type=float, metavar=width.METAVAR, help=width.HELP)
    parser.add_argument("--state-source", choices=("auto", "pose", "joint_states"),
                        default="auto", help="where end-effector states come from: the pose "
                        "topic, or forward kinematics of the joint states (auto: the pose if "
                        "recorded, else joint_states; default auto)")
    parser.add_argument("--stamps", choices=("header", "receive"), default="header",
                        help="message clock: header (header.stamp, default) or receive (when "
                        "the recorder received it; for a camera stamping on its own device "
                        "clock)")
    parser.add_argument("--max-clock-offset", type=float, default=1.0, metavar="SECONDS",
                        help="keep the header stamps of a camera (or gripper) topic up to this "
                        "far behind the states' clock (frames that arrived late: a slow link, a "
                        "queue; --stamps receive would pair them with later states); further "
                        "behind is refused as another clock (default 1, at least 1)")


def topics_from_args(args):
    """Return the ``BagTopics`` of :func:`add_topic_arguments`' options (candidates joined).

    ``--gripper-max-width`` not given: the default 0.08 m, which the bag's reading replaces by
    the opening its hand record gives when it reads that record's topic (:func:`read_bag`).

    Raises ``config.UsageError`` (status 2) for ``--no-gripper`` with ``--gripper-topic``
    (``BagTopics.gripper_conflict``) and for a value outside its range (``--max-clock-offset``).
    """
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.topic_choice import joined_topics

    changes = {name: value for name, value in (
        ("image", joined_topics(args.image_topic)), ("pose", joined_topics(args.pose_topic)),
        ("joint_states", joined_topics(args.joint_states_topic)),
        ("gripper", joined_topics(args.gripper_topic)),
        ("joint_prefix", args.joint_prefix), ("base_frame", args.base_frame),
        ("tcp_xyz", args.tcp_xyz), ("tcp_rpy", args.tcp_rpy),
        ("gripper_max_width", args.gripper_max_width),
    ) if value is not None and value != ""}
    topics = BagTopics(state_source=args.state_source, stamps=args.stamps,
                       no_gripper=args.no_gripper, max_clock_offset_s=args.max_clock_offset,
                       **changes)
    from vjepa_ros.recordings.bag_files import BagError

    try:  # the declared ranges, named by option: --max-clock-offset 0.5
        topics.check()
    except BagError as exc:
        from vjepa_ros.config import UsageError

        said = str(exc).replace("max_clock_offset_s", "--max-clock-offset", 1)
        said = said.replace("tcp_xyz", "--tcp-xyz", 1).replace("tcp_rpy", "--tcp-rpy", 1)
        said = width.width_option_error(said)  # as train words it
        raise UsageError(said) from None
    conflict = topics.gripper_conflict("--no-gripper", "--gripper-topic")
    if conflict:
        from vjepa_ros.config import UsageError

        raise UsageError(conflict)
    return topics


def read_bag(args, topics, copies=None):
    """Return (``args.bag``'s ``Recording``, ``topics`` with the opening its fingers were read at).

    ``topics``: :func:`topics_from_args`'; ``copies``: an earlier opening's ``TempCopies``
    (``read_recording``). ``--gripper-max-width`` not given: the opening the bag's hand record
    gives when the reading follows that record's topic, decided by the one reading on the
    topics it found holding fingers (``recorded_hand.opening_read``: a record it ignores sets
    no opening, review59t #3), else the default. Raises what ``read_recording`` raises.
    """
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(args.bag, topics, copies=copies,
                               recorded_opening=args.gripper_max_width is None)
    return recording, dataclasses.replace(topics, gripper_max_width=recording.gripper_max_width)
