"""Training steps whose frame did not change while the arm moved (``train.stale_frames``).

The family of breaker54e's first defect beyond its two cases: a repeat re-encoded (JPEG, at the
camera's quality or a higher one), dithered or under sensor noise, a camera cycling through old
pictures (consecutive frames differ, each a picture taken with the arm elsewhere), a frozen
camera under a slow arm, an arm at rest under one picture (kept), a source left with too little
(refused, both causes named; among several, left out), and pretrain's path (its ``.npz``
episodes judged alike; a camera-only bag has no motion to judge). Expected steps are counted by
hand from the rule: a step is stale when its picture is the step before's while the arm moved >=
5 mm, or repeats one taken >= 5 mm away.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

STEPS = 17


def _picture(seed: int) -> np.ndarray:
    """Return a 48x64 RGB picture of random texture (blurred noise, sigma 1 px), one per seed."""
    import cv2

    pixels = np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return cv2.GaussianBlur(pixels, (0, 0), 1.0)


def _episode(path: Path, frames, step_m: float = 0.01) -> Path:
    """Write an .npz episode of ``frames`` at 4 Hz, the hand sliding ``step_m`` in x a step."""
    frames = np.stack(list(frames))
    states = np.zeros((len(frames), 7))
    states[:, 0] = 0.4 + step_m * np.arange(len(frames))
    states[:, 2], states[:, 3] = 0.3, np.pi
    np.savez(path, observations=frames, states=states,
             timestamps=np.arange(len(frames)) * 0.25)
    return path


def _read(path: Path, frames_per_clip: int = 3):
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments

    (source,) = find_sources([path])
    return load_segments(source, DataConfig(frames_per_clip=frames_per_clip))


def _dither(frame: np.ndarray, seed: int) -> np.ndarray:
    """Return a re-encoding's copy: every pixel off by up to 4 grey levels."""
    noise = np.random.default_rng(seed).integers(-4, 5, frame.shape)
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def _jpeg(frame: np.ndarray, seed: int) -> np.ndarray:
    """Return a republisher's copy of a compressed camera's picture.

    The picture JPEG-encoded at quality 75 and decoded (the camera's), then re-encoded at 75..95
    (by seed) and decoded.
    """
    import cv2

    for quality in (75, 75 + 5 * (seed % 5)):
        encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
        frame = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
    return frame


def _noise(frame: np.ndarray, seed: int) -> np.ndarray:
    """Return a copy under sensor-like noise, sigma 3 grey levels."""
    noise = np.random.default_rng(seed).normal(0, 3, frame.shape)
    return np.clip(np.round(frame + noise), 0, 255).astype(np.uint8)


REPEATS = {"byte-equal": lambda frame, seed: frame, "dithered": _dither,
           "re-encoded as JPEG": _jpeg, "under sensor noise": _noise}


@pytest.mark.parametrize("kind", list(REPEATS))
def test_a_hung_camera_is_dropped_however_it_repeats_the_picture(kind, tmp_path):
    """Frames 3..12 copy one picture (as ``kind``) under a 1 cm/step motion: 9 steps dropped.

    Left: steps 0..3 and 13..16, two segments of 4, every transition a changed picture.
    """
    repeat = REPEATS[kind]
    frames = [repeat(_picture(3), k) if 3 <= k <= 12 else _picture(k) for k in range(STEPS)]
    segments, notes = _read(_episode(tmp_path / "ep.npz", frames))
    assert [len(segment) for segment in segments] == [4, 4]
    np.testing.assert_allclose(segments[1].states[:, 0], 0.4 + 0.01 * np.arange(13, 17),
                               atol=1e-6)
    (note,) = [note for note in notes if "did not change" in note]
    assert note.startswith("ep.npz: 9 of 17 steps dropped"), note
    assert "publishes no new images" in note and "does not see the arm" in note, note


def test_one_picture_under_changing_light_is_kept(tmp_path):
    """Frames 4..12: picture 3 brightened 5 levels a step (exposure, light): new frames, kept.

    Every pixel changes by less than the step a changed pixel needs (32 levels), as a dither's
    do, but the whole picture shifts (a repeat keeps its mean level): every step kept.
    """
    frames = [np.clip(_picture(3).astype(int) + 5 * (k - 3), 0, 255).astype(np.uint8)
              if 4 <= k <= 12 else _picture(k) for k in range(STEPS)]
    segments, notes = _read(_episode(tmp_path / "ep.npz", frames))
    assert [len(segment) for segment in segments] == [STEPS]
    assert not any("did not change" in note for note in notes), notes


def test_a_soft_pictures_motion_is_kept(tmp_path):
    """``train.synthetic``'s soft blob sliding 1 cm a step across a 32-px view: every step kept.

    No pixel changes by 32 levels (the blob has no edge) but the change is broad: new frames.
    """
    from vjepa_ros.train.synthetic import blob_frames

    states = np.zeros((STEPS, 7))
    states[:, 0] = 0.35 + 0.01 * np.arange(STEPS)
    states[:, 2], states[:, 3] = 0.3, np.pi
    frames = blob_frames(states)
    steps = np.abs(np.diff(frames.astype(int), axis=0)).max(axis=(1, 2, 3))
    assert steps.max() < 32, steps  # the precondition: no sharp change
    path = tmp_path / "ep.npz"
    np.savez(path, observations=frames, states=states, timestamps=np.arange(STEPS) * 0.25)
    segments, notes = _read(path)
    assert [len(segment) for segment in segments] == [STEPS]
    assert not any("did not change" in note for note in notes), notes


def test_a_camera_cycling_old_pictures_is_dropped(tmp_path):
    """Frames 4.. show pictures 0..3 again in turn: no two consecutive alike, each a repeat.

    Each repeats a picture taken 4 cm or more away (a driver cycling through its buffer):
    steps 4..16 dropped, one segment of the first 4 steps.
    """
    frames = [_picture(k % 4) for k in range(STEPS)]
    segments, notes = _read(_episode(tmp_path / "ep.npz", frames))
    assert [len(segment) for segment in segments] == [4]
    assert any(note.startswith("ep.npz: 13 of 17 steps dropped") for note in notes), notes


def test_a_long_source_is_judged_in_every_window(tmp_path):
    """A 70-step source: every repeat is caught in every window (16 steps apart).

    The driver cycles 4 old pictures from step 4 to 30 and hangs on frame 49 from step 50; the
    arm slides 2 mm a step: steps 4..30 (27) repeat pictures taken 8 mm or more away, and
    52..69 (18) are 6 mm or more from where frame 49 was taken (50 and 51, 2 and 4 mm: kept).
    """
    frames = [_picture(k % 4) if 4 <= k <= 30 else _picture(min(k, 49)) for k in range(70)]
    segments, notes = _read(_episode(tmp_path / "ep.npz", frames, step_m=0.002))
    assert [len(segment) for segment in segments] == [4, 21]
    assert any(note.startswith("ep.npz: 45 of 70 steps dropped") for note in notes), notes


def test_a_frozen_camera_under_a_slow_arm_is_caught_once_the_arm_moved_5_mm(tmp_path):
    """The hand slides 2 mm a step; frames 6.. repeat frame 5.

    Steps 6 and 7 (2 and 4 mm from where frame 5 was taken: below 5 mm, a picture that may not
    show so little) are kept; from step 8 (6 mm) each repeats a picture taken 5 mm or more
    away: 9 steps dropped, one segment of steps 0..7.
    """
    frames = [_picture(min(k, 5)) for k in range(STEPS)]
    segments, notes = _read(_episode(tmp_path / "ep.npz", frames, step_m=0.002))
    assert [len(segment) for segment in segments] == [8]
    assert any(note.startswith("ep.npz: 9 of 17 steps dropped") for note in notes), notes


def test_an_arm_at_rest_under_one_picture_is_kept(tmp_path):
    """A simulator's arm standing still renders byte-equal frames: right, every step kept."""
    frames = [_picture(0)] * 8 + [_picture(k) for k in range(8, STEPS)]
    path = tmp_path / "ep.npz"
    _episode(path, frames, step_m=0.0)
    segments, notes = _read(path)
    assert [len(segment) for segment in segments] == [STEPS]
    assert not any("did not change" in note for note in notes), notes


def test_too_few_changing_frames_refuse_the_source_naming_both_causes(tmp_path):
    """A 1 Hz picture at 4 Hz: runs of one step left; one line naming the file and causes."""
    from vjepa_ros.train.episodes import ShortSourceError

    frames = [_picture(4 * (k // 4)) for k in range(STEPS)]
    with pytest.raises(ShortSourceError) as caught:
        _read(_episode(tmp_path / "ep.npz", frames))
    text = str(caught.value)
    assert "\n" not in text and "ep.npz" in text, text
    assert "12 steps dropped as their frame did not change" in text, text
    assert "publishes no new images" in text and "does not see the arm" in text, text


def test_pretrain_leaves_out_a_frozen_source_and_drops_repeats_of_another(tmp_path):
    """Pretrain's clips: the 1 Hz source left out with a note, the hung one's repeats dropped.

    No clip of the kept source holds two frames of one picture under the moving arm.
    """
    from vjepa_ros.train.pretrain_data import load_clip_segments

    slow = _episode(tmp_path / "slow.npz", [_picture(4 * (k // 4)) for k in range(STEPS)])
    hung = _episode(tmp_path / "hung.npz",
                    [_picture(3) if 4 <= k <= 12 else _picture(k) for k in range(STEPS)])
    lines: list[str] = []
    segments = load_clip_segments([slow, hung], frames_per_clip=4, log=lines.append)
    assert [len(segment) for segment in segments] == [4, 4]
    for segment in segments:
        pairs = zip(segment[:-1], segment[1:], strict=True)
        assert not any(np.array_equal(a, b) for a, b in pairs)
    assert any("left out" in line and "slow.npz" in line and "did not change" in line
               for line in lines), lines
    assert any("hung.npz: 9 of 17 steps dropped" in line for line in lines), lines


def test_pretrain_of_a_camera_only_bag_keeps_its_repeated_pictures(tmp_path):
    """A bag read by its camera alone keeps its repeated pictures: it has no arm state.

    A still scene and a frozen camera look the same there, so its 17 frames stay one segment
    (the rule needs the arm's motion).
    """
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages
    from vjepa_ros.train.pretrain_data import load_clip_segments

    t0 = 1_700_000_000 * 10**9
    entries = []
    for k in range(STEPS):
        time = t0 + k * 250_000_000
        picture = _picture(3 if 4 <= k <= 12 else k)
        entries.append(("/camera/camera/color/image_raw", m.IMAGE, time,
                        m.image_message(picture, time, "camera")))
    bag = write_messages(tmp_path / "bag", entries)
    segments = load_clip_segments([bag], frames_per_clip=4, log=None)
    assert [len(segment) for segment in segments] == [STEPS]


def test_pretrain_says_the_stale_steps_of_several_sources_once_with_their_totals(tmp_path):
    """Three hung episodes (9 of 17 steps stale each) and a clean one: one line, 27 of 51 steps.

    It names the three (``hung0.npz``, ...) and no per-source line is left beside it.
    """
    from vjepa_ros.train.pretrain_data import load_clip_segments

    # three recordings (other pictures each): copies of one would be read once (fix55a)
    paths = [_episode(tmp_path / f"hung{n}.npz", [_picture(100 * n + (3 if 4 <= k <= 12 else k))
                                                  for k in range(STEPS)]) for n in range(3)]
    paths.append(_episode(tmp_path / "clean.npz", [_picture(k) for k in range(STEPS)]))
    lines: list[str] = []
    segments = load_clip_segments(paths, frames_per_clip=4, log=lines.append)
    assert len(segments) == 7
    (line,) = [line for line in lines if "did not change" in line]
    assert "27 of 51 steps in 3 sources (hung0.npz, hung1.npz, hung2.npz) dropped" in line, line
    assert "publishes no new images" in line and "clean.npz" not in line, line
