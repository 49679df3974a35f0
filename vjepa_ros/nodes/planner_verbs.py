"""The verbs of ``vjepa-ros planner``: each calls the planner node's real interface once.

Services (``std_srvs``): ``~/enable`` (SetBool), ``~/capture_goal``, ``~/add_subgoal``,
``~/clear_goals``, ``~/camera_check`` (Trigger); parameters through rcl's
``~/describe_parameters``, ``~/get_parameters``, ``~/set_parameters``(``_atomically``) and
``~/list_parameters``; ``goal-pose`` publishes a ``geometry_msgs/PoseStamped`` on the
simulator's ``goal_pose`` (docs/planner_node.md). Each returns the exit status: 0 the node did it,
1 it refused or did not answer (:class:`~vjepa_ros.nodes.planner_client.ClientError`); a
value the command line cannot give is a :class:`~vjepa_ros.config.UsageError` (2). rclpy and
the message packages are imported inside the functions.
"""

from __future__ import annotations

import difflib
import sys

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.planner_client import ClientError, PlannerClient
from vjepa_ros.robot.goal_words import (
    REFUSED,
    WARN,
    file_word,
    goal_lines,
    image_word,
)

ANSWER_S = 60.0  # a service's answer: the node answers at once unless its executor is stuck
MAX_LINES = 4  # the planner's lines on a goal printed
CAMERA_CHECK_S = 300.0  # ~/camera_check answers when done: 1-2 min (docs/planner_node.md)
TRIGGERS = {"capture-goal": "capture_goal", "add-subgoal": "add_subgoal",
            "clear-goals": "clear_goals", "camera-check": "camera_check"}


def answered(prog: str, client: PlannerClient, success: bool, message: str) -> int:
    """Print the node's answer: its message on stdout (0), or a refusal on stderr (1)."""
    if success:
        print(message or "done")
        return 0
    print(f"{prog}: {client.target} refused: {message}", file=sys.stderr)
    return 1


def enable(prog: str, client: PlannerClient, on: bool) -> int:
    """Call ``~/enable`` with ``on``; print its answer."""
    from std_srvs.srv import SetBool

    response = client.call(SetBool, "enable", SetBool.Request(data=on), ANSWER_S)
    return answered(prog, client, response.success, response.message)


def trigger(prog: str, client: PlannerClient, verb: str) -> int:
    """Call the Trigger service of ``verb`` (:data:`TRIGGERS`); print its answer."""
    from std_srvs.srv import Trigger

    wait = CAMERA_CHECK_S if verb == "camera-check" else ANSWER_S
    response = client.call(Trigger, TRIGGERS[verb], Trigger.Request(), wait)
    return answered(prog, client, response.success, response.message)


# parameters ------------------------------------------------------------------------------
def _parameter_types(client: PlannerClient, names: list[str]) -> dict[str, int]:
    """Return each parameter's declared type code; UsageError naming an unknown one."""
    from rcl_interfaces.srv import DescribeParameters, ListParameters

    response = client.call(DescribeParameters, "describe_parameters",
                           DescribeParameters.Request(names=names), ANSWER_S)
    if len(response.descriptors) == len(names):
        return {name: d.type for name, d in zip(names, response.descriptors, strict=True)}
    known = client.call(ListParameters, "list_parameters", ListParameters.Request(),
                        ANSWER_S).result.names
    unknown = [name for name in names if name not in known]
    closest = difflib.get_close_matches(unknown[0], known, n=3, cutoff=0.6) if unknown else []
    hint = f" (closest: {', '.join(closest)})" if closest else \
        " (vjepa-ros planner param list names them)"
    raise UsageError(f"{client.target} has no parameter '{unknown[0] if unknown else names[0]}'"
                     f"{hint}")


def param_list(prog: str, client: PlannerClient) -> int:
    """Print the node's parameter names, one a line."""
    from rcl_interfaces.srv import ListParameters

    del prog
    names = client.call(ListParameters, "list_parameters", ListParameters.Request(),
                        ANSWER_S).result.names
    print("\n".join(sorted(names)))
    return 0


def param_get(prog: str, client: PlannerClient, names: list[str]) -> int:
    """Print ``NAME: VALUE`` for each parameter (``param_text.value_text``: ``-p NAME:=``'s).

    A parameter without a value is printed as declared: an array ``[]``, else ``(not set)``.
    """
    from rcl_interfaces.srv import GetParameters
    from rclpy.parameter import parameter_value_to_python

    from vjepa_ros.nodes.param_text import value_text

    del prog
    types = _parameter_types(client, names)  # an unknown name: one line, the closest names
    values = client.call(GetParameters, "get_parameters", GetParameters.Request(names=names),
                         ANSWER_S).values
    for name, value in zip(names, values, strict=True):
        print(f"{name}: {value_text(parameter_value_to_python(value), types[name])}")
    return 0


def param_set(prog: str, client: PlannerClient, pairs: list[tuple[str, str]]) -> int:
    """Set each ``(NAME, VALUE text)``, read as its declared type, in one atomic call.

    A goal parameter (``robot.planner_config.GOAL_PARAMETERS``) set is answered before the
    node applies it (goal files decode after the answer); the node's published state then
    decides (:func:`goal_values_outcome`): 0 once the values are in force, 1 with the node's
    reason when it did not apply them, at any log level of the node; its warning on a value
    that does nothing (``goal_gripper`` under ``goals.gripper`` planned) printed either way.
    """
    from vjepa_ros.nodes.param_text import parameter_value
    from vjepa_ros.robot.planner_config import GOAL_PARAMETERS  # (numpy: not at import)

    types = _parameter_types(client, [name for name, _ in pairs])
    values = {name: parameter_value(name, text, types[name]) for name, text in pairs}
    if not set(values) & set(GOAL_PARAMETERS):
        return set_parameters(prog, client, values, types)
    from vjepa_ros.nodes.goal_state import GoalState

    files = {name: values[name] for name in ("goal_image_path", "goal_image_paths")
             if values.get(name)}
    state = GoalState(client, files)
    try:
        status = set_parameters(prog, client, values, types)
        state.set_answered()
        return status or goal_values_outcome(prog, client, state)
    finally:
        state.close()


def goal_values_outcome(prog: str, client: PlannerClient, state) -> int:
    """Wait for the node's state on goal values it took (``goal_state.GoalState``); the status.

    0, printing the goal in force, once it shows them applied; 1 when it did not apply them,
    printing its line (``goal not changed yet: ...`` for goal lists that disagree, the refusal
    of a file its decode refused) or the value a file parameter holds again; 1 when its state
    told nothing in :data:`ANSWER_S`. The node's warnings on values that do nothing
    (``GoalState.idle``) are printed first and decide nothing: the value is stored, as a
    parameter file's is at start-up with the same warning (docs/cli.md).
    """
    client.spin_until(state.word, ANSWER_S)
    word = state.word()
    for line in state.idle_lines([]):
        print(line)
    if word == REFUSED:
        return not_taken(prog, client, state, "goal values")
    if word is not None:
        print(f"goal: {state.goal}")
        return 0
    print(f"{prog}: {client.target}'s /diagnostics told nothing of the goal values in "
          f"{ANSWER_S:g} s: vjepa-ros planner status shows what it does", file=sys.stderr)
    return 1


def set_parameters(prog: str, client: PlannerClient, values: dict, types: dict,
                   said: set[str] | None = None) -> int:
    """Set ``values`` (name -> Python value of type code ``types[name]``); print the answer.

    One parameter: ``~/set_parameters``; several: ``~/set_parameters_atomically`` (all or none).
    ``said``: the parameter the success line names (default: all of them).
    """
    from rcl_interfaces.srv import SetParameters, SetParametersAtomically
    from rclpy.parameter import Parameter

    from vjepa_ros.ros_values import ros_arg_value

    messages = [Parameter(name, Parameter.Type(types[name]), value).to_parameter_msg()
                for name, value in values.items()]
    if len(messages) == 1:
        (result,) = client.call(SetParameters, "set_parameters",
                                SetParameters.Request(parameters=messages), ANSWER_S).results
    else:
        result = client.call(SetParametersAtomically, "set_parameters_atomically",
                             SetParametersAtomically.Request(parameters=messages),
                             ANSWER_S).result
    said = ", ".join(f"{name} = {ros_arg_value(value)}" for name, value in values.items()
                     if said is None or name in said)
    if not result.successful:
        return answered(prog, client, False, result.reason or f"{said} not taken")
    return answered(prog, client, True, f"set {said}")  # (rclpy drops a success's reason)


def not_taken(prog: str, client: PlannerClient, state, what: str) -> int:
    """Print why the node's state (``goal_state.GoalState``) says it did not take ``what``; 1.

    Its ``goal_not_applied`` line on stdout, else the value a file parameter holds again.
    """
    if state.line:
        print(state.line)
    why = "its line above" if state.line else ", ".join(
        f"its {name} is {held!r} again" for name, held in state.held.items()) + \
        " (the planner sets it back when it refuses a file, or another goal replaced them)"
    print(f"{prog}: {client.target} did not take the {what}: {why}; vjepa-ros planner param get "
          "shows the values it holds", file=sys.stderr)
    return 1


def goal_image(prog: str, client: PlannerClient, files: list[str], steps: list[int],
               grippers: list[float] | None = None) -> int:
    """Make the goal image file(s) the planner's goal, replacing any goal it has.

    ``files``: absolute paths (``planner_cli.goal_files_missing`` made them so: the node reads
    a relative one from its own working directory). One file without ``steps``:
    ``goal_image_path``; else the sub-goal list ``goal_image_paths`` with ``goal_steps`` (one
    count per file; none: the node's ``goals.default_steps``). ``grippers``: ``goal_gripper``,
    one closedness 0..1 per file; None: the node's ``goal_gripper`` kept when it holds one per
    file (set for these files beforehand, as under ``goals.gripper`` subgoal), else emptied.
    The other goal parameters are emptied in the same atomic call, so that the files replace a
    goal the other parameter set instead of being refused for it. Then waits for the planner's
    word (:func:`goal_outcome`): 0 once it took the files, 1 when it did not.
    """
    from vjepa_ros.nodes.param_text import DOUBLE_ARRAY, INTEGER_ARRAY, STRING, STRING_ARRAY

    one = len(files) == 1 and not steps
    if grippers is None:
        grippers = _fitting_grippers(client, len(files))
    values = {"goal_image_path": files[0] if one else "",
              "goal_image_paths": [] if one else list(files),
              "goal_steps": list(steps), "goal_gripper": list(grippers)}
    types = {"goal_image_path": STRING, "goal_image_paths": STRING_ARRAY,
             "goal_steps": INTEGER_ARRAY, "goal_gripper": DOUBLE_ARRAY}
    from vjepa_ros.nodes.goal_state import GoalState

    logs = client.node_logs({logger_name(client.target)})
    said = {"goal_image_path"} if one else {"goal_image_paths", *(["goal_steps"] if steps
                                                                   else [])}
    parameter = "goal_image_path" if one else "goal_image_paths"
    state = GoalState(client, {parameter: values[parameter]})
    try:
        status = set_parameters(prog, client, values, types,
                                said=said | ({"goal_gripper"} if grippers else set()))
        state.set_answered()
        return status or goal_outcome(prog, client, logs, parameter, files[0], state)
    finally:
        state.close()


def _outside_box(client: PlannerClient, position: list[float]) -> str:
    """Return why goal ``position`` [m] lies outside the planner's workspace box, or "".

    The box is the node's ``safety.workspace_min`` / ``workspace_max``, asked of it
    (``nodes/goal_pose_box.py``; a node without them: "").
    """
    from rcl_interfaces.srv import GetParameters
    from rclpy.parameter import parameter_value_to_python

    from vjepa_ros.nodes.goal_pose_box import outside_box_refusal

    names = ["safety.workspace_min", "safety.workspace_max"]
    values = client.call(GetParameters, "get_parameters", GetParameters.Request(names=names),
                         ANSWER_S).values
    low, high = (list(parameter_value_to_python(value) or []) for value in values)
    return outside_box_refusal(position, low, high)


def _fitting_grippers(client: PlannerClient, count: int) -> list[float]:
    """Return the node's ``goal_gripper`` if it holds ``count`` entries, else []."""
    from rcl_interfaces.srv import GetParameters
    from rclpy.parameter import parameter_value_to_python

    (value,) = client.call(GetParameters, "get_parameters",
                           GetParameters.Request(names=["goal_gripper"]), ANSWER_S).values
    grippers = list(parameter_value_to_python(value) or [])
    return grippers if len(grippers) == count else []


def goal_outcome(prog: str, client: PlannerClient, logs: list, parameter: str,
                 first: str, state=None) -> int:
    """Wait for the planner's word on goal files set; print its lines; return the status.

    ``logs``: :meth:`PlannerClient.node_logs` of the planner, gathered since before the set;
    ``parameter``: the file parameter set; ``first``: its first file. The planner's lines about
    these files decide, each told by its form (:func:`~vjepa_ros.robot.goal_words.file_word`):
    0 once it took the files (``new goal: goal 1/N (FILE)``) or keeps them (``PARAMETER set to
    its value in force, its files unchanged ...: no goal change``); 1 when it says it did not
    (lists that disagree, ``goal not changed yet: ...``; a file the decode refuses, ``...
    not applied: ...``), or says nothing in :data:`ANSWER_S` and its ``/diagnostics`` goal does
    not name the file. Its warnings (the image's size, its framing, another input's) are
    printed either way and decide nothing. ``state``: a ``goal_state.GoalState`` made before
    the set: the node's published state decides as soon as it tells (the files in force, its
    ``goal_not_applied`` line, or the file parameter set back: :func:`not_taken`), whatever log
    level the planner runs at (``--log-level planner:=warn`` publishes no ``new goal`` line;
    files already in force, past sub-goal 1, are said as ``the goal in force: ...``).
    """
    from vjepa_ros.nodes.planner_watch import planner_goal_text

    def word() -> list:
        return [(level, line) for level, line in logs
                if file_word(level, line, parameter, first) is not None]

    client.spin_until(lambda: bool(word() or (state is not None and state.word())), ANSWER_S)
    told = None if state is None else state.word()  # the node's state's word, once it told
    decided = word()[:1]  # the planner's first word decides: printed whatever came before it
    shown = [said for said in logs if said[0] >= WARN or said in decided][:MAX_LINES]
    printed = [line for _, line in shown + [said for said in decided if said not in shown]]
    idle = [] if state is None else state.idle_lines(printed)  # (its level may drop them)
    for line in printed + idle:
        print(line)
    if any(file_word(level, line, parameter, first) == REFUSED for level, line in decided):
        print(f"{prog}: {client.target} did not take the goal files (its line above)",
              file=sys.stderr)
        return 1
    if not decided and told == REFUSED:  # no line on them at its log level (yet): its state
        return not_taken(prog, client, state, "goal files")
    if not decided and told:  # in force, said by its /diagnostics goal
        files = state.files[parameter]
        count = len(files) if isinstance(files, list) else 1
        new = state.goal.startswith(f"goal 1/{count} ({first})")
        print(f"{'new goal' if new else 'the goal in force'}: {state.goal} (the planner's "
              "/diagnostics goal: its log level publishes no INFO line)")
        return 0
    if decided or f"({first})" in planner_goal_text(client, 3.0):
        return 0
    print(f"{prog}: {client.target} said nothing of the goal files in {ANSWER_S:g} s and its "
          "status names another goal: vjepa-ros planner status shows what it does",
          file=sys.stderr)
    return 1


def logger_name(node: str) -> str:
    """Return node ``node``'s logger name as ``/rosout`` says it (``/arm1/x``: ``arm1.x``)."""
    return node.strip("/").replace("/", ".")


# goal pose -------------------------------------------------------------------------------
def goal_pose(prog: str, client: PlannerClient, position: list[float], rpy: list[float] | None,
              frame: str, topic: str) -> int:
    """Publish a goal pose to the simulator and wait until its goal image reaches the planner.

    ``rpy``: roll pitch yaw [rad], extrinsic x-y-z (``~/plan_report``'s convention); None: the
    hand pointing down (quaternion x 1, w 0, README's). Prints the simulator's line on the
    image and the planner's on the goal (their ``/rosout`` logs); exit 0 once the image came on
    the planner's ``~/goal_image`` and the planner took it, 1 (nothing sent) for a pose outside
    the planner's workspace box (``nodes/goal_pose_box.py``), 1 when the simulator refused the
    pose (its warning) or the planner did not take the image (its first line on the image, told
    by its form: :func:`~vjepa_ros.robot.goal_words.image_word`; another warning, such as the
    image's size or another input's, decides nothing).
    """
    from geometry_msgs.msg import PoseStamped
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image

    client.call_ready("enable")  # no planner: the one-line answer first
    outside = _outside_box(client, position)  # a goal it never reaches: not sent (user62 #3)
    if outside:
        raise ClientError(outside)
    goal_topic = f"{client.target}/goal_image"
    images: list = []
    sub = client.node.create_subscription(Image, goal_topic, images.append, QoSProfile(
        depth=1, reliability=ReliabilityPolicy.RELIABLE))
    pub = client.node.create_publisher(PoseStamped, topic, 10)
    client.wait_for_subscriber(pub, topic, "the simulator renders a goal pose's image (vjepa-ros "
                               "launch --node sim); on a real arm give a goal image "
                               "(vjepa-ros planner goal-image FILE) or capture-goal")
    if not client.spin_until(lambda: sub.get_publisher_count() > 0, client.timeout_s):
        raise ClientError(f"no node publishes on {goal_topic}: the simulator's goal images do "
                          "not reach the planner (vjepa-ros launch --node sim wires them; ros2 "
                          f"run sim_node: -r goal_image:={goal_topic})")
    pose = PoseStamped()
    pose.header.frame_id = frame
    pose.header.stamp = client.node.get_clock().now().to_msg()
    p, o = pose.pose.position, pose.pose.orientation
    p.x, p.y, p.z = position
    o.x, o.y, o.z, o.w = _quaternion(rpy)
    sim_logs = client.node_logs(client.logger_names(topic))
    planner_logs = client.node_logs({logger_name(client.target)})
    pub.publish(pose)
    refused = lambda: [line for level, line in sim_logs if level >= WARN]  # noqa: E731
    if not client.spin_until(lambda: images or refused(), ANSWER_S):
        raise ClientError(f"no goal image came on {goal_topic} in {ANSWER_S:g} s after the pose "
                          f"on {topic}: the simulator refused the pose or is stuck (its log "
                          "says why)")
    if not images:
        raise ClientError(f"{refused()[0]} (the goal pose on {topic}: nothing sent to the "
                          "planner)")
    said = lambda: goal_lines(planner_logs)  # noqa: E731
    words = lambda: [word for word in (image_word(level, line, goal_topic)  # noqa: E731
                                       for level, line in planner_logs) if word]
    client.spin_until(lambda: words() and sim_logs, 5.0)  # the planner's word on the image
    for _, line in sim_logs[:1] + said()[:MAX_LINES]:
        print(line)
    if not said():
        print(f"goal image sent to {goal_topic}; the planner said nothing of it in 5 s "
              "(vjepa-ros planner status shows its goal)")
    # a warning may come with a goal taken (its size, a sub-goal list replaced): only the
    # planner's first word on this image decides (goal_words.image_word: a copy re-sent, an
    # image the goal rules refuse), not a warning about another input
    return 1 if words()[:1] == [REFUSED] else 0


def _quaternion(rpy: list[float] | None) -> tuple[float, float, float, float]:
    """Return (x, y, z, w) of extrinsic x-y-z ``rpy`` [rad]; None: (1, 0, 0, 0), hand down."""
    if rpy is None:
        return 1.0, 0.0, 0.0, 0.0
    from scipy.spatial.transform import Rotation

    return tuple(float(v) for v in Rotation.from_euler("xyz", rpy).as_quat())
