"""How old an input may be: the package's one freshness test and its refusals' words.

:func:`age_problem` (a camera image's or robot state's age against its limit, both directions,
naming a clock problem plainly), :func:`input_problem` (both inputs, ``SafetyLimits``' limits:
the safety filter's first check), :func:`plan_age_problem` (a plan's frame at command time) and
:func:`beyond` (a value written so it reads beyond its limit, :func:`seconds` the limit).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vjepa_ros.robot.safety import SafetyLimits

# An input further off the node clock than this [s] is not late or early: it is stamped on another
# clock (sim time against wall time: about 1.8e9 s apart), and the refusal says so.
OTHER_CLOCK_S = 86400.0
# [s] 2001-09-09 on the wall clock (seconds since 1970): a simulated clock (seconds since its
# simulator started) never reaches it, so a clock above it is the wall clock (or a bag's record)
WALL_CLOCK_S = 1e9
# [s] a node clock below this may be a simulator's that started again (its first frame is
# stamped 0 legitimately: user31), not a driver that leaves header.stamp 0
SIM_START_S = 60.0


def seconds(value: float, digits: int = 2) -> str:
    """``value`` [s] with ``digits`` decimals, a third where its milliseconds need it.

    0.5 is "0.50", 0.125 "0.125", 10.2 "10.20" (``digits`` 2); a value under 1 ms (not 0) with
    3 significant digits, "0.0005". The limits' form in the refusals.
    """
    if math.isfinite(value) and 0 < abs(value) < 1e-3:
        return f"{value:.3g}"
    text = f"{value:.{max(digits, 3)}f}"
    while text.endswith("0") and len(text.partition(".")[2]) > digits:
        text = text[:-1]
    return text


def beyond(value: float, limit: float, digits: int = 2) -> str:
    """``value`` written so that it reads beyond ``limit``: its decimals, or "just over" the limit.

    For a ``value`` over ``limit`` (both in seconds) shown beside the limit: ``digits`` decimals,
    a third (milliseconds) when those read as the limit or under it: 0.503 against 0.5 is
    "0.503", never "0.50". Closer than that: "just over LIMIT" (LIMIT as :func:`seconds` writes
    it), never "0.250000000" against 0.25. A value not beyond the limit, or not finite, with
    ``digits`` decimals.
    """
    for decimals in range(digits, max(digits, 3) + 1):
        text = f"{value:.{decimals}f}"
        if not math.isfinite(value) or abs(float(text)) > abs(limit) or \
                abs(value) <= abs(limit):
            return text
    return f"just over {seconds(abs(limit), digits)}"


def age_problem(what: str, age: float | None, limit: float, now: float | None = None) -> str:
    """Why the newest ``what`` ("camera image", "robot state") may not be used ("" when it may).

    ``age`` [s] is node clock − its ``header.stamp`` (None: none received yet); ``limit`` [s] the
    largest age, in both directions (a stamp more than ``limit`` ahead of the clock is refused
    too). The one freshness test of the package: the safety filter, the hold of the planning
    loop and the goal captures (``~/capture_goal``, ``~/add_subgoal``) all ask it. With ``now``
    (the node clock [s]) a refusal names a clock problem plainly: a node clock of 0 (sim time
    without /clock), a ``header.stamp`` of 0 (an unstamped driver), an offset beyond
    :data:`OTHER_CLOCK_S` (stamps of another clock).
    """
    if age is None:
        return f"no {what} received yet"
    if not math.isfinite(age):
        return f"{what} is stale: {age:.2f} s old (limit {seconds(limit)} s)"  # nan, inf
    if abs(age) <= limit:
        return ""
    hint = "" if now is None else clock_hint(what, age, now)
    if hint:
        return hint
    if age > limit:
        return f"{what} is stale: {beyond(age, limit)} s old (limit {seconds(limit)} s)"
    return (f"{what} stamp lies {beyond(-age, limit)} s in the future (limit {seconds(limit)} s; "
            "clock mismatch?)")


def clock_hint(what: str, age: float, now: float) -> str:
    """Name the clock problem behind an ``age`` [s] far off at node clock ``now`` [s], or ""."""
    if now == 0.0:
        return (f"{what} cannot be timed: the node clock reads 0 s: use_sim_time is true but no "
                "/clock has arrived; start what publishes /clock (the simulator, ros2 bag play "
                "--clock) or set use_sim_time false")
    if abs(now - age) < 1e-9 and now > SIM_START_S:  # a simulator's first stamps are near 0
        return (f"{what} header.stamp is 0: its driver does not stamp the messages; make the "
                "driver fill header.stamp (its timestamp option)")
    if abs(age) > OTHER_CLOCK_S:
        side = "behind" if age > 0 else "ahead of"
        return (f"{what} is stamped {abs(age):.0f} s {side} the node clock: "
                f"{clock_sources(now - age, now)}")
    return ""


def clock_sources(stamp: float, now: float) -> str:
    """Say which clock the node and the messages (``stamp`` [s]) run on, and what to set.

    ``now`` [s]: the node clock, more than :data:`OTHER_CLOCK_S` from ``stamp``. A clock at or
    above :data:`WALL_CLOCK_S` is the wall clock, one below a simulated clock (fix61u #5: after
    ``use_sim_time false`` beside the simulator the stale line blamed a slow simulator).
    """
    if now >= WALL_CLOCK_S > stamp:
        return ("this node runs on the wall clock (use_sim_time false) and the messages are "
                f"stamped on simulated time ({stamp:.0f} s: their publisher runs on /clock, "
                "the simulator or ros2 bag play --clock); set use_sim_time true on this node "
                "(vjepa-ros planner param set use_sim_time true)")
    if stamp >= WALL_CLOCK_S > now:
        return (f"this node runs on simulated time (use_sim_time true, /clock at {now:.0f} s) "
                "and the messages are stamped on the wall clock; set use_sim_time false on "
                "this node, or run their publisher on /clock too (the simulator: "
                "publish_clock true)")
    return ("the messages are stamped on another clock (another computer's clock days off, "
            "or a bag's recorded stamps played without --clock); sync the clocks, or play the "
            "bag with --clock and set use_sim_time true")


def input_problem(image_age: float | None, state_age: float | None, limits: SafetyLimits,
                  now: float | None = None) -> str:
    """Return why the inputs are too old or missing to command from, or "" when they are fine.

    ``now``: the node clock [s], for refusals that name a clock problem (:func:`age_problem`).
    """
    return (age_problem("camera image", image_age, limits.max_image_age_s, now)
            or age_problem("robot state", state_age, limits.max_state_age_s, now))


def plan_age_problem(frame_age_s: float, limits: SafetyLimits) -> str:
    """Return why a plan from a frame ``frame_age_s`` [s] old may not be commanded, or "".

    ``frame_age_s`` is node clock − when the planned frame was taken at command time (the
    earlier of its ``header.stamp`` and its receipt: ``inputs.Stamped.taken``); a non-finite
    age is a problem too (a clock that jumped).
    """
    if math.isfinite(frame_age_s) and frame_age_s <= limits.max_plan_age_s:
        return ""
    age = beyond(frame_age_s, limits.max_plan_age_s, 1)
    return (f"plan too old: its camera frame is {age} s old at command time (limit "
            f"safety.max_plan_age_s = {limits.max_plan_age_s:g} s; was the process stalled or "
            "the planner slower than that?): plan discarded, planning on a fresh frame")
