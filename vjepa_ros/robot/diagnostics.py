"""The planner's ``/diagnostics`` text, formatted from the session's typed status.

ROS-free (no rclpy), so ROS-free tools and tests read the same keys and messages the node
publishes: ``MPCSession.status()`` returns :func:`diagnostic_status` of its snapshot.
"""

from __future__ import annotations

from vjepa_ros.robot.goal_axes import AXIS_NAMES
from vjepa_ros.robot.input_ages import beyond
from vjepa_ros.robot.phase import Phase
from vjepa_ros.robot.plan_record import finite_number, finite_vector, last_plan_text
from vjepa_ros.robot.plan_report import SessionStatus
from vjepa_ros.robot.refusal import blocking_text

OK, WARN, ERROR = 0, 1, 2  # diagnostic_msgs/DiagnosticStatus levels


def subgoal_values(status: SessionStatus, shown: int = 3) -> dict:
    """Return the sub-goal keys: index (1-based or "done"), rule, switches, gripper source.

    ``held_axes``: under ``goals.axes`` subgoal, the axes the newest plan held still ("x, y";
    "none": all searched); "" under the published ``searched`` and before any plan.
    """
    progress, rule = status.subgoal, status.goal_switching
    held = [AXIS_NAMES[index] for index in status.last_report.held_axes]
    if progress is None:
        index = ""
    elif progress.index >= progress.count:
        index = f"done ({progress.count})"
    else:
        index = f"{progress.index + 1}/{progress.count}"
    return {
        "subgoal": index,
        "subgoal_rule": "" if rule is None else rule.describe(),
        "subgoal_switches": "; ".join(s.describe() for s in status.subgoal_switches[-shown:]),
        "gripper_source": "" if rule is None else rule.gripper,
        "held_axes": "" if rule is None or rule.axes != "subgoal" or
        status.last_report.outcome is None else ", ".join(held) or "none",
    }


def fixed(value: float | None, decimals: int) -> str:
    """Return ``value`` with ``decimals`` decimals; "" for none or a non-finite number.

    The rule of ``~/plan_report``'s null (``plan_record.finite_number``), for every number key.
    """
    number = finite_number(value)
    return "" if number is None else f"{number:.{decimals}f}"


def shown_state(status: SessionStatus) -> str:
    """Return the phase as diagnostics name it (``state``).

    ``holding``, not ``idle``, while enabled before a camera frame or a robot state ever came:
    the arm is held, not about to be planned for (user33).
    """
    never = status.image_age_s is None or status.state_age_s is None
    if status.phase == Phase.IDLE and status.enabled and never:
        return str(Phase.HOLDING)
    return str(status.phase)


def diagnostic_status(status: SessionStatus) -> dict:
    """Return {"level": 0|1|2, "message": str, "values": {key: str}} for ``/diagnostics``."""
    report = status.last_report
    refusal = status.refusal
    level = OK if refusal is None else (ERROR if refusal.is_error else WARN)
    values = {
        "state": shown_state(status),
        "enabled": str(status.enabled),
        "mode": status.mode,
        "goal": status.goal or "none",
        "energy": fixed(report.energy, 6),
        "planning_latency_s": fixed(report.latency_s, 3),
        "frame_age_s": fixed(status.image_age_s, 3),
        "state_age_s": fixed(status.state_age_s, 3),
        "planned_frame_age_s": fixed(report.frame_age_s, 3),
        "commands_sent": str(status.commands_sent),
        "frames_received": str(status.frames_received),
        "refusal": "" if refusal is None else refusal.detail,
        "refusal_kind": "" if refusal is None else str(refusal.kind),  # robot/refusal.RefusalKind
        "last_plan": last_plan_text(report),
        "last_action": " ".join(f"{v:+.4f}" for v in finite_vector(report.action) or ()),
        "camera_check": status.camera_check,
        "blocking": blocking_text(status.blocking),  # all of them; refusal: the one acted on
        "running_plan_s": fixed(status.running_plan_s, 3),
        "running_plan_frame_age_s": fixed(status.running_frame_age_s, 3),
    }
    values.update(subgoal_values(status))
    if refusal is not None:  # every reason, not only the one acted on (refusal)
        message = blocking_text(status.blocking) or refusal.detail
    elif status.camera_check_running:  # its moves are commanded, no goal is asked for
        message = f"camera check running: {status.camera_check}"
    else:
        message = "commanding" if status.enabled else "shadow mode (not enabled)"
    stalled = running_plan_problem(status)
    if stalled:  # sure to be discarded once it ends (a stuck plan: never ends)
        level = max(level, WARN)
        message = stalled if refusal is None and message == "commanding" else \
            f"{message}; {stalled}"
    return {"level": level, "message": message, "values": values}


def running_plan_problem(status: SessionStatus) -> str:
    """Return why the running plan will be discarded, or "" (none runs, or its frame is young).

    Its frame older than ``safety.max_plan_age_s`` (``status.max_plan_age_s`` [s]) now: the
    plan cannot be commanded whenever it ends (``stale_plan``), and a plan stuck for good never
    ends, so ``/diagnostics`` says it while it runs (breaker53j). Enabled only: shadow mode's
    plans command nothing and are published whatever their age.
    """
    age, limit = status.running_frame_age_s, status.max_plan_age_s
    if not status.enabled or status.running_plan_s is None or age is None or age <= limit:
        return ""
    return (f"a plan has run {status.running_plan_s:.1f} s on a camera frame "
            f"{beyond(age, limit, 1)} s old, older than safety.max_plan_age_s = {limit:g} s: "
            "it will be discarded when it ends; is the planner stalled or slower than that?")


def node_status(status: dict, refusals, *, silent: str = "", warn: bool = False,
                withheld=(), error: bool = False) -> dict:
    """Return the node's ``/diagnostics`` status: the session's with the node's own states in.

    ``status``: :func:`diagnostic_status`'s dict (its ``values`` may hold the node's keys too);
    ``refusals``: the node's own ``~/enable`` refusals, ``(RefusalKind, line)`` each, in order
    (a twin planner, a ``robot.base_frame`` naming another arm's link0): ERROR, their lines in
    ``refusal`` and the message, both when both, their first kind in ``refusal_kind`` unless
    the session's own refusal is an ERROR too (then its kind and words come first);
    ``silent``: the message naming silent inputs ("" when none: ``silent_inputs_message``),
    the message when nothing is refused; ``warn``: something else warns (silent inputs,
    another command publisher while enabled); ``withheld``: what of the commands is withheld
    while enabled, one line each (WARN, appended to the message); ``error``: one of them is an
    error (ERROR: the gripper's stop given up, ``GripperGoals.stop_error``). Returns a new
    ``{"level": 0|1|2, "message": str, "values": {key: str}}``; ``status`` is not changed.
    """
    values = dict(status["values"])
    refused = "; ".join(line for _, line in refusals)
    level = max(status["level"], ERROR if refused or error else
                WARN if warn or withheld else OK)
    # the kind and words of what sets the level (ERROR) first: the session's own, or the node's
    session_first = bool(status["level"] >= ERROR and values.get("refusal_kind"))
    if refused:
        lines = (values.get("refusal"), refused) if session_first else \
            (refused, values.get("refusal"))
        values["refusal"] = "; ".join(v for v in lines if v)
        values["refusal_kind"] = values["refusal_kind"] if session_first else \
            str(refusals[0][0])
    message = (f"{status['message']}; {refused}" if session_first else refused) if refused \
        else silent or status["message"]
    return {"level": level, "message": "; ".join([message, *withheld]), "values": values}
