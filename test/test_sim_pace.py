"""The simulator's pace: a simulation slower than real time on the wall clock is named, once.

A tester's simulator on a loaded 2-core machine ran at about half real time (a 640x480 camera at
4 Hz came at 2 Hz): its states were 0.28-0.45 s old (limit 0.25), frames 0.65-1.06 s (limit
0.5), ~/capture_goal was refused 27 times and nothing was commanded in 2 minutes. Nothing said
why, and the planner's only hint was to raise safety.max_image_age_s above 1.75 s (weakening a
safety limit), where the fix is simulated time (--use-sim-time).
"""

import pytest

from vjepa_ros.sim.pace import (
    SIM_TIME_FIX,
    WINDOW_S,
    PaceMeter,
    simulator_camera_advice,
)


def feed(meter, seconds, factor, start=(0.0, 0.0), step=1.0):
    """Feed ``meter`` ``seconds`` of wall time at ``factor``; return the warnings and the end."""
    wall, sim = start
    warnings = []
    for _ in range(int(seconds / step)):
        wall, sim = wall + step, sim + step * factor
        warnings.append(meter.check(wall, sim))
    return [w for w in warnings if w], (wall, sim)


def test_a_simulation_at_half_real_time_is_said_once_with_the_factor_and_the_fix():
    warnings, _ = feed(PaceMeter(1.0), 60, 0.5)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("the simulation runs at 0.50x real time (real_time_factor 1 "
                                  f"asked; measured over {WINDOW_S:g} s)")
    assert "--use-sim-time" in warnings[0] and SIM_TIME_FIX in warnings[0]
    assert "camera.width/height" in warnings[0]


def test_the_warning_names_the_factor_asked_and_a_lower_one_only_on_simulated_time():
    """A lower factor is a fix on simulated time only: on the wall clock sim_node takes 1 alone.

    (breaker60e: a factor other than 1 on wall-clock stamps stamps the ticks 1/factor apart, so
    the warning's old advice, "ask for a lower real_time_factor", led to a refused start.)
    """
    (warning,), _ = feed(PaceMeter(100.0), 30, 5.0)
    assert "real_time_factor 100 asked" in warning and "too busy" not in warning
    assert "ask for a lower real_time_factor" not in warning
    assert f"{SIM_TIME_FIX} (there a real_time_factor below 1 also paces it" in warning
    assert "on the wall clock only 1 is taken" in warning


def test_real_time_and_a_short_stall_say_nothing():
    meter = PaceMeter(1.0)
    warnings, end = feed(meter, 30, 1.0)
    assert not warnings
    assert meter.factor() == pytest.approx(1.0)
    warnings, end = feed(meter, 1, 0.0, start=end)  # one stalled second of ten: 0.9
    assert not warnings
    assert not feed(PaceMeter(1.0), WINDOW_S - 1, 0.1)[0], "less than a window: no verdict"


def test_a_new_slow_stretch_after_a_recovery_is_said_again():
    meter = PaceMeter(2.0)  # twice real time asked
    first, end = feed(meter, 30, 1.0)
    recovered, end = feed(meter, 30, 2.0, start=end)
    again, _ = feed(meter, 30, 0.8, start=end)
    assert len(first) == 1 and "1.00x" in first[0] and "real_time_factor 2 asked" in first[0]
    assert not recovered
    assert len(again) == 1 and "the simulation runs at 1.5" in again[0]  # said on the way down
    assert meter.factor() == pytest.approx(0.8)


@pytest.mark.parametrize("publishers, on_sim_time, named", [
    (["/sim_node"], False, "/sim_node"),
    (["/robot/sim_node", "/bag_player"], False, "/robot/sim_node"),
    (["/sim_node"], True, ""),  # ages count simulated seconds already
    (["/camera/camera"], False, ""),  # a real camera: raise the limit or the frame rate
    (["/lab/sim_node"], False, ""),  # a user's own node of that name: no simulator of ours
    ([], False, ""),
])
def test_the_planner_names_simulated_time_only_for_a_simulator_on_the_wall_clock(
        publishers, on_sim_time, named):
    simulators = {"/sim_node", "/robot/sim_node"}  # those advertising SIMULATOR_SERVICE
    advice = simulator_camera_advice(publishers, simulators, on_sim_time)
    if not named:
        assert advice == ""
        return
    assert advice.startswith(f"the frames come from the simulator {named}, which runs slower")
    # each input's line ends it with its own age limit (arrival_lags.rather_than_raising)
    assert advice.endswith(SIM_TIME_FIX) and "age_s" not in advice
