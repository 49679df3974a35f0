"""eval's two executed motions, each where it belongs (fix44m, after breaker44m).

Frame to frame, s_{k+1} ⊖ s_k: the executed sequence the energy rolls out toward the goal frame
and the report's ``executed_action`` (the camera check's). One step period from the frame,
s(t_k + period) ⊖ s(t_k): ``executed_period_action``, only what the planned first action is
scored against. A step whose period the state stream does not cover stays valid and planned,
is left out of the first-action scores, counted and noted.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from vjepa_ros.eval.eval_config import EvalConfig
from vjepa_ros.eval.evaluate import evaluate_recording
from vjepa_ros.eval.report import summary_lines
from vjepa_ros.recordings.resample import END_GAP


def _recording(tmp_path, gap_s=None):
    """Return a 6 fps camera and 100 Hz poses at 40 mm/s along x, none in ``gap_s``."""
    from vjepa_ros.eval.synthetic import render_state_frames
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.recordings.bags import read_recording

    times = np.arange(0, 2.0, 1 / 6)
    states = np.zeros((len(times), 7))
    states[:, 0] = 0.4 + 0.04 * times
    states[:, 2] = 0.3
    recording = read_recording(write_bag(tmp_path / "bag", render_state_frames(states), states,
                                         times))
    seconds = np.round(np.arange(0, 2.01, 0.01), 2)
    if gap_s is not None:
        seconds = seconds[(seconds < gap_s[0]) | (seconds > gap_s[1])]
    state_times = recording.state_times[0] + np.round(seconds * 1e9).astype(np.int64)
    dense = np.tile(states[0], (len(state_times), 1))
    dense[:, 0] = 0.4 + 0.04 * seconds
    return dataclasses.replace(recording, state_times=state_times, states=dense)


def _evaluate(recording, **config):
    from test_eval_evaluate import tiny_world_model

    from vjepa_ros.planning import preset

    torch.set_num_threads(1)
    cem = preset("paper", samples=8, iterations=1, topk=2, horizon=2)
    return evaluate_recording(recording, tiny_world_model(), cem,
                              EvalConfig(landscape_points=0, min_motion_m=0.001, **config))


def test_executed_action_is_frame_to_frame_and_the_period_action_one_period(tmp_path):
    report = _evaluate(_recording(tmp_path), max_steps=4)
    steps = report["steps"]
    frame_times = np.array([s["time_s"] for s in steps])
    executed = np.array([s["executed_action"] for s in steps])
    period = np.array([s["executed_period_action"] for s in steps])
    # frames at 0, 1/6, 1/2, 2/3 s: frame to frame 6.7 / 13.3 mm, one period always 10 mm
    np.testing.assert_allclose(executed[:3, 0], 0.04 * np.diff(frame_times), atol=2e-4)
    assert abs(executed[0, 0] - executed[1, 0]) > 0.005
    np.testing.assert_allclose(period[:, 0], 0.01, atol=2e-4)
    # the first-action scores read the period motion: every step 10 mm, the executed mean too
    assert report["summary"]["actions"]["executed_norm_m_mean"] == pytest.approx(0.01, abs=2e-4)
    assert report["summary"]["actions"]["unmeasured_steps"] == {}


def test_a_step_whose_period_is_not_covered_is_planned_but_not_compared(tmp_path):
    # 0.35..0.48 s without poses: step 1 (frame 1/6 s) ends its period at 0.417 s, in the gap
    report = _evaluate(_recording(tmp_path, (0.35, 0.48)), max_steps=4)
    steps = report["steps"]
    assert [s["step"] for s in steps] == [0, 1, 2, 3]  # nothing lost, step 0 neither
    assert report["recording"]["dropped_steps"] == {}
    assert steps[1]["executed_period_action"] is None
    assert all(s["executed_period_action"] is not None for s in steps if s["step"] != 1)
    assert np.isfinite(steps[1]["energy_executed"])  # the frame-to-frame sequence is measured
    actions = report["summary"]["actions"]
    assert actions["unmeasured_steps"] == {END_GAP: 1}
    assert actions["steps"] == 3  # compared: all but step 1
    note = ("1 of 4 evaluated steps has no known motion over one step period, the state stream "
            "not covering it (a state gap longer than 0.1 s (max_state_gap_s) at its end: 1): "
            "they count in the energies, not in the sign agreement, cosine or |dxyz| error")
    assert note in report["recording"]["notes"], report["recording"]["notes"]
    assert any(line == f"note          {note}" for line in summary_lines(report))
