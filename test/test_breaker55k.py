"""breaker55k: mend55a's overlay rule takes real motions for a frozen image's time stamp.

mend55a (``picture_repeats.RepeatRule.overlay_share``): changes confined to one box of at most
0.5 % of the image are an overlay drawn into a frozen image, the same picture, for training
(``train.stale_frames.TRAINING``), the captures once the TCP moved 1 cm (``CAPTURE_MOVED``) and
the camera check (``CHECK``, on its 64-px sample). Its margin was measured on the package's scene
seen whole from 2-3.5 m at 640x480 and 256x256 (a 5 mm motion's box >= 0.61 %). Outside that:

1. Training drops real steps (a silent wrong training set: the note blames the camera):
   a camera ~1 m from the table at the model's 256x256 with the arm partly out of view (its
   upper links cut by the top border: a table-centric camera) — the hand moving 4 cm changes a
   box of 0.38-0.49 %; a camera 5 m away (256x256) — 1 and 4 cm motions, 0.41-0.46 %; a low
   resolution (128x96 from 4 m: 1 and 4 cm, 0.10-0.46 %; a 90 degree lens 2 m away at 128x96:
   1 and 4 cm, 0.28-0.49 %; 128x96 from 2.5 m: 5 mm, 0.37-0.46 %, by the rule: the sim's 5 mm
   moves end at 4.9 mm, under STALE_SHIFT_M). Before mend55a every one of these steps was kept.
2. The camera check measures the box on its 64-px sample, whose changed pixels are a sparse
   subset of the frame's: from 3 m at 256x256 the check's own 4 cm motions (+-z) change a box of
   1.2-1.3 % of the frame (2.5x the overlay share) but only 4x5 sample pixels (20 of the limit
   20.48): skipped as "the same picture" (before mend55a's overlay: kept).
3. Captures are refused as a frozen camera's repeat when the TCP moved 4 cm seen from 5 m or
   through a 90 degree lens at 128x96 (0.28-0.49 %; the table-centric camera's 4 cm +z, 0.07 %,
   too, but there the refusal's "the camera does not see the hand" is half right: not tested).
4. A missed overlay: a frozen image whose driver draws a time stamp and blinks a recording dot in
   another corner (two small overlays, their box spans the image) is new frames to training.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from benchmarks.bench_picture_rules import changed_box, stamped
from vjepa_ros.eval.camera_check_unchanged import CHECK, unchanged_frames
from vjepa_ros.picture_repeats import same_picture
from vjepa_ros.robot.capture_pictures import CapturePictures
from vjepa_ros.train.stale_frames import TRAINING, stale_steps

pytestmark = pytest.mark.usefixtures("one_thread")

XFAIL = "breaker55k: "
# fix55k took mend55a's overlay box off every use: a frozen camera's stamp is missed again
KNOWN_GAP = pytest.mark.xfail(strict=True, reason=(
    "known gap: a frozen camera with a time stamp drawn in is not detected (fix55k removed the "
    "overlay rule: it dropped real motion)"))


def _cameras():
    """Return {name: CameraConfig} of the attacked cameras."""
    from vjepa_ros.sim.camera import camera_at_distance
    from vjepa_ros.sim.config import SimConfig

    camera = SimConfig().camera
    return {
        # the default eye (~1 m) looking at the table in front of the robot: the arm enters
        # from the top left, its upper links out of view
        "table": dataclasses.replace(camera, target=[0.55, 0.0, -0.05]),
        "3 m": camera_at_distance(camera, 3.0, 256, 256),
        "5 m": dataclasses.replace(camera_at_distance(camera, 5.0, 256, 256), far=20.0),
        "4 m 128x96": dataclasses.replace(camera_at_distance(camera, 4.0, 128, 96), far=20.0),
        "90 deg 128x96": dataclasses.replace(camera_at_distance(camera, 2.0, 128, 96),
                                             vertical_fov_deg=90.0, far=20.0),
    }


def _change(axis: str, metres: float) -> np.ndarray:
    change = np.zeros(7)
    change["xyz".index(axis[0])] = metres if axis[1] == "+" else -metres
    return change


CHANGES = {f"{mm} mm {axis}": _change(axis, mm / 1000)
           for mm in (5, 10, 40) for axis in ("x+", "x-", "y+", "y-", "z+", "z-")}


@pytest.fixture(scope="module")
def views():
    """Return {camera: {"home" or change: (frame uint8, TCP state [7])}} (seed 0)."""
    from vjepa_ros.sim.camera import Camera
    from vjepa_ros.sim.config import SimConfig
    from vjepa_ros.sim.sim import Sim

    cameras = _cameras()
    out: dict = {name: {} for name in cameras}
    with Sim(SimConfig()) as sim:
        sim.reset(seed=0)
        built = {name: Camera(config, sim._p) for name, config in cameras.items()}
        home = sim.ee_state().copy()
        for name, change in {"home": np.zeros(7), **CHANGES}.items():
            with sim.preserved():
                assert sim.move_to(home + change), name
                state = sim.ee_state().copy()
                for key, camera in built.items():
                    out[key][name] = (camera.render(sim._p, sim.client), state)
    return out


def _two_steps(views, camera, change):
    """Return stale_steps' mask [2] of home -> ``change`` from ``camera`` (preconditions too)."""
    (home, at_home), (moved, at_moved) = views[camera]["home"], views[camera][change]
    assert np.linalg.norm(at_moved[:3] - at_home[:3]) >= 0.004, "the arm moved"
    assert not same_picture(home, moved, TRAINING), "a visible change before mend55a"
    return stale_steps({0: home, 1: moved}, np.arange(2), np.stack([at_home, at_moved]),
                       np.arange(2))


TRAINING_CASES = [("table", "40 mm x+"), ("table", "40 mm x-"),
                  ("5 m", "10 mm x+"), ("5 m", "40 mm x-"), ("5 m", "40 mm z+"),
                  ("4 m 128x96", "10 mm x+"), ("4 m 128x96", "10 mm y-"),
                  ("4 m 128x96", "40 mm z-"),
                  ("90 deg 128x96", "10 mm x+"), ("90 deg 128x96", "40 mm y+")]


@pytest.mark.parametrize("camera,change", TRAINING_CASES)
def test_training_keeps_a_real_motion_whose_change_fits_an_overlay_box(views, camera, change):
    """The arm moved, the frame changed (the plain rule says so): the step is no stale step."""
    stale = _two_steps(views, camera, change)
    assert not stale.any(), (
        f"{camera}, {change}: step dropped as stale; changed box "
        f"{changed_box(views[camera]['home'][0], views[camera][change][0])[0]:.2f} % of the image")


@pytest.mark.parametrize("camera,change", [("table", "40 mm y+"), ("3 m", "40 mm x+"),
                                           ("4 m 128x96", "40 mm y+")])
def test_training_kept_these_real_motions(views, camera, change):
    """Held: the same cameras' larger-box motions are kept (the cases above are not all)."""
    assert not _two_steps(views, camera, change).any()


@pytest.mark.parametrize("change", ["40 mm z+", "40 mm z-"])
def test_camera_check_does_not_skip_a_4_cm_motion_from_3_m(views, change):
    (home, _), (moved, _) = views["3 m"]["home"], views["3 m"][change]
    box, _ = changed_box(home, moved)
    assert box > 2 * 0.5, f"the frame's changed box {box:.2f} % is over twice the overlay share"
    assert not same_picture(home, moved, CHECK), "the check saw it before the overlay"
    assert not unchanged_frames([home], [moved]).any(), f"3 m, {change}: skipped as unchanged"


@pytest.mark.parametrize("camera,change", [("5 m", "40 mm x-"), ("5 m", "40 mm z+"),
                                           ("90 deg 128x96", "40 mm x+")])
def test_a_capture_after_a_real_motion_is_taken(views, camera, change):
    (home, at_home), (moved, at_moved) = views[camera]["home"], views[camera][change]
    pictures = CapturePictures()
    assert pictures.offer("sub-goal 1", home, at_home) is None
    repeat = pictures.offer("sub-goal 2", moved, at_moved)
    assert repeat is None, f"{camera}, {change}: refused as {repeat}"


def _rec_dot(frame, on: bool):
    """Return ``frame`` with a red recording dot in its top right corner when ``on``."""
    import cv2

    out = frame.copy()
    if on:
        radius = max(2, frame.shape[0] // 50)
        cv2.circle(out, (frame.shape[1] - 3 * radius, 3 * radius), radius, (255, 0, 0), -1)
    return out


def _frozen_steps(views, camera, first, second):
    """Return stale_steps' mask [2] of two frozen frames while the arm moved 4 cm (+y)."""
    (_, at_home), (_, at_moved) = views[camera]["home"], views[camera]["40 mm y+"]
    return stale_steps({0: first, 1: second}, np.arange(2), np.stack([at_home, at_moved]),
                       np.arange(2))


STAMPS = ("2026-12-06 16:40:01.123", "2026-12-06 16:40:01.373")


@KNOWN_GAP
@pytest.mark.parametrize("camera", ["table", "3 m"])
def test_a_frozen_camera_with_one_changing_overlay_is_dropped(views, camera):
    """The stamp alone changing (the dot lit in both), or the dot alone blinking: dropped."""
    home = views[camera]["home"][0]
    lit = [_rec_dot(stamped(home, stamp), True) for stamp in STAMPS]
    assert _frozen_steps(views, camera, *lit)[1]
    blink = [_rec_dot(stamped(home, STAMPS[0]), on) for on in (True, False)]
    assert _frozen_steps(views, camera, *blink)[1]


@KNOWN_GAP
@pytest.mark.parametrize("camera", ["table", "3 m"])
def test_a_frozen_camera_with_a_stamp_and_a_blinking_dot_is_dropped(views, camera):
    """The camera froze at home while the arm moved 4 cm; its driver stamps and blinks on."""
    home = views[camera]["home"][0]
    first = _rec_dot(stamped(home, STAMPS[0]), True)
    second = _rec_dot(stamped(home, STAMPS[1]), False)
    stale = _frozen_steps(views, camera, first, second)
    assert stale[1], f"{camera}: the frozen camera's step with two overlays kept for training"


# -- fix55k: the family, every attacked camera and every 1 and 4 cm motion


@pytest.mark.parametrize("camera", ["3 m", "5 m", "4 m 128x96", "90 deg 128x96"])
def test_every_1_and_4_cm_motion_is_kept_taken_and_not_skipped(views, camera):
    """No overlay box: a real 1 or 4 cm motion seen by any of these cameras is a new picture.

    Training keeps the step, a capture after it is taken, and the camera check does not skip
    its own 4 cm motions (3 and 5 m away, 128x96 from 4 m, a 90 degree lens at 128x96; the
    table camera, which loses some motions out of view, has its cases above).
    """
    home, at_home = views[camera]["home"]
    wrong = []
    for change in (name for name in CHANGES if not name.startswith("5 mm")):
        moved, at_moved = views[camera][change]
        if _two_steps(views, camera, change).any():
            wrong.append(f"{change}: training dropped it")
        pictures = CapturePictures()
        pictures.offer("sub-goal 1", home, at_home)
        if pictures.offer("sub-goal 2", moved, at_moved) is not None:
            wrong.append(f"{change}: the capture refused")
        if change.startswith("40 mm") and unchanged_frames([home], [moved]).any():
            wrong.append(f"{change}: the camera check skipped it")
    assert wrong == [], f"{camera}: {wrong}"
