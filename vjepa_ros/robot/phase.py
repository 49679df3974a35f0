"""The phases of an MPC session and every transition between them, in one table.

A session is in exactly one :class:`Phase`; only an :class:`Event` changes it, and only through
:func:`next_phase` (``TRANSITIONS``). A pair missing from the table leaves the phase as it is
(the event does not apply there: a command is never sent in shadow mode, an arrival while idle
changes nothing). ``test/test_robot_phase.py`` checks every phase × every event.

    shadow  --ENABLE-->  idle  --PLAN_STARTED-->  planning  --COMMANDED-->  moving
    moving  --ARRIVED--> idle;   any enabled phase --HOLD--> holding --RESUME--> idle
    any enabled phase --DISABLE--> shadow;   any phase --CLOSE--> closed (final)

Whether a plan runs has one source of truth, the planning worker (``MPCSession.planning``), not
this table: the phase a session shows is :func:`shown_phase` of the table's phase and that
flag. The table's PLANNING follows the worker only where its events see the plan start and end
(from idle or holding); a plan begun while moving, or still running after an arrival, a resume
or an enable (begun in shadow mode), leaves the table at ``idle`` while the worker plans
(breaker53j).
"""

from __future__ import annotations

import enum


class Phase(str, enum.Enum):
    """What the session is doing; a ``str`` enum, so ``Phase.MOVING == "moving"``."""

    SHADOW = "shadow"  # not enabled: plans, publishes actions and diagnostics, commands nothing
    IDLE = "idle"  # enabled, nothing executing: the next plan may start
    PLANNING = "planning"  # enabled, a plan runs while the arm stands still
    MOVING = "moving"  # enabled, a command executes (a plan may run meanwhile: continuous/async)
    HOLDING = "holding"  # enabled, refusing to command (stale inputs, no goal, fault)
    CLOSED = "closed"  # shut down for good: no plans, no commands

    def __str__(self) -> str:
        return self.value


class Event(str, enum.Enum):
    """What can happen to a session."""

    ENABLE = "enable"  # ~/enable true
    DISABLE = "disable"  # ~/enable false
    PLAN_STARTED = "plan_started"  # a plan on the worker thread begins
    PLAN_ENDED = "plan_ended"  # a plan ended without a command (shadow, cancelled, prepared)
    COMMANDED = "commanded"  # a safe target went to the set-point streamer
    ARRIVED = "arrived"  # the command finished (arrival, its timeout, or the stream reached it)
    HOLD = "hold"  # a refusal: stale or invalid inputs, no goal, planner or safety fault
    RESUME = "resume"  # the inputs that made the stream hold are fine again
    CLOSE = "close"  # shutdown

    def __str__(self) -> str:
        return self.value


ENABLED = (Phase.IDLE, Phase.PLANNING, Phase.MOVING, Phase.HOLDING)

TRANSITIONS: dict[tuple[Phase, Event], Phase] = {
    (Phase.SHADOW, Event.ENABLE): Phase.IDLE,
    **{(phase, Event.DISABLE): Phase.SHADOW for phase in ENABLED},
    **{(phase, Event.CLOSE): Phase.CLOSED for phase in Phase},
    (Phase.IDLE, Event.PLAN_STARTED): Phase.PLANNING,
    (Phase.HOLDING, Event.PLAN_STARTED): Phase.PLANNING,  # its inputs passed the checks
    (Phase.PLANNING, Event.PLAN_ENDED): Phase.IDLE,
    (Phase.IDLE, Event.COMMANDED): Phase.MOVING,
    (Phase.PLANNING, Event.COMMANDED): Phase.MOVING,
    (Phase.MOVING, Event.COMMANDED): Phase.MOVING,  # continuous: a newer target
    (Phase.HOLDING, Event.COMMANDED): Phase.MOVING,
    (Phase.MOVING, Event.ARRIVED): Phase.IDLE,
    (Phase.IDLE, Event.HOLD): Phase.HOLDING,
    (Phase.PLANNING, Event.HOLD): Phase.HOLDING,
    (Phase.MOVING, Event.HOLD): Phase.HOLDING,
    (Phase.HOLDING, Event.RESUME): Phase.IDLE,
}


def shown_phase(phase: Phase, planning: bool) -> Phase:
    """Return ``phase`` as the session shows it, told whether its worker runs a plan now.

    An enabled arm at rest (``idle`` / ``planning``) is ``planning`` exactly while the worker
    runs a plan, ``idle`` otherwise; every other phase is kept (``moving``: a plan may run
    meanwhile; ``holding``: refusing to command; ``shadow``, ``closed``).
    """
    phase = Phase(phase)
    if phase in (Phase.IDLE, Phase.PLANNING):
        return Phase.PLANNING if planning else Phase.IDLE
    return phase


def next_phase(phase: Phase, event: Event) -> Phase:
    """Return the phase after ``event`` in ``phase`` (``phase`` itself when it does not apply)."""
    return TRANSITIONS.get((Phase(phase), Event(event)), Phase(phase))
