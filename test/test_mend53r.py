"""Session 53's review mends (mend53r): pins for the changed behaviour."""

from __future__ import annotations

import numpy as np

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
