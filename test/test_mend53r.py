"""Session 53's review mends (mend53r): pins for the changed behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.eval.camera_check_unchanged import refuse_stale
from vjepa_ros.robot.camera_check_motions import CheckMotion, CheckMotionConfig
from vjepa_ros.robot.camera_check_run import CameraCheckRun
from vjepa_ros.robot.inputs import Stamped

START = np.array([0.4, 0.0, 0.3, 0.0, 0.0, 0.0, 1.0])


def _image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)


def test_a_moving_arm_keeps_few_pictures_and_a_frozen_newest_image_is_still_stale():
    """``CameraCheckRun._watch`` thins a moving arm's images; ``_repeats`` still finds a repeat.

    Input: 400 new images, one per 0.1 mm of a 4 cm move (default min_motion_m 1 cm), then the
    newest image asked about 2 cm further on, and an older one at its own place. Right: at most
    a few dozen pictures kept (one per 5 mm plus the newest); the newest image 2 cm away is
    stale; an image at the place it was first seen is not; the same question is answered from
    the memo (no picture made again).
    """
    run = CameraCheckRun([CheckMotion("+x", START.copy(), START.copy())], CheckMotionConfig(),
                         0.01, 0.0)
    state = START.copy()
    for i in range(400):
        state[0] = START[0] + i * 1e-4
        frame = Stamped(float(i), _image(i))
        where = state.copy()
        run._watch(frame, lambda stamp, at=where: Stamped(stamp, at), state)
    assert len(run.seen) <= 10, len(run.seen)
    newest = Stamped(399.0, _image(399))
    far = START[:3] + np.array([0.04 + 0.02, 0.0, 0.0])
    assert run._repeats(newest, far)
    here = START[:3] + np.array([399e-4, 0.0, 0.0])
    assert not run._repeats(newest, here)
    run.seen = []  # a memo hit does not search again
    assert not run._repeats(newest, here)


def test_refuse_stale_refuses_only_what_the_stale_frames_cause():
    """``camera_check_unchanged.refuse_stale``: the one stale-frame refusal of both checks.

    Input: 6 motions of 4 cm along x and y; stale masks. Right: none stale -> the 6 used;
    every one stale -> "do not change"; 4 stale (2 left, need 3) -> "with frames that change"
    naming 4 of 6 skipped; 2 motions only (too few whatever the frames) -> None.
    """
    executed = np.array([[0.04, 0, 0], [0, 0.04, 0], [-0.04, 0, 0], [0, -0.04, 0],
                         [0.04, 0.0, 0], [0, 0.04, 0]])
    moved = np.ones(6, dtype=bool)
    thresholds = CheckThresholds()
    used = refuse_stale(executed, thresholds, moved, np.zeros(6, bool), "/cam", live=False)
    assert used.tolist() == [True] * 6
    with pytest.raises(ValueError, match="do not change"):
        refuse_stale(executed, thresholds, moved, np.ones(6, bool), "/cam", live=False)
    stale = np.array([True, True, True, True, False, False])
    with pytest.raises(ValueError, match="with frames that change.*4 of 6 motions skipped"):
        refuse_stale(executed, thresholds, moved, stale, "/cam", live=True)
    two = np.array([True, True, False, False, False, False])
    assert refuse_stale(executed, thresholds, two, np.zeros(6, bool), "/cam", False) is None
