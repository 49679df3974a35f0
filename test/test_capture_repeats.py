"""The captures' frozen-camera rule on the rendered scene: repeats refused, real motions taken.

``robot/capture_pictures`` refuses a capture whose frame repeats an earlier capture's image (no
more than 0.005 % of the pixels changed by more than 32 grey levels) while the hand's state
changed since (TCP 1 cm, 1 degree, closedness 0.025). Measured in
``benchmarks/bench_capture_changes.py``; here the hardest camera of those measured: 2.5 m from
the arm at 320x240 (the arm small in the image), where a coarse rule (the camera check's before
mend55a: 0.5 % of a 64-px sample by more than 8 levels) calls every one of these motions the same
picture.
"""

import dataclasses
import re

import numpy as np
import pytest

from vjepa_ros.picture_repeats import RepeatRule, same_picture
from vjepa_ros.robot.capture_pictures import CapturePictures, stale_capture_refusal

pytestmark = pytest.mark.usefixtures("one_thread")

COARSE = RepeatRule(sample_side=64, grey_levels=8, floor=0.005)  # the check's before mend55a


@pytest.fixture(scope="module")
def views():
    """Return {change: (frame [240, 320, 3] uint8, state [7])} of the scene from 2.5 m."""
    from vjepa_ros.sim.camera import camera_at_distance
    from vjepa_ros.sim.config import SimConfig
    from vjepa_ros.sim.sim import Sim

    config = SimConfig()
    sight = np.asarray(config.camera.eye, dtype=np.float64) - config.camera.target
    sight /= np.linalg.norm(sight)
    config = dataclasses.replace(config, camera=camera_at_distance(config.camera, 2.5, 320, 240))
    out = {}
    with Sim(config) as sim:
        sim.reset(seed=0)
        home = sim.ee_state().copy()
        changes = {"home": np.zeros(7), "1 cm x": np.r_[0.01, 0, 0, 0, 0, 0, 0],
                   "2 cm x": np.r_[0.02, 0, 0, 0, 0, 0, 0],
                   "1 cm toward the camera": np.r_[0.01 * sight, 0, 0, 0, 0],
                   "hand closed": np.r_[0, 0, 0, 0, 0, 0, 1.0],
                   "turned 0.5 rad": np.r_[0, 0, 0, 0, 0, 0.5, 0]}
        for name, change in changes.items():
            with sim.preserved():
                assert sim.move_to(home + change), name
                out[name] = (sim.render().copy(), sim.ee_state().copy())
    return out


def jpeg(pixels, quality):
    cv2 = pytest.importorskip("cv2")
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_UNCHANGED)


@pytest.mark.parametrize("change", ["1 cm x", "1 cm toward the camera", "hand closed",
                                    "turned 0.5 rad"])
def test_a_live_far_camera_showing_a_small_change_of_the_hand_is_taken(views, change):
    (home, at_home), (moved, at_moved) = views["home"], views[change]
    if change != "turned 0.5 rad":  # that one the coarse rule tells apart
        assert same_picture(home, moved, COARSE), "the coarse rule cannot tell it apart"
    pictures = CapturePictures()
    assert pictures.offer("sub-goal 1", home, at_home) is None
    assert pictures.offer("sub-goal 2", moved, at_moved) is None, change


@pytest.mark.parametrize("change", ["2 cm x", "hand closed", "turned 0.5 rad"])
@pytest.mark.parametrize("repeat", ["same bytes", "JPEG 75 re-encoded", "JPEG 95 re-encoded",
                                    "dither"])
def test_a_frozen_camera_repeating_the_image_as_the_hand_changes_is_refused(views, change,
                                                                           repeat):
    home, at_home = views["home"]
    at_moved = views[change][1]
    first = home
    if repeat == "same bytes":
        again = home.copy()
    elif repeat == "dither":
        noise = np.random.default_rng(3).integers(-3, 4, home.shape)
        again = np.clip(home.astype(int) + noise, 0, 255).astype(np.uint8)
    else:  # a republisher decoding and re-encoding the frozen image
        quality = int(repeat.split()[1])
        first = jpeg(home, quality)
        again = jpeg(first, quality)
    pictures = CapturePictures()
    assert pictures.offer("an earlier capture (sub-goal 1, ~/add_subgoal)", first,
                          at_home) is None
    found = pictures.offer("sub-goal 2", again, at_moved)
    assert found is not None and found.earlier.startswith("an earlier capture")
    line = stale_capture_refusal("~/add_subgoal", "/camera/image_raw", found)
    words = {"2 cm x": r"taken with the arm (1\.9|2\.0) cm from where it is now: ",
             "hand closed": "taken with the gripper's closedness 1.00 from what it is now: ",
             "turned 0.5 rad": r"taken with the hand turned 28\.\d degrees from how it is now: "}
    assert re.search(words[change], line) and "\n" not in line, line
    assert line.startswith("~/add_subgoal refused: the newest frame on /camera/image_raw")


def test_a_closedness_not_measured_is_no_change_and_the_same_state_is_no_repeat(views):
    home, at_home = views["home"]
    closed = at_home.copy()
    closed[6] = 1.0
    pictures = CapturePictures()
    assert pictures.offer("a", home, at_home, gripper_measured=False) is None
    assert pictures.offer("b", home, closed, gripper_measured=False) is None, \
        "a placeholder closedness (no finger joints) changes nothing the picture could show"
    assert pictures.offer("c", home, at_home) is None, "the same state again: no repeat"
    assert pictures.offer("d", home, closed) is not None, "measured now, against 'c'"
