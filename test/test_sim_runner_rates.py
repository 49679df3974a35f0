"""SimRunner's camera keeps its rate: frame n is due at n / camera_rate_hz, a faster one refused.

The next frame was scheduled one period after the tick that rendered, so 25 Hz on 60 Hz ticks
gave 20 Hz; a rate above the ticks was silently the tick rate.
"""

import pytest

from vjepa_ros.sim.runner import RunnerConfig, check_rates

pytest.importorskip("pybullet", reason="the simulator needs pybullet")


@pytest.fixture(scope="module")
def make_runner():
    from vjepa_ros.sim.config import CameraConfig, SceneConfig, SimConfig
    from vjepa_ros.sim.runner import SimRunner

    made = []

    def make(control_hz: float, camera_hz: float) -> SimRunner:
        sim = SimConfig(scene=SceneConfig(num_objects=0), camera=CameraConfig(width=32, height=32))
        made.append(SimRunner(sim, RunnerConfig(control_rate_hz=control_hz,
                                                camera_rate_hz=camera_hz)))
        return made[-1]

    yield make
    for runner in made:
        runner.close()


@pytest.mark.parametrize("control_hz, camera_hz", [(60.0, 7.0), (60.0, 24.0), (60.0, 60.0),
                                                   (120.0, 110.0)])
def test_frames_come_at_the_rate_on_average_from_the_first_tick(make_runner, control_hz,
                                                                camera_hz):
    runner = make_runner(control_hz, camera_hz)
    seconds = 3.0
    due = [runner.tick() for _ in range(round(seconds / runner.tick_seconds))]
    assert due[0], "the first tick renders"
    assert abs(sum(due) - seconds * camera_hz) <= 1, f"{sum(due)} frames in {seconds} s"
    runner.reset()  # the schedule starts again with the new world's clock
    assert runner.tick()


@pytest.mark.parametrize("control_hz, camera_hz, ticks", [(60.0, 61.0, 60), (120.0, 121.0, 120),
                                                          (1000.0, 300.0, 240)])
def test_a_camera_faster_than_the_ticks_is_refused_naming_camera_rate_hz(control_hz, camera_hz,
                                                                        ticks):
    config = RunnerConfig(control_rate_hz=control_hz, camera_rate_hz=camera_hz)
    physics = 240.0
    if control_hz > physics:  # the control rate is refused first, by name
        with pytest.raises(ValueError, match="^control_rate_hz 1000 exceeds sim.physics_hz 240"):
            check_rates(config, physics)
        config.control_rate_hz = physics
    with pytest.raises(ValueError, match=f"^camera_rate_hz {camera_hz:g} exceeds the control "
                                         f"tick rate {ticks} Hz"):
        check_rates(config, physics)


def test_the_frame_clock_keeps_its_phase_where_the_period_is_no_whole_number_of_ticks():
    from vjepa_ros.sim.frame_clock import FrameClock

    clock = FrameClock(5.0, start=0.0)  # 0.2 s: 24 ticks of 1/120 s, not exact in floats
    due = [k for k in range(1, 1201) if clock.due(k / 120)]
    assert due == [1, *range(24, 1201, 24)]  # frame 0 on the first tick, then never late
    late = FrameClock(25.0, start=0.0)
    assert late.due(0.0) and not late.due(0.03) and late.due(0.05) and late.due(0.081)
    assert late.due(0.5) and not late.due(0.515)  # frames missed meanwhile are skipped


def test_the_reach_loops_camera_keeps_its_rate_between_ticks():
    """The closed loop without ROS (sim/reach.py) scheduled from the rendering tick too."""
    from types import SimpleNamespace

    import numpy as np

    from vjepa_ros.sim.reach import _SimDriver

    class FakeSim:
        config = SimpleNamespace(physics_hz=240.0)
        time = 0.0

        def ee_state(self):
            return np.zeros(7)

        def render(self):
            return np.zeros((2, 2, 3), np.uint8)

    sim, seen = FakeSim(), []
    driver = _SimDriver(sim, stream_rate_hz=100.0, camera_rate_hz=50.0, done=lambda s: False)
    driver.session = SimpleNamespace(observe_state=lambda state, now: None,
                                     observe_image=lambda frame, now: seen.append(now))
    driver.observe(force_frame=True)
    for tick in range(1, 241):  # 2 s of 1/120 s ticks
        sim.time = tick / 120
        driver.observe()
    assert len(seen) == 101, f"{len(seen)} frames in 2 s at 50 Hz"  # one at the start


@pytest.mark.parametrize("control_hz, physics_hz, ticks, offered", [
    (100.0, 240.0, 120, "80 or 120"),  # 2.4 steps: would tick at 120 Hz
    (50.0, 240.0, 48, "48 or 60"),     # 4.8 steps: would tick at 48 Hz
    (70.0, 1000.0, 71.4286, "66.6667 or 71.4286"),
])
def test_a_control_rate_the_physics_cannot_tick_at_is_refused_with_the_rates_it_can(
        control_hz, physics_hz, ticks, offered):
    config = RunnerConfig(control_rate_hz=control_hz, camera_rate_hz=5.0)
    with pytest.raises(ValueError, match=f"^control_rate_hz {control_hz:g} is no whole fraction "
                                         f"of sim.physics_hz {physics_hz:g}: the ticks would run "
                                         f"at {ticks:g} Hz") as refused:
        check_rates(config, physics_hz)
    assert f"set control_rate_hz to {offered}" in str(refused.value)
    for rate in offered.split(" or "):  # what it offers is taken
        check_rates(RunnerConfig(control_rate_hz=float(rate), camera_rate_hz=5.0), physics_hz)


def test_rates_within_one_percent_of_a_whole_fraction_are_taken():
    check_rates(RunnerConfig(control_rate_hz=60.3, camera_rate_hz=5.0), 240.0)  # 60 Hz ticks
    check_rates(RunnerConfig(control_rate_hz=1000.0 / 3, camera_rate_hz=5.0), 1000.0)
