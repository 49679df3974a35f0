"""breaker44o: attack on fix44m (4764725), eval's two executed motions.

Attacked: vjepa_ros/eval/evaluate.py (executed_actions frame to frame, executed_period_actions one
period), recordings/resample.py (Steps.ends / end_problems), eval/step_notes.py (period_xyz,
unmeasured_note), eval/report.py (actions.png, printed lines), eval/camera_check_bag.py.
Held up (not repeated here): the camera check's result and per-step executed_action on a 6 fps
jittered camera with rotation and gripper motion are byte-identical to 70618a4 (before fix44i);
eval's per-step records and energies on the same input are identical to 70618a4 at 4 and 6 fps;
at 4 Hz the first-action scores are too. One defect, minor: a recording at exactly the step rate
whose period is not a whole number of nanoseconds.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.eval.evaluate import executed_actions, executed_period_actions
from vjepa_ros.recordings.resample import resample


def test_an_exact_rate_recording_has_identical_period_and_frame_to_frame_motions():
    """A 6 fps camera evaluated at --rate 6, 100 Hz poses: the two motions are the same motion.

    A lab evaluating at its camera's rate sees each frame exactly one period after the last
    (stamps round(k * 1e9 / 6) ns), so s(t_k + period) is s_{k+1}: executed_period_action must
    be bit-identical to executed_action (the numbers eval reported before fix44i), rotation and
    gripper included.
    """
    rate, seconds = 6.0, 5.0
    t0 = 1_700_000_000_000_000_000
    frame_times = t0 + np.round(np.arange(int(seconds * rate)) * 1e9 / rate).astype(np.int64)
    state_times = t0 + np.arange(int(seconds * 100) + 1).astype(np.int64) * 10_000_000
    s = (state_times - t0) / 1e9
    states = np.zeros((len(s), 7))
    states[:, 0], states[:, 2] = 0.4 + 0.04 * s, 0.3
    states[:, 3], states[:, 6] = 0.2 * s, s / seconds  # a slow roll, the gripper closing
    steps = resample(frame_times, state_times, states, rate, None, 0.1)
    chosen = [k for k in range(len(steps) - 1) if steps.valid[k] and steps.valid[k + 1]]
    assert len(chosen) > 20
    period = executed_period_actions(steps, chosen)
    frame_to_frame = np.stack([executed_actions(steps, k, 1)[0].numpy() for k in chosen])
    np.testing.assert_array_equal(period, frame_to_frame)
