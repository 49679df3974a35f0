"""fix57b: the families of breaker57b's pretraining defects (test_breaker57b.py holds the cases).

- runs that train nothing (the saved encoder its seeded initialization) refused before data is
  read: a momentum of 1 (or within float32's rounding of it), an lr 0 at every update;
  ``ipe_scale x steps`` beyond a float, and a step count beyond one, refused in one line;
- whole counts of a setting x steps (warm-up, schedule length) exact for every 3-decimal
  fraction, not one update short of the decimal product;
- near-black recordings (12-bit values in 16-bit words, either byte order; 8-bit frames that
  dark) noted by every reader of recorded frames: train's and pretrain's ``load_segments``
  (``.npz`` and bags) and eval's / camera-check's ``Recording.colour_notes``, never rescaled;
- ``effective_rank`` of features spread at float32 rounding reads 0, a healthy set as before.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
import yaml
from test_pretrain_encoder import TINY

from vjepa_ros.channel_notes import DarkFrames, recorded_frames_note
from vjepa_ros.cli import main
from vjepa_ros.train.collapse import RANK_TOLERANCE, collapse_monitors, effective_rank
from vjepa_ros.train.pretrain_config import PretrainConfig, load_pretrain_config
from vjepa_ros.train.pretrain_schedule import (
    peak_lr,
    schedule_lengths,
    warmup_cosine_lr,
    warmup_updates,
    whole_updates,
)

pytestmark = pytest.mark.usefixtures("one_thread")


# ------------------------------------------------------------ runs that would train nothing


@pytest.mark.parametrize("start", [1.0, 1 - 1e-9, 1 - 2.0 ** -25])
def test_a_momentum_at_or_within_float32_rounding_of_one_is_refused(start):
    """ema_start 1, or 1 - ema_start below 2^-24: the target encoder (the file) never moves."""
    with pytest.raises(ValueError, match=r"^PretrainConfig\.ema_start .*seeded initialization"):
        PretrainConfig(ema_start=start, ema_end=1.0)


@pytest.mark.parametrize(("start", "end"), [(0.998, 1.0), (0.99925, 0.99925), (0.0, 0.0),
                                            (1 - 2.0 ** -20, 1.0)])
def test_momenta_that_move_the_target_encoder_pass(start, end):
    """V-JEPA's [0.998, 1.0], V-JEPA 2's constant 0.99925, 0 (a copy), 1 - 2^-20: accepted."""
    config = PretrainConfig(ema_start=start, ema_end=end)
    assert (config.ema_start, config.ema_end) == (start, end)


def test_the_target_encoder_moves_at_the_smallest_momentum_step_accepted():
    """1 - ema_start just above float32's rounding: a float32 weight does move (the rule's edge).

    A weight 1.0 and its online copy 2.0 (a distance as large as the weight): lerp by 2^-23
    changes it; by 2^-25 (refused) it rounds back to 1.0.
    """
    target, online = torch.ones(1), torch.full((1,), 2.0)
    assert target.clone().lerp_(online, 2.0 ** -23).item() != 1.0
    assert target.clone().lerp_(online, 2.0 ** -25).item() == 1.0
    PretrainConfig(ema_start=1 - 2.0 ** -23)


def test_an_lr_of_zero_at_every_update_is_refused_and_a_positive_one_passes():
    """One step without a warm-up gets the cosine's end: final_lr 0 is an lr of 0 throughout.

    Refused naming final_lr; two steps, ipe_scale 2 (schedule 2) or final_lr > 0 train.
    """
    with pytest.raises(ValueError, match=r"^PretrainConfig\.final_lr 0 .*0 at every update"):
        PretrainConfig(steps=1, final_lr=0.0, ipe_scale=1.25)
    for settings in ({"steps": 2}, {"steps": 1, "ipe_scale": 2.0},
                     {"steps": 1, "final_lr": 1e-6}):
        config = PretrainConfig(**{"final_lr": 0.0, **settings})
        total, _ = schedule_lengths(config.steps, config.ipe_scale)
        warmup = warmup_updates(config.warmup_fraction, config.steps)
        rates = [warmup_cosine_lr(s, total, warmup, config.start_lr, config.lr, config.final_lr)
                 for s in range(config.steps)]
        assert max(rates) > 0 and peak_lr(config.steps, warmup, total, config.start_lr,
                                          config.lr, config.final_lr) == max(rates), settings


@pytest.mark.parametrize("steps", [1, 2, 3, 7, 50, 1500])
@pytest.mark.parametrize("fraction", [0.0, 0.133, 0.5, 0.58, 0.999])
def test_peak_lr_is_the_highest_lr_of_the_run(steps, fraction):
    """``peak_lr`` (the refusal's rule) is the max of every update's lr, warm-up or not."""
    total, _ = schedule_lengths(steps, 1.25)
    warmup = warmup_updates(fraction, steps)
    rates = [warmup_cosine_lr(s, total, warmup, 0.0, 6.25e-4, 0.0) for s in range(steps)]
    assert peak_lr(steps, warmup, total, 0.0, 6.25e-4, 0.0) == max(rates)


def test_steps_zero_still_saves_the_seeded_initialization_on_purpose():
    """``steps: 0`` is documented (the seeded file): not refused by the no-op rule."""
    assert PretrainConfig(steps=0, final_lr=0.0).steps == 0


@pytest.mark.parametrize(("settings", "named"), [
    ({"ipe_scale": 1e306, "steps": 1000}, "ipe_scale"),
    ({"ipe_scale": 1.7e308, "steps": 2}, "ipe_scale"),
    ({"steps": 10 ** 400}, "steps"),
    ({"ema_start": 1.0}, "ema_start"),
    ({"steps": 1, "final_lr": 0.0}, "final_lr"),
])
def test_a_run_of_nothing_or_beyond_a_float_is_refused_in_one_line_naming_the_file(
        tmp_path, capsys, settings, named):
    """From ``--config``: exit 2 or 1, one line naming the file and the key, before any data.

    ``--data`` is a folder that does not exist: the settings are refused before it is looked at.
    """
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({**TINY, **settings}))
    with pytest.raises(ValueError, match=f"{path}: {named}"):
        load_pretrain_config(path)
    code = main(["pretrain", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "e.pt"),
                 "--config", str(path), "--threads", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code in (1, 2) and len(err.splitlines()) == 1, err
    assert named in err and "none" not in err.replace(str(path), ""), err
    assert not (tmp_path / "e.pt").exists()


# ------------------------------------------------- whole counts of a setting x steps, exact


def test_every_three_decimal_fraction_of_a_step_count_is_its_decimal_whole_part():
    """Warm-up and schedule length: floor of the decimal product, for 0.000..0.999 x 6 counts.

    Against exact rational arithmetic (``fractions.Fraction`` of the decimal text): the float
    product's truncation was one short for 28 of these pairs (breaker57b).
    """
    wrong = []
    for thousandths in range(1000):
        fraction = float(f"0.{thousandths:03d}")
        for steps in (10, 50, 100, 300, 1000, 1500):
            exact = math.floor(Fraction(f"0.{thousandths:03d}") * steps)
            if warmup_updates(fraction, steps) != exact:
                wrong.append((fraction, steps))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(("scale", "steps", "length"), [(1.15, 100, 115), (1.25, 1500, 1875),
                                                        (1.1, 10, 11), (1.3, 1, 1), (2.0, 1, 2)])
def test_the_schedule_length_is_the_decimal_product_truncated(scale, steps, length):
    """1.15 x 100 is the float 114.99999999999999: 115 updates, as the decimal says."""
    assert schedule_lengths(steps, scale) == (length, scale * steps)


def test_whole_updates_refuses_a_product_beyond_a_float():
    with pytest.raises(ValueError, match="beyond a float"):
        whole_updates(1e306 * 1000)


# ------------------------------------------------------ near-black recordings, every reader


def _blob(tmp_path, name: str, convert, states: bool = True) -> object:
    """Save a blob episode (4 Hz) whose frames are ``convert(frames)`` as ``name``.

    ``states``: with the arm's states (train's episode), else frames and stamps alone.
    """
    from vjepa_ros.train.synthetic import blob_episode

    episode = blob_episode(frames=10, seed=2, size=32)
    path = tmp_path / name
    arm = {"states": episode.states[None]} if states else {}
    np.savez(path, observations=convert(episode.frames)[None],
             timestamps=episode.timestamps[None], **arm)
    return path


DARK = {
    "12-bit <u2": lambda f: (f.astype("<u2") * 16),  # 0..4080 of 65535
    "12-bit >u2": lambda f: (f.astype(">u2") * 16),
    "8-bit dark": lambda f: f // 16,  # 0..15 of 255
}


@pytest.mark.parametrize("layout", list(DARK))
def test_pretrain_notes_a_near_black_npz_and_keeps_its_frames(tmp_path, layout):
    """``load_segments`` as pretrain reads a camera-only episode: the note, the frames as read.

    The note names the file and says near-black and the recorded fix; the frames are the
    file's (v / 257), not rescaled. The bright original gets no such note.
    """
    from vjepa_ros.train.episodes import Source, load_segments

    dark = _blob(tmp_path, "dark.npz", DARK[layout], states=False)
    segments, notes = load_segments(Source(dark, "npz"), _camera_only())
    said = [note for note in notes if "near-black" in note]
    assert len(said) == 1 and "dark.npz" in said[0] and "<< 4" in said[0], notes
    assert max(int(s.frames.max()) for s in segments) <= 16  # as read: not rescaled
    bright = _blob(tmp_path, "bright.npz", lambda f: f, states=False)
    _, notes = load_segments(Source(bright, "npz"), _camera_only())
    assert not any("near-black" in note for note in notes), notes


def _camera_only():
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.train.config import DataConfig

    return DataConfig(frames_per_clip=4, topics=BagTopics(state_source="none", no_gripper=True))


@pytest.mark.parametrize("layout", list(DARK))
def test_train_names_near_black_frames_as_the_cause_when_it_finds_no_motion_in_them(
        tmp_path, layout):
    """``vjepa-ros train``'s reader (states): the arm moves, near-black frames barely change.

    The stale-frame rule (grey levels 32 / 8 / 3) reads every step as a frozen camera; the
    refusal then also says the frames are near-black and what to do (shift left by 4), not
    only "the camera driver publishes no new images". The bright original trains.
    """
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import ShortSourceError, Source, load_segments

    dark = _blob(tmp_path, "dark.npz", DARK[layout])
    with pytest.raises(ShortSourceError, match=r"dark\.npz: .*its frames are near-black.*<< 4"):
        load_segments(Source(dark, "npz"), DataConfig(frames_per_clip=4))
    segments, notes = load_segments(Source(_blob(tmp_path, "bright.npz", lambda f: f), "npz"),
                                    DataConfig(frames_per_clip=4))
    assert segments and not any("near-black" in note for note in notes), notes


def test_a_near_black_bag_is_noted_by_pretrain_eval_and_camera_check_readers(tmp_path):
    """A bag of dark frames is noted by every bag reader; the same frames bright are not.

    ``load_segments`` (pretrain, the camera alone) and ``Recording.colour_notes`` (eval,
    camera-check).
    """
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.recordings.bags import read_recording
    from vjepa_ros.train.episodes import Source, load_segments
    from vjepa_ros.train.synthetic import blob_episode

    episode = blob_episode(frames=10, seed=4, size=32)
    for name, frames, dark in (("dark", episode.frames // 16, True),
                               ("bright", episode.frames, False)):
        bag = write_bag(tmp_path / name, frames, episode.states, episode.timestamps)
        _, notes = load_segments(Source(bag, "bag"), _camera_only())
        said = [note for note in notes if "near-black" in note]
        assert len(said) == dark and all(name in note for note in said), notes
        colour = read_recording(bag).colour_notes()
        assert any("near-black" in note for note in colour) == dark, colour


def test_a_recording_dark_at_first_then_bright_or_one_value_throughout_is_not_noted():
    """As the live node: exposure settling (dark, then bright) or all zeros: no note."""
    rng = np.random.default_rng(0)
    dark = rng.integers(0, 17, (6, 24, 24, 3)).astype(np.uint8)
    lit = rng.integers(0, 256, (6, 24, 24, 3)).astype(np.uint8)
    assert recorded_frames_note([dark], "a.npz").startswith("the frames of a.npz are near-black")
    assert recorded_frames_note([dark, lit], "a.npz") == ""
    assert recorded_frames_note([np.concatenate([dark, lit])], "a.npz") == ""
    assert recorded_frames_note([np.zeros((4, 8, 8, 3), np.uint8)] * 2, "a.npz") == ""
    assert recorded_frames_note([np.full((4, 8, 8, 3), 7, np.uint8),
                                 np.full((4, 8, 8, 3), 9, np.uint8)], "a.npz") != ""
    one_pixel = dark.copy()
    one_pixel[5, 23, 23, 2] = 17  # a single bright value, off the every-7th sample
    judged = DarkFrames()
    judged.add(one_pixel)
    assert judged.bright and judged.note("x") == ""


# ------------------------------------------------ effective_rank: rounding-level spread is none


def test_effective_rank_drops_directions_at_rounding_and_keeps_the_rest():
    """Every direction at 1e-7 of the scale reads 0; half healthy, half at 1e-7: about 16.

    Without ``scale`` every direction at 1e-7 read ~32 (the entropy is blind to a common scale).
    """
    generator = torch.Generator().manual_seed(3)
    noise = torch.randn(2000, 32, generator=generator, dtype=torch.float64)
    assert effective_rank(noise * 1e-7) > 30  # no scale given: the formula as given
    assert effective_rank(noise * 1e-7, scale=1.0) == 0.0
    spread = torch.ones(32, dtype=torch.float64)
    spread[16:] = 1e-7
    assert 14 < effective_rank(noise * spread, scale=1.0) <= 16
    assert effective_rank(noise, scale=1.0) > 30  # a healthy matrix keeps its rank
    assert effective_rank(noise, scale=1.0 / (RANK_TOLERANCE * 0.1)) == 0.0  # all below


@pytest.mark.parametrize("size", [1e-3, 1.0, 1e3])
def test_effective_rank_of_collapsed_features_reads_zero_at_any_feature_size(size):
    """Raw (not layer-normed) features of any size, frames equal up to 1e-7 of it: rank 0.

    A healthy set of the same size reads high: the tolerance is relative to the features.
    """
    generator = torch.Generator().manual_seed(5)
    one = torch.randn(1, 8, 24, generator=generator, dtype=torch.float64) * size
    collapsed = one.expand(32, -1, -1) + 1e-7 * size * torch.randn(
        32, 8, 24, generator=generator, dtype=torch.float64)
    healthy = torch.randn(32, 8, 24, generator=generator, dtype=torch.float64) * size
    assert collapse_monitors(collapsed)["effective_rank"] == 0.0
    assert collapse_monitors(healthy)["effective_rank"] > 15
