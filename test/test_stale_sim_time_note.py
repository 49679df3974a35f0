"""mend56q: a stale line on the wall clock whose inputs steadily arrive late names simulated time.

A planner on a slow simulator without ``--use-sim-time`` printed flapping "robot state is stale:
0.33 s old (limit 0.25 s)" and camera-stale warnings with no advice until the simulator's own
pace warning ~11 s later (user56u). The input checks now note each input's lag behind the node
clock at arrival (``robot.arrival_lags``): off simulated time, an input that turns stale after
its last arrivals each lagged half its age limit or more, or whose frames come from the
simulator (``camera_advice``), gets the simulated-time fix in its one stale line, the same
wording for the whole episode; nothing else changes (the refusal, the hold).
"""

import pytest
from test_robot_mpc import START, frame, make_session, tiny_world_model

from vjepa_ros.robot.arrival_lags import LAG_COUNT, ArrivalLags
from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.refusal import RefusalKind

FIX = "--use-sim-time"
LAG_NOTE = "came stamped"  # in both lag notes: the simulator's and the clock sync's


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _session(model, on_sim_time=False, advice="", lag=0.0, frame_lag=0.0, clock_published=True):
    """Return an enabled session whose inputs came in shadow mode first, ``*lag`` [s] late.

    ``clock_published``: whether /clock has a publisher (a simulator runs).
    """
    session, clock, logs = make_session(model, max_image_age_s=0.5, max_state_age_s=0.25)
    session.on_sim_time = lambda: on_sim_time
    session.clock_published = lambda: clock_published
    session.camera_advice = lambda: advice
    for _ in range(LAG_COUNT):
        clock.now += 0.05
        session.observe_image(frame(0), clock.now - frame_lag)
        session.observe_state(START, clock.now - lag)
    session.set_goals([SubGoal(frame(1), 0)])
    session.set_enabled(True)
    logs.clear()
    return session, clock, logs


def _run(session, clock, seconds, state_lag, state_every=3, frame_lag=0.0):
    """Tick at 10 Hz; return the input refusals seen.

    A frame each tick, a state every ``state_every`` ticks, each stamped ``*_lag`` [s] behind
    the clock; plan and stream each tick.
    """
    refusals = []
    for tick in range(1, int(seconds * 10) + 1):
        clock.now += 0.1
        session.observe_image(frame(tick), clock.now - frame_lag)
        if tick % state_every == 0:
            session.observe_state(START, clock.now - state_lag)
        session.plan_step()
        session.stream_step()
        refusal = session._input_refusal(clock.now)
        if refusal is not None:
            refusals.append(refusal)
    return refusals


def _stale_lines(logs, what="robot state is stale"):
    return [message for level, message in logs if what in message and level == "warning"]


def test_a_state_steadily_late_on_the_wall_clock_names_simulated_time_once(model):
    session, clock, logs = _session(model, lag=0.15)
    refusals = _run(session, clock, 10, state_lag=0.15)  # a state every 0.3 s, 0.15 s late
    assert refusals and all(r.kind is RefusalKind.STALE_INPUTS for r in refusals)
    lines = _stale_lines(logs)
    assert lines and FIX in lines[0] and "0.15 s or more behind" in lines[0], lines
    assert "\n" not in lines[0]
    assert lines[0].endswith("rather than raising safety.max_state_age_s)"), lines
    assert "chrony" not in lines[0]
    # one wording for the flapping input: its lines are summarised, not said anew each flap
    assert len(lines) <= 2, lines


@pytest.mark.parametrize("state_lag, frame_lag, what, limit", [
    (0.15, 0.0, "robot state is stale", "safety.max_state_age_s"),
    (0.0, 0.6, "camera image is stale", "safety.max_image_age_s")])
def test_inputs_late_with_no_simulator_running_name_syncing_the_clocks(model, state_lag,
                                                                       frame_lag, what, limit):
    # no /clock publisher, no simulator's frames: a source on another computer's clock
    session, clock, logs = _session(model, lag=state_lag, frame_lag=frame_lag,
                                    clock_published=False)
    _run(session, clock, 10, state_lag=state_lag, state_every=1 if frame_lag else 3,
         frame_lag=frame_lag)
    lines = _stale_lines(logs, what)
    assert lines and "sync the clocks (chrony or PTP" in lines[0], lines
    assert FIX not in lines[0] and lines[0].endswith(f"rather than raising {limit})"), lines


def test_in_time_inputs_get_no_such_note_and_sim_time_its_own(model):
    session, clock, logs = _session(model)
    _run(session, clock, 5, state_lag=0.01, state_every=4)  # in time, sparse: stale all the same
    lines = _stale_lines(logs)
    assert lines and FIX not in " ".join(lines) and LAG_NOTE not in " ".join(lines), lines
    # fix59s: on simulated time a steady lag behind /clock names its causes there (user59u's
    # stale line on --use-sim-time had no advice), never the wall clock's fix
    session, clock, logs = _session(model, on_sim_time=True, lag=0.15)
    _run(session, clock, 5, state_lag=0.15)
    lines = _stale_lines(logs)
    assert lines and FIX not in " ".join(lines), lines
    assert "came stamped 0.15 s or more behind /clock (simulated time)" in lines[0], lines
    assert "this process takes them late" in lines[0] and "chrony" not in lines[0], lines
    assert lines[0].endswith("rather than raising safety.max_state_age_s)"), lines
    # in time on simulated time (a sparse state source): no note
    session, clock, logs = _session(model, on_sim_time=True)
    _run(session, clock, 5, state_lag=0.01, state_every=4)
    lines = _stale_lines(logs)
    assert lines and LAG_NOTE not in " ".join(lines), lines


def test_a_camera_from_the_simulator_names_its_advice_in_the_stale_line(model):
    advice = "the frames come from the simulator /sim_node, ...: run on simulated time"
    session, clock, logs = _session(model, advice=advice)
    _run(session, clock, 3, state_lag=0.01, state_every=4)
    lines = _stale_lines(logs)
    # the state's own age limit, not the camera's (mend56q's line named max_image_age_s)
    assert lines and f"{advice}, rather than raising safety.max_state_age_s" in lines[0], lines
    assert "max_image_age_s" not in lines[0], lines


def test_a_camera_frame_steadily_late_is_named_too(model):
    session, clock, logs = _session(model, frame_lag=0.6)
    _run(session, clock, 3, state_lag=0.0, state_every=1, frame_lag=0.6)
    lines = _stale_lines(logs, "camera image is stale")
    assert lines and "camera frames came stamped 0.60 s or more" in lines[0], lines
    assert len(lines) == 1, lines  # said once for the episode


def test_the_lag_rule():
    lags = ArrivalLags()
    lags.add(1, 0.13)
    for _ in range(LAG_COUNT - 2):
        lags.add(1, 0.2)
    assert lags.steady(1, 0.25) is None  # too few
    lags.add(1, 0.3)
    assert lags.steady(1, 0.25) == 0.13
    lags.add(1, 0.1)  # one in time (under half the limit): no steady lag
    assert lags.steady(1, 0.25) is None
    assert lags.steady(0, 0.25) is None  # the frames' own
    lags.add(0, float("nan"))
    assert lags.steady(0, 0.0) is None


def test_the_note_is_kept_for_the_stale_episode_without_reading_the_clock_again():
    lags, reads = ArrivalLags(), []

    def on_sim_time(value=False):
        reads.append(value)
        return value

    def note(stale, advice="", sim=False, simulated=True):
        return lags.note(1, 0.25, stale, lambda: advice, lambda: on_sim_time(sim),
                         lambda: simulated)

    assert note(True) == "" and reads == []  # no steady lag, no advice: nothing to ask
    for _ in range(LAG_COUNT):
        lags.add(1, 0.2)
    on_sim = note(True, sim=True)  # on simulated time: its own note (fix59s)
    assert "behind /clock" in on_sim and FIX not in on_sim and len(reads) == 1
    assert note(False) == ""  # fresh: the episode's note forgotten
    assert note(True, advice="the simulator's camera", sim=True) == on_sim  # no camera advice
    assert len(reads) == 2
    note(False)
    first = note(True)
    assert FIX in first and first.endswith("rather than raising safety.max_state_age_s")
    assert len(reads) == 3
    for _ in range(5):  # the episode keeps its wording, the clock parameter unread
        assert note(True, advice="other", simulated=False) == first
    assert len(reads) == 3
    assert note(False) == "" and len(reads) == 3  # fresh: forgotten
    assert "chrony" in note(True, simulated=False)  # a new episode, a new note
    assert note(True, advice="run on simulated time").startswith("each of the last")
    assert lags.note(0, 0.5, True, lambda: "run on simulated time", lambda: False,
                     lambda: True) == ("run on simulated time, rather than raising "
                                       "safety.max_image_age_s")  # the camera's advice wins
