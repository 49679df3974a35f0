"""mend55a: the one picture-repeat mechanics (``picture_repeats``) decides as the three copies did.

Before mend55a the camera check (``eval.camera_check_unchanged``), the captures
(``robot.capture_pictures``) and training (``train.stale_frames``) each had their own sampling,
grey-level change and share. The old functions are kept here only as the oracle: every pair of
frames below gets the same decision from the old code and from :func:`same_picture` with the
use's :class:`RepeatRule`, and a sequence the same repeats (``first_seen``, training's window).

Frames: blurred random texture (three sizes, grey too), the package's pybullet scene from 2 and
2.5 m (320x240, 256x256) with the hand moved 5 mm, 1, 2 and 4 cm or closed, and, of each, the
frozen camera's copies (the same bytes, JPEG re-encoded at 30..95, dither +-3 and +-12, sensor
noise, a time stamp drawn in) and real changes (light +2..+6 levels, a region changed, pixels
changed one by one up to each rule's floor and past it: the boundary arithmetic).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from vjepa_ros.eval.camera_check_unchanged import CHECK, first_seen
from vjepa_ros.picture_repeats import RepeatRule, picture, same_picture
from vjepa_ros.robot.capture_pictures import CAPTURE
from vjepa_ros.train.stale_frames import TRAINING, stale_steps

pytestmark = pytest.mark.usefixtures("one_thread")


# -- the oracle: the three copies as they were at main 29438d5b


def _old_picture(frame, side):
    frame = np.asarray(frame)
    step = max(1, math.ceil(max(frame.shape[:2], default=1) / side))
    sample = frame[::step, ::step] if frame.ndim >= 2 else frame
    sample = sample.reshape(*sample.shape[:2], -1) if frame.ndim >= 2 else sample
    return tuple(frame.shape), np.array(sample, copy=True)


def _old_changed(a, b, grey_levels):
    if a.dtype == np.uint8 and b.dtype == np.uint8:
        changed = (np.maximum(a, b) - np.minimum(a, b)) > grey_levels
    else:
        changed = np.abs(a.astype(np.int16) - b.astype(np.int16)) > grey_levels
    if changed.ndim != 3 or not changed.shape[-1]:
        return changed.any(-1) if changed.ndim == 3 else changed
    folded = changed[..., 0].copy()
    for channel in range(1, changed.shape[-1]):
        folded |= changed[..., channel]
    return folded


def _old_same_picture(a, b, floor, grey_levels, side):
    a, b = _old_picture(a, side), _old_picture(b, side)
    if a[0] != b[0]:
        return False
    changed = _old_changed(a[1], b[1], grey_levels)
    share = float(np.count_nonzero(changed) / changed.size) if changed.size else 0.0
    return share < floor


def old_check(a, b):
    return _old_same_picture(a, b, 0.005, 8, 64)


def old_capture(a, b):
    return _old_same_picture(a, b, 0.00005, 32, 640)


def _old_first_seen(pictures, positions, min_shift_m):
    pictures = [_old_picture(p, 64) for p in pictures]
    positions = np.asarray(positions, dtype=np.float64).reshape(len(pictures), -1)[:, :3]
    origins, kept = [], {}
    for i, (shape, sample) in enumerate(pictures):
        indices, samples = kept.setdefault(shape, [[], []])
        origin = i
        if indices:
            far = np.linalg.norm(positions[indices] - positions[i], axis=1) >= min_shift_m
            if far.any():
                stack = np.stack([samples[k] for k in np.flatnonzero(far)])
                changed = np.abs(stack.astype(np.int16) - sample) > 8
                changed = changed.any(-1) if changed.ndim == 4 else changed
                same = changed.reshape(len(stack), -1).mean(1) < 0.005
                if same.any():
                    origin = indices[int(np.flatnonzero(far)[np.argmax(same)])]
        if origin == i:
            indices.append(i)
            samples.append(sample)
        origins.append(origin)
    return origins


def _old_prepared(frame):
    frame = np.ascontiguousarray(frame)
    step = max(1, math.ceil(max(frame.shape[:2], default=1) / 64))
    sample = np.ascontiguousarray(frame[::step, ::step])
    return frame, sample, sample.reshape(-1, *frame.shape[2:]).mean(0)


def _old_changed_pixels(a, b):
    changed = cv2.absdiff(a, b) > 32
    return int(np.count_nonzero(changed.any(-1) if changed.ndim == 3 else changed))


def _old_same(a, b):
    (frame_a, sample_a, mean_a), (frame_b, sample_b, mean_b) = a, b
    if frame_a.shape != frame_b.shape or frame_a.dtype != frame_b.dtype:
        return False
    pixels = math.prod(frame_a.shape[:2])
    limit = 0.0003 * pixels
    if np.any(np.abs(mean_a - mean_b) > 3) or _old_changed_pixels(sample_a, sample_b) >= limit:
        return False
    if _old_changed_pixels(frame_a, frame_b) >= limit:
        return False
    difference = frame_a.astype(np.float32) - frame_b.astype(np.float32)
    mean = cv2.blur(difference, (5, 5), borderType=cv2.BORDER_REFLECT)
    changed = np.abs(mean) > 8
    broad = int(np.count_nonzero(changed.any(-1) if changed.ndim == 3 else changed))
    return broad < 0.01 * pixels


def old_training(a, b):
    return _old_same(_old_prepared(a), _old_prepared(b))


def _old_stale_steps(frames, positions):
    """Return the old training rule's stale steps, each compared with every earlier one."""
    pictures = [_old_prepared(frame) for frame in frames]
    seen, stale = [], []
    for i, mine in enumerate(pictures):
        far = [j for j in seen if np.linalg.norm(positions[j] - positions[i]) >= 0.005]
        repeat = any(_old_same(pictures[j], mine) for j in far)
        if not repeat:
            seen.append(i)
        moved = i > 0 and np.linalg.norm(positions[i] - positions[i - 1]) >= 0.005
        stale.append(repeat or bool(moved and _old_same(pictures[i - 1], mine)))
    return stale


OLD_CHECK = RepeatRule(sample_side=64, grey_levels=8, floor=0.005)  # before mend55a's step 2
OLD = {"check": (old_check, OLD_CHECK), "capture": (old_capture, CAPTURE),
       "training": (old_training, TRAINING)}

# -- the frames


def _texture(seed, shape):
    pixels = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    return cv2.GaussianBlur(pixels, (0, 0), 1.0)


def _jpeg(frame, quality):
    return cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])[1],
                        cv2.IMREAD_UNCHANGED)


def _stamped(frame, text):
    out = frame.copy()
    scale = frame.shape[0] / 480
    cv2.rectangle(out, (0, 0), (int(300 * scale), int(22 * scale)), 0, -1)
    cv2.putText(out, text, (int(4 * scale), int(16 * scale)), cv2.FONT_HERSHEY_SIMPLEX,
                0.5 * scale, 255, 1)
    return out


def _pixels_changed(frame, count, levels, seed):
    """Return ``frame`` with ``count`` isolated pixels changed by exactly ``levels`` in a channel.

    The pixels lie on the camera check's sample grid (every k-th) at least 6 px apart (a 5 px
    box averages each alone), the channel changed is each pixel's own (every channel in turn).
    """
    out = frame.reshape(*frame.shape[:2], -1).copy()
    k = math.ceil(max(frame.shape[:2]) / 64)
    spacing = k * math.ceil(6 / k)
    rows, cols = np.meshgrid(np.arange(0, frame.shape[0], spacing),
                             np.arange(0, frame.shape[1], spacing), indexing="ij")
    chosen = np.random.default_rng(seed).choice(rows.size, size=min(count, rows.size),
                                                replace=False)
    for n, (row, col) in enumerate(zip(rows.ravel()[chosen], cols.ravel()[chosen],
                                       strict=True)):
        channel = n % out.shape[-1]
        value = int(out[row, col, channel])
        out[row, col, channel] = value + levels if value + levels <= 255 else value - levels
    return out.reshape(frame.shape)


def _region(frame, share, levels):
    """Return ``frame`` with a square of ``share`` of its pixels ``levels`` brighter (clipped)."""
    out = frame.astype(int)
    h, w = frame.shape[:2]
    side = round(math.sqrt(share * h * w))
    out[h // 3:h // 3 + side, w // 3:w // 3 + side] += levels
    return np.clip(out, 0, 255).astype(np.uint8)


def copies(frame, seed):
    """Return [(name, frame or (frame, next frame))]: a frozen camera's copies, small changes."""
    rng = np.random.default_rng(seed)
    out = [("same bytes", frame.copy())]
    for quality in (30, 50, 75, 95):
        out.append((f"JPEG {quality}", _jpeg(_jpeg(frame, quality), quality)))
    for levels in (3, 12):
        noise = rng.integers(-levels, levels + 1, frame.shape)
        out.append((f"dither {levels}", np.clip(frame + noise, 0, 255).astype(np.uint8)))
    out.append(("noise 3", np.clip(np.round(frame + rng.normal(0, 3, frame.shape)), 0, 255)
                .astype(np.uint8)))
    out.append(("stamp", _stamped(_stamped(frame, "12:00:01.123"), "12:00:02.456")))
    out.append(("stamp on a stamp", (_stamped(frame, "12:00:01.123"),
                                     _stamped(frame, "12:00:02.456"))))
    for levels in (2, 3, 4, 6):
        out.append((f"light +{levels}", np.clip(frame.astype(int) + levels, 0, 255)
                    .astype(np.uint8)))
    for share in (0.008, 0.01, 0.011, 0.012, 0.013, 0.014, 0.03):  # soft: broadly, by 8 or 9
        for levels in (8, 9):
            out.append((f"region {share:g} +{levels}", _region(frame, share, levels)))
    for levels in (32, 33):  # a sharp one, too small for the mean level and broadly
        out.append((f"region 0.002 +{levels}", _region(frame, 0.002, levels)))
    h, w = frame.shape[:2]
    step = math.ceil(max(h, w) / 64)
    samples = math.ceil(h / step) * math.ceil(w / step)
    for count, levels in ((0.005 * samples, 8), (0.00005 * h * w, 32), (0.0003 * h * w, 32)):
        for k in (math.floor(count) - 1, math.floor(count), math.floor(count) + 1,
                  math.floor(count) + 3):
            for by in (levels, levels + 1):
                changed = _pixels_changed(frame, max(k, 1), by, seed + k)
                out.append((f"{k} pixels by {by}", changed))
    return out


@pytest.fixture(scope="module")
def rendered():
    """Return {camera: [(pose, frame)]}: the scene from 2 and 2.5 m, the hand moved or closed."""
    from vjepa_ros.sim.camera import Camera, camera_at_distance
    from vjepa_ros.sim.config import SimConfig
    from vjepa_ros.sim.sim import Sim

    config = SimConfig()
    cameras = {(distance, size): camera_at_distance(config.camera, distance, *size)
               for distance in (2.0, 2.5) for size in ((320, 240), (256, 256))}
    changes = {"home": np.zeros(7), "5 mm y": np.r_[0, 0.005, 0, 0, 0, 0, 0],
               "1 cm x": np.r_[0.01, 0, 0, 0, 0, 0, 0], "2 cm z": np.r_[0, 0, 0.02, 0, 0, 0, 0],
               "4 cm y": np.r_[0, 0.04, 0, 0, 0, 0, 0], "hand closed": np.r_[0, 0, 0, 0, 0, 0, 1.]}
    out = {}
    with Sim(config) as sim:
        sim.reset(seed=0)
        built = {key: Camera(camera, sim._p) for key, camera in cameras.items()}
        home = sim.ee_state().copy()
        for name, change in changes.items():
            with sim.preserved():
                assert sim.move_to(home + change), name
                for key, camera in built.items():
                    out.setdefault(key, []).append((name, camera.render(sim._p, sim.client)))
    return out


def _pair(base, copy) -> tuple:
    """Return (frame, next frame): ``copy`` a frame (after ``base``) or a pair of frames."""
    return copy if isinstance(copy, tuple) else (base, copy)


def _pairs(rendered):
    pairs = []
    for key, poses in rendered.items():
        home = poses[0][1]
        pairs += [(f"{key} home vs {name}", home, frame) for name, frame in poses[1:]]
        pairs += [(f"{key} {name}", *_pair(home, frame)) for name, frame in copies(home, 1)]
    for shape in ((48, 64, 3), (256, 256, 3), (480, 640, 3), (120, 160)):
        base = _texture(0, shape)
        pairs += [(f"texture {shape} {name}", *_pair(base, frame))
                  for name, frame in copies(base, 2)]
        pairs.append((f"texture {shape} vs another", base, _texture(1, shape)))
    pairs.append(("other shapes", _texture(0, (48, 64, 3)), _texture(0, (64, 48, 3))))
    return pairs


def test_every_pair_gets_the_old_decision_from_each_rule(rendered):
    """Each use's rule says "the same picture" exactly where its old copy did, and both occur."""
    differ, decided = [], {name: set() for name in OLD}
    for name, a, b in _pairs(rendered):
        for use, (old, rule) in OLD.items():
            want = old(a, b)
            decided[use].add(want)
            if same_picture(a, b, rule) != want or same_picture(b, a, rule) != old(b, a):
                differ.append(f"{use}: {name}: old {want}")
    assert differ == []
    assert all(found == {True, False} for found in decided.values()), decided


def test_repeats_in_a_sequence_are_found_as_before(rendered):
    """``first_seen`` (the check) and ``stale_steps`` (training) give the old origins and steps.

    The sequence: the rendered poses in turn, then again (repeats of pictures taken elsewhere),
    then JPEG copies and light changes of the first, at positions 1 cm apart or the same.
    """
    for key, poses in rendered.items():
        frames = [frame for _, frame in poses]
        frames = frames + frames[::-1] + [_jpeg(frames[0], 75), frames[0] + 0, frames[2]]
        frames.append(np.clip(frames[0].astype(int) + 5, 0, 255).astype(np.uint8))
        positions = np.zeros((len(frames), 3))
        positions[:, 0] = 0.01 * (np.arange(len(frames)) % 5)
        assert first_seen(frames, positions, 0.01, OLD_CHECK) == _old_first_seen(frames, positions,
                                                                                 0.01)
        states = np.zeros((len(frames), 7))
        states[:, :3] = positions
        indices = np.arange(len(frames))
        stale = stale_steps(dict(enumerate(frames)), indices, states, indices)
        assert stale.tolist() == _old_stale_steps(frames, positions), key
        assert 0 < stale.sum() < len(frames), key


def test_a_picture_made_once_is_compared_as_the_frame():
    """A :func:`picture` compared again gives what its frame gives (the captures keep them)."""
    a, b = _texture(0, (240, 320, 3)), _texture(0, (240, 320, 3))
    b[100:110, 100:110] = 0
    for rule in (CHECK, OLD_CHECK, CAPTURE, TRAINING):
        assert same_picture(picture(a, rule), picture(b, rule), rule) == same_picture(a, b, rule)
