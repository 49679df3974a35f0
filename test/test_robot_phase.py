"""Every phase × every event of the session's state machine, against a table written out here."""

import pytest

from vjepa_ros.robot.phase import TRANSITIONS, Event, Phase, next_phase, shown_phase

S, IDLE, P, M, H, C = (Phase.SHADOW, Phase.IDLE, Phase.PLANNING, Phase.MOVING, Phase.HOLDING,
                    Phase.CLOSED)
COLUMNS = (S, IDLE, P, M, H, C)
# Row: the event; columns: the phase before it (shadow, idle, planning, moving, holding, closed).
EXPECTED = {
    Event.ENABLE: (IDLE, IDLE, P, M, H, C),
    Event.DISABLE: (S, S, S, S, S, C),
    Event.PLAN_STARTED: (S, P, P, M, P, C),
    Event.PLAN_ENDED: (S, IDLE, IDLE, M, H, C),
    Event.COMMANDED: (S, M, M, M, M, C),
    Event.ARRIVED: (S, IDLE, P, IDLE, H, C),
    Event.HOLD: (S, H, H, H, H, C),
    Event.RESUME: (S, IDLE, P, M, IDLE, C),
    Event.CLOSE: (C, C, C, C, C, C),
}


@pytest.mark.parametrize("event", list(Event))
@pytest.mark.parametrize("phase", list(Phase))
def test_every_phase_and_event(phase, event):
    assert next_phase(phase, event) is EXPECTED[event][COLUMNS.index(phase)]


def test_the_table_covers_every_event_and_phase_and_names_only_real_changes():
    assert set(EXPECTED) == set(Event) and set(COLUMNS) == set(Phase)
    for (phase, event), after in TRANSITIONS.items():
        assert after is EXPECTED[event][COLUMNS.index(phase)]
    assert all(next_phase(Phase.CLOSED, event) is Phase.CLOSED for event in Event), "final"
    assert all(next_phase(Phase.SHADOW, event) is not Phase.MOVING for event in Event), \
        "shadow mode never starts a motion"


def test_phases_compare_equal_to_their_old_strings():
    assert Phase.MOVING == "moving" and str(Phase.HOLDING) == "holding"
    assert next_phase("shadow", "enable") == "idle"
    with pytest.raises(ValueError):
        next_phase("flying", Event.ENABLE)


@pytest.mark.parametrize("phase", list(Phase))
def test_the_shown_phase_follows_the_worker_at_rest(phase):
    """At rest (idle / planning) the worker's flag alone says planning; other phases stay."""
    at_rest = phase in (IDLE, P)
    assert shown_phase(phase, True) is (P if at_rest else phase)
    assert shown_phase(phase, False) is (IDLE if at_rest else phase)


def test_a_plan_begun_while_moving_is_shown_planning_after_the_arrival():
    """breaker53j: moving, a plan starts (table: still moving), the arm arrives (table: idle)."""
    phase = next_phase(next_phase(M, Event.PLAN_STARTED), Event.ARRIVED)
    assert phase is IDLE and shown_phase(phase, planning=True) is P
    for event in (Event.RESUME, Event.ENABLE):  # a hold lifted, an enable, mid-plan
        before = H if event is Event.RESUME else S
        assert shown_phase(next_phase(before, event), planning=True) is P
    assert shown_phase(next_phase(P, Event.DISABLE), planning=True) is S  # disabled mid-plan
    assert shown_phase(next_phase(M, Event.PLAN_ENDED), planning=False) is M  # ended moving
