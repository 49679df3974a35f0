"""Session 55's leftovers of the camera check (mend56y).

1. a correction typed in radians (``control.model_frame_rpy_deg`` [0, 0, 1.57]) is read as
   degrees without a word: a note names the setting and the degrees it would be;
2. an "undecided" verdict deleted an earlier check's correction: it is moved aside, said;
3. the live ``~/camera_check`` gave none of the offline command's caveats (demo model,
   marginal verdict): one writer for both;
4. ``camera_check.motion.timeout_s``'s description said nothing of the stale hold it bounds;
5. a pose topic whose frame_id switches between two base frames was judged by its first one.
"""

from __future__ import annotations

import dataclasses


def test_the_timeout_description_says_it_bounds_a_stale_hold():
    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig

    (field,) = [f for f in dataclasses.fields(CheckMotionConfig) if f.name == "timeout_s"]
    words = field.metadata["description"]
    assert "stale" in words and "stops" in words, words
