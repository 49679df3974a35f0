"""One plan as the planner node publishes it on ``~/plan_report``: a documented JSON object.

The wire form of a :class:`~vjepa_ros.robot.plan_report.PlanReport`, built in this one place
(``PlanRecord.from_report``) and read back by tools (``PlanRecord.from_json``: ``vjepa-ros reach``,
a user's script). The message is ``std_msgs/String`` whose ``data`` is one JSON object with the
fields of :class:`PlanRecord` (units in the comments; README, planner node, ``~/plan_report``):
numbers stay numbers and vectors stay arrays, which ``diagnostic_msgs`` key/values (strings only)
would not give. ``schema`` names the layout; a field is only ever added under the same schema.
Non-finite numbers (the random baseline's energy) are written as ``null``: JSON has no NaN;
a vector with one is ``null`` as a whole (``finite_number``, ``finite_vector``: the one rule,
which ``/diagnostics`` follows with empty strings).

``/diagnostics`` shows the same plan's fate as ``last_plan`` through :func:`last_plan_text`.
ROS-free: no rclpy here.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import typing

import numpy as np

from vjepa_ros.robot.goal_axes import AXIS_NAMES
from vjepa_ros.robot.plan_report import PlanOutcome, PlanReport
from vjepa_ros.robot.refusal import RefusalKind

SCHEMA = "vjepa_ros/plan_report/1"
VECTOR_FIELDS = ("start_state", "first_action", "command")


def last_plan_text(report: PlanReport) -> str:
    """Say what became of a plan: its reason, "commanded", or "" before any plan."""
    return report.reason or ("commanded" if report.command is not None else "")


@dataclasses.dataclass
class PlanRecord:
    """One plan attempt of the planner node; see the module docstring for the transport.

    States and targets are [7]: x y z [m] in ``robot.base_frame``, roll pitch yaw [rad]
    (extrinsic xyz Euler), gripper closedness [0 = open, 1 = closed]. Actions are [7] deltas:
    dx dy dz [m], droll dpitch dyaw [rad], dgripper.
    """

    stamp: float | None  # [s] header stamp of the planned frame (node clock / sim time)
    outcome: str  # commanded | shadow | prepared | discarded | cancelled | refused
    refusal: str | None  # refused: no_goal | stale_inputs | invalid_state | safety | ...
    detail: str  # what became of the plan, one line (= /diagnostics last_plan)
    commanded: bool  # its safe target went to the arm
    start_state: list[float] | None  # [7] state planned from (async: the predicted start)
    predicted_start: bool  # async: planned from the predicted end of the running step
    first_action: list[float] | None  # [7] first planned action
    command: list[float] | None  # [7] safe target sent to the set-point stream (if commanded)
    energy: float | None  # final elite energy of the search (None: none or not finite)
    latency_s: float  # [s] encode + plan wall time
    frame_age_s: float | None  # [s] age of the planned frame when the plan finished (None:
    # no frame, or the clock went back past its stamp: plan_report.frame_age)
    mode: str  # control.mode: blocking | continuous | async
    phase: str  # session phase after the plan: shadow | idle | planning | moving | holding | ...
    goal_version: int  # goal id: bumped by every new goal (capture, ~/goal_image, parameters)
    enable_epoch: int  # bumped by every ~/enable call that changes enable; plan made in this one
    subgoal_index: int | None  # 0-based sub-goal planned toward (None: no goal)
    subgoal_count: int  # sub-goals in the goal sequence (0: no goal)
    commands_sent: int  # commands sent since start, this plan's included
    # Added later under the same schema: a reader takes the defaults when a planner omits them.
    subgoal_rule: str = ""  # goals.rule: steps | energy ("" without a goal)
    subgoal_steps_done: int = 0  # executed steps toward the active sub-goal, before this command
    subgoal_switch: dict | None = None  # the switch this command made: index, reason, step, energy
    # goals.axes subgoal: the axes ("x", "y", "z"; the model's frame under
    # control.model_frame_rpy_deg) this plan held still, delta 0 in every sample ([]: all searched)
    held_axes: list[str] = dataclasses.field(default_factory=list)
    schema: str = SCHEMA

    @classmethod
    def from_report(cls, report: PlanReport) -> PlanRecord:
        """Return the record of a finished plan step (``MPCSession.plan_step``'s report)."""
        return cls(
            stamp=report.frame_stamp,
            outcome=str(report.outcome) if report.outcome is not None else "",
            refusal=None if report.refusal is None else str(report.refusal),
            detail=last_plan_text(report),
            commanded=report.command is not None,
            start_state=finite_vector(report.start),
            predicted_start=bool(report.predicted_start),
            first_action=finite_vector(report.action),
            command=finite_vector(report.command),
            energy=finite_number(report.energy),
            latency_s=float(report.latency_s),
            frame_age_s=finite_number(report.frame_age_s),
            mode=report.mode,
            phase="" if report.phase is None else str(report.phase),
            goal_version=int(report.goal_version),
            enable_epoch=int(report.enable_epoch),
            subgoal_index=_active_index(report.subgoal),
            subgoal_count=0 if report.subgoal is None else int(report.subgoal.count),
            commands_sent=int(report.commands_sent),
            subgoal_rule="" if report.subgoal is None else report.subgoal.rule,
            subgoal_steps_done=0 if report.subgoal is None else int(report.subgoal.steps_done),
            subgoal_switch=_switch(report.subgoal),
            held_axes=[AXIS_NAMES[index] for index in report.held_axes],
        )

    def to_json(self) -> str:
        """Return the message text: one JSON object, keys in field order."""
        return json.dumps(dataclasses.asdict(self), allow_nan=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, topic: str = "~/plan_report") -> PlanRecord:
        """Parse a message's ``data``; ValueError (naming ``topic``) for anything else.

        Unknown keys are ignored (a newer planner may add fields); a missing one, another
        ``schema``, a vector that is not 7 numbers or an unknown outcome/refusal kind is refused.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{topic}: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ValueError(f"{topic}: expected a JSON object, got {type(data).__name__}")
        if data.get("schema") != SCHEMA:
            raise ValueError(f"{topic}: schema {data.get('schema')!r}, this tool reads "
                             f"{SCHEMA!r}: update vjepa_ros on one side")
        fields = dataclasses.fields(cls)
        missing = [f.name for f in fields
                   if f.name not in data and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise ValueError(f"{topic}: missing {', '.join(missing)}")
        for name, (kinds, nullable) in _json_types().items():
            value = data.get(name)
            if name not in data or (value is None and nullable):
                continue
            if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
                allowed = " or ".join(k.__name__ for k in kinds) + (" or null" if nullable else "")
                raise ValueError(f"{topic}: {name} must be {allowed}, got {value!r}")
        record = cls(**{f.name: data[f.name] for f in fields if f.name in data})
        for name in VECTOR_FIELDS:
            value = getattr(record, name)
            if value is not None and (not isinstance(value, list) or len(value) != 7 or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
                raise ValueError(f"{topic}: {name} must be 7 numbers or null, got {value!r}")
        outcomes = {str(o) for o in PlanOutcome}
        if record.outcome not in outcomes:
            raise ValueError(f"{topic}: outcome {record.outcome!r} is not one of "
                             f"{sorted(outcomes)}")
        if record.refusal is not None and record.refusal not in {str(k) for k in RefusalKind}:
            raise ValueError(f"{topic}: unknown refusal kind {record.refusal!r}")
        if any(axis not in AXIS_NAMES for axis in record.held_axes):
            raise ValueError(f"{topic}: held_axes must name axes of {list(AXIS_NAMES)}, got "
                             f"{record.held_axes!r}")
        return record

    @property
    def is_error(self) -> bool:
        """True for a planner or session fault (the planner stopped commanding)."""
        return self.refusal in (str(RefusalKind.PLANNER_ERROR), str(RefusalKind.INTERNAL_ERROR))


@functools.cache
def _json_types() -> dict[str, tuple[tuple[type, ...], bool]]:
    """Return field → (accepted JSON types, null allowed), from PlanRecord's annotations."""
    accepted = {float: (int, float), int: (int,), str: (str,), bool: (bool,), dict: (dict,)}
    types = {}
    for name, hint in typing.get_type_hints(PlanRecord).items():
        if name in VECTOR_FIELDS:
            continue
        if typing.get_origin(hint) is list:
            types[name] = ((list,), False)
            continue
        args = typing.get_args(hint) or (hint,)
        kind = next(arg for arg in args if arg is not type(None))
        types[name] = (accepted[kind], type(None) in args)
    return types


def _active_index(progress) -> int | None:
    """0-based sub-goal planned toward; None without goals or once all are done."""
    if progress is None or progress.index >= progress.count:
        return None
    return int(progress.index)


def _switch(progress) -> dict | None:
    switch = None if progress is None else progress.switch
    if switch is None:
        return None
    return {"index": int(switch.index), "reason": switch.reason, "step": int(switch.step),
            "energy": finite_number(switch.energy)}


def finite_vector(value) -> list[float] | None:
    """Return ``value`` ([7] array-like) as floats; None for none or one non-finite number."""
    if value is None:
        return None
    numbers = [float(v) for v in np.asarray(value, dtype=np.float64)]
    return numbers if all(math.isfinite(v) for v in numbers) else None


def finite_number(value) -> float | None:
    """Return ``value`` as a float; None for none or a non-finite number (NaN, ±inf)."""
    return None if value is None or not math.isfinite(value) else float(value)
