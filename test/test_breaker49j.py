"""breaker49j: attack fix49h (lossy copies at 10 %, clips per demonstration, val clip ends).

fix49h's ``same_content.FRAMES_RTOL`` went from 1 % to 10 %: two sources whose states, actions
and segment lengths are equal bit for bit are read once when every frame's features are within
10 %. The simulator is deterministic per seed whatever the camera shows: ``collect_episode``
with seed 0 gives bit-equal states and actions at any camera pose, light, shadows, field of view
or image size (measured here, 128x128, 8 frames, the packaged demo encoder, worst frame's
``mean|a - b| / mean|a|``): eye moved 1 cm 8.9 % (merged), 2 cm 11.3 %, 5 cm 18-24 %, view
turned 2 / 5 deg 27 / 37 %, light from the other side 13 %, shadows off 2.1 % (merged), field of
view 55 deg 26 %, 64 px 17 %, 256 px 7.9 % (merged: a resized view of one scene, pinned as a
copy), eye 10 / 20 cm 25 / 34 %. So the same seeds recorded at a camera 1 cm away, or without
shadows, are silently dropped as "copies" (issue 19 trains across placements; the note says the
frames are equal). Clips per demonstration and the val clips' last windows held up where tried.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO = REPO_ROOT / "vjepa_ros" / "data" / "demo_world_model.pt"


@pytest.fixture(autouse=True)
def _one_thread():
    from vjepa_ros.train.synthetic import single_thread

    with single_thread():
        yield


# -- (3) same_content at 10 %: the same seeds at another camera


EYE = (1.15, -0.55, 0.6)  # CameraConfig's default eye [m]


def _sim_episode(path, **camera):
    """Save the collector's seed-0 episode (8 frames) seen by a camera with ``camera`` set."""
    from vjepa_ros.sim.collector import collect_episode
    from vjepa_ros.sim.collector_config import CollectorConfig
    from vjepa_ros.sim.config import CameraConfig, SimConfig
    from vjepa_ros.sim.sim import Sim

    size = camera.pop("size", 128)
    with Sim(SimConfig(camera=CameraConfig(width=size, height=size, **camera))) as sim:
        episode = collect_episode(sim, 0, CollectorConfig(frames=8))
    episode.save(path)
    return episode


@pytest.fixture(scope="module")
def demo_encoder():
    from vjepa_ros.models.checkpoint import load_models

    return load_models(DEMO)[0]


def _read(tmp_path, demo_encoder, data):
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.data_banks import load_banks

    config = make_config({"out": str(tmp_path / "out"), "encoder": str(DEMO),
                          "data.train": [str(data)], "data.val_fraction": 0,
                          "data.frames_per_clip": 4, "progress": False, "device": "cpu"})
    lines = []
    _, _, info = load_banks(config, demo_encoder, log=lines.append)
    return sorted(info["train"]["names"]), [line for line in lines if "skipped" in line]


def _takes(tmp_path, **camera):
    data = tmp_path / "data"
    default = _sim_episode(data / "default_camera.npz")
    other = _sim_episode(data / "other_camera.npz", **camera)
    assert np.array_equal(default.states, other.states)  # the simulator: seed 0 either way
    assert np.array_equal(default.actions, other.actions)
    assert not np.array_equal(default.frames, other.frames)
    return data


@pytest.mark.xfail(strict=True, reason="breaker49j: FRAMES_RTOL 10 % merges a camera 1 cm away")
def test_the_same_seed_at_a_camera_one_centimetre_away_is_kept(tmp_path, demo_encoder):
    """Input: ``collect_episode(seed 0)`` at the default camera and at the eye moved 1 cm in x.

    Happened: states and actions are bit-equal (the simulator does not depend on the camera),
    the worst frame's features differ by 8.9 % < FRAMES_RTOL, so the second is "skipped ...
    the same steps as default_camera.npz (equal frames ...)": a placement's data dropped from
    training across placements (issue 19). Should: two camera placements are two recordings
    (frames of another viewpoint are not a codec's loss); both are trained on.
    """
    data = _takes(tmp_path, eye=[EYE[0] + 0.01, EYE[1], EYE[2]])
    names, skipped = _read(tmp_path, demo_encoder, data)
    assert names == ["default_camera.npz", "other_camera.npz"], skipped


@pytest.mark.xfail(strict=True, reason="breaker49j: a render without shadows is merged")
def test_the_same_seed_rendered_without_shadows_is_kept(tmp_path, demo_encoder):
    """Input: seed 0 rendered with shadows (the default) and without (``shadows=False``).

    Happened: equal states and actions, frame features 2.1 % apart: read once, the unshadowed
    take (another lighting, what ``--randomize all`` varies per scene) skipped as a copy.
    Should: another lighting is other training data, kept.
    """
    data = _takes(tmp_path, shadows=False)
    names, skipped = _read(tmp_path, demo_encoder, data)
    assert names == ["default_camera.npz", "other_camera.npz"], skipped


@pytest.mark.parametrize("camera", [{"eye": [EYE[0], EYE[1] + 0.05, EYE[2]]},
                                    {"light_direction": [-0.6, 0.4, 1.0]},
                                    {"vertical_fov_deg": 55.0}],
                         ids=["eye 5 cm", "light", "fov 55"])
def test_the_same_seed_at_a_camera_moved_5_cm_or_other_light_or_fov_is_kept(
        tmp_path, demo_encoder, camera):
    # pin: 18 %, 13 %, 26 % apart (over 10 %): two recordings, both read
    data = _takes(tmp_path, **camera)
    names, skipped = _read(tmp_path, demo_encoder, data)
    assert names == ["default_camera.npz", "other_camera.npz"] and not skipped


def test_the_same_seed_at_twice_the_image_size_is_read_once_and_named(tmp_path, demo_encoder):
    # pin: 256 px beside 128 px of one view (7.9 % apart): a resized copy, read once; the
    # note names the file skipped and the one kept
    data = _takes(tmp_path, size=256)
    names, skipped = _read(tmp_path, demo_encoder, data)
    assert names == ["default_camera.npz"]
    assert len(skipped) == 1 and "other_camera.npz" in skipped[0] \
        and "default_camera.npz" in skipped[0]


@pytest.mark.xfail(strict=True, reason="breaker49j: the skip note says 'equal frames'")
def test_the_skip_note_does_not_call_frames_10_percent_apart_equal(tmp_path, demo_encoder):
    """Input: the same seed at 128 and 256 px (features 7.9 % apart), one --data folder.

    Happened: "note skipped .../other_camera.npz: the same steps as .../default_camera.npz
    (equal frames, states and actions: one recording in two storage formats?), read once":
    the frames are not equal and no storage format differs; a user whose other camera's data
    vanished learns nothing of the 10 % rule. Should: say the frames are alike (within
    10 %, how far apart they were), not equal, so a dropped placement can be recognised.
    """
    data = _takes(tmp_path, size=256)
    _, skipped = _read(tmp_path, demo_encoder, data)
    assert len(skipped) == 1 and "equal frames" not in skipped[0], skipped
