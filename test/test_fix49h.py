"""fix49h: clips drawn per demonstration, validation clips to each segment's end, lossy copies.

breaker49h's three defects are pinned in ``test_breaker49h.py``; here: how the rules behave at
their edges (a cut by a reset against one by a dropped frame, the disk cache, an old run's
resume, a segment whose windows end at its end, PNG and re-encoded copies, other takes).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from train_bags import reset_frames


@pytest.fixture(autouse=True)
def _one_thread():
    from vjepa_ros.train.synthetic import single_thread

    with single_thread():
        yield


def _bank(lengths, names, recordings=None, trajectories=None, seed=0):
    from vjepa_ros.train.features import FeatureBank

    generator = torch.Generator().manual_seed(seed)
    frames = sum(lengths)
    lengths = torch.tensor(lengths)
    reps = F.layer_norm(torch.randn(frames, 4, 16, generator=generator), (16,))
    return FeatureBank(reps.half(), torch.randn(frames, 7, generator=generator),
                       0.1 * torch.randn(frames, 7, generator=generator),
                       torch.cumsum(lengths, 0) - lengths, lengths, list(names), recordings,
                       trajectories)


# -- demonstrations


def _reset_episode(path, skip_frame: int | None = None, jump_at: int | None = 12, frames=24):
    """Write a 4 Hz .npz episode: the arm teleported 80 cm at ``jump_at``, a frame left out."""
    from vjepa_ros.recordings.episode import Episode

    states = np.zeros((frames, 7), np.float32)
    states[:, 0] = 0.35 + 0.01 * np.arange(frames)
    states[:, 2], states[:, 3] = 0.3, np.pi - 0.1
    if jump_at is not None:
        states[jump_at:, 1] += 0.8  # a simulator reset: 3.2 m/s in one step
    times = np.arange(frames) / 4.0
    keep = np.ones(frames, bool)
    if skip_frame is not None:
        keep[skip_frame] = False  # a dropped frame: a hole of one step
    return Episode.from_states(reset_frames(states[keep]), states[keep],
                               times[keep]).save(path)


def _segments(path, fpc=4):
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.episodes import find_sources, load_segments

    data = make_config({"out": "unused", "data.frames_per_clip": fpc}).data
    return load_segments(find_sources([path])[0], data)[0]


def test_a_reset_starts_a_demonstration_and_a_dropped_frame_does_not(tmp_path):
    reset = _segments(_reset_episode(tmp_path / "reset.npz"))
    assert [s.name for s in reset] == ["reset#0", "reset#1"]
    assert [s.demonstration for s in reset] == [0, 1]
    hole = _segments(_reset_episode(tmp_path / "hole.npz", skip_frame=6, jump_at=None))
    assert [s.name for s in hole] == ["hole#0", "hole#1"]
    assert [s.demonstration for s in hole] == [0, 0]  # one demonstration with a hole
    both = _segments(_reset_episode(tmp_path / "both.npz", skip_frame=6, jump_at=16,
                                    frames=28))
    assert [s.demonstration for s in both] == [0, 0, 1]


def test_demonstration_numbers_count_only_jumps_between_runs():
    from vjepa_ros.train.segments import demonstration_numbers

    times = np.arange(20) * 250
    runs = [(0, 5), (6, 10), (12, 20)]
    assert demonstration_numbers(runs, times, None) == [0, 0, 0]
    assert demonstration_numbers(runs, times, np.zeros((0, 2))) == [0, 0, 0]
    # a jump between steps 10 and 11 (dropped: across it), one inside run 0 does not count
    jumps = np.array([[2600, 2700], [500, 520]])
    assert demonstration_numbers(runs, times, jumps) == [0, 0, 1]
    assert demonstration_numbers(runs, times, np.array([[1000, 1100]])) == [0, 1, 1]


def test_the_disk_cache_and_memory_banks_number_the_same_trajectories(tmp_path):
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.data_banks import load_banks
    from vjepa_ros.train.features import load_encoder
    from vjepa_ros.train.synthetic import blob_episode, write_tiny_encoder

    _reset_episode(tmp_path / "data/a_reset.npz")
    _reset_episode(tmp_path / "data/b_hole.npz", skip_frame=6, jump_at=None)
    blob_episode(10, seed=2, size=16).save(tmp_path / "data/c.npz")
    encoder_path = write_tiny_encoder(tmp_path / "encoder.pt")
    encoder = load_encoder(encoder_path)[0]
    banks = []
    for cache in (None, str(tmp_path / "features")):
        settings = {"out": str(tmp_path / "out"), "encoder": str(encoder_path),
                    "data.train": [str(tmp_path / "data")], "data.val_fraction": 0,
                    "data.frames_per_clip": 4, "progress": False}
        if cache:
            settings["data.feature_cache_dir"] = cache
        banks.append(load_banks(make_config(settings), encoder, log=lambda line: None)[0])
    for bank in banks:
        assert bank.names == ["a_reset#0", "a_reset#1", "b_hole#0", "b_hole#1", "c"]
        assert bank.recordings.tolist() == [0, 0, 1, 1, 2]
        assert bank.trajectories.tolist() == [0, 1, 2, 2, 3]


def test_the_sampler_draws_each_trajectory_alike_and_one_per_recording_as_before():
    # recording a: two demonstrations (5 and 9 frames); b: one, cut by a hole (6 + 6)
    bank = _bank([5, 9, 6, 6], ["a#0", "a#1", "b#0", "b#1"], torch.tensor([0, 0, 1, 1]),
                 torch.tensor([0, 1, 2, 2]))
    firsts = bank.sample(30_000, 4, torch.Generator().manual_seed(2))
    shares = [float(((firsts >= lo) & (firsts < hi)).double().mean())
              for lo, hi in ((0, 5), (5, 14), (14, 26))]
    assert all(abs(share - 1 / 3) < 0.02 for share in shares), shares
    old = bank.by_recording()
    assert old.trajectories.tolist() == [0, 0, 1, 1]
    # by recording: the draws of a bank without trajectories, bit for bit
    plain = _bank([5, 9, 6, 6], ["a#0", "a#1", "b#0", "b#1"], torch.tensor([0, 0, 1, 1]))
    assert torch.equal(old.sample(64, 4, torch.Generator().manual_seed(5)),
                       plain.sample(64, 4, torch.Generator().manual_seed(5)))
    with pytest.raises(ValueError, match="trajectory spans two recordings"):
        _bank([5, 5], ["a", "b"], torch.tensor([0, 1]), torch.tensor([0, 0]))
    joined = type(bank).concat([bank, bank])
    assert joined.trajectories.tolist() == [0, 1, 2, 2, 3, 4, 5, 5]


# -- resuming a run from before fix49h


def _trainer(out, bank, steps=6):
    from vjepa_ros.models.encoder import EncoderConfig, VisionEncoder
    from vjepa_ros.models.predictor import ACPredictor, PredictorConfig
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.trainer import Trainer

    torch.manual_seed(0)
    encoder = VisionEncoder(EncoderConfig(embed_dim=16, depth=1, num_heads=1, img_size=32))
    predictor = ACPredictor(PredictorConfig(embed_dim=16, predictor_embed_dim=24, depth=1,
                                            num_heads=1, img_size=32))
    config = make_config({"out": str(out), "steps": steps, "batch_size": 4, "eval_every": 0,
                          "save_every": 0, "progress": False, "device": "cpu",
                          "data.frames_per_clip": 4, "seed": 3, "optim.warmup": 3,
                          "optim.decay": 2})
    val = _bank([9, 6], ["v", "w"], seed=1)  # 9 frames: windows 0, 3 and 5 (the end)
    return Trainer(config, encoder, predictor, bank, val)


def _session_bank():
    return _bank([6, 8, 10, 7], ["s#0", "s#1", "s#2", "e"], torch.tensor([0, 0, 0, 1]),
                 torch.tensor([0, 1, 2, 3]))


def test_an_old_run_resumes_drawing_per_recording_bit_for_bit(tmp_path):
    from vjepa_ros.models import load_models
    from vjepa_ros.train.resume_checks import read_latest
    from vjepa_ros.train.trainer import Trainer

    old = _trainer(tmp_path / "old", _session_bank().by_recording())  # as before fix49h
    old.sampler = "recording"
    old.train()
    part = _trainer(tmp_path / "part", _session_bank().by_recording())
    part.train(until=3)
    path, state = read_latest(tmp_path / "part")
    assert state["sampler"] == "trajectory"
    del state["sampler"]  # a latest.pt written before fix49h
    encoder, predictor = load_models(path)
    resumed = Trainer(part.config, encoder, predictor, _session_bank(), _bank([9, 6], ["v", "w"],
                                                                             seed=1))
    note = resumed.restore(state)
    assert "keeps drawing one recording" in note and "validation clips now cover" in note
    resumed.train()
    assert [r["loss"] for r in old.history["train"]] == \
        [r["loss"] for r in resumed.history["train"]]
    assert read_latest(tmp_path / "part")[1]["sampler"] == "recording"  # kept on the next save
    # a new run's latest.pt: per demonstration, no note
    fresh = _trainer(tmp_path / "new", _session_bank())
    fresh.train(until=2)
    again = Trainer(fresh.config, *load_models(read_latest(tmp_path / "new")[0]),
                    _session_bank(), None)
    assert again.restore(read_latest(tmp_path / "new")[1]) is None
    assert again.train_bank.trajectories.tolist() == [0, 1, 2, 3]


def test_a_sampler_this_version_does_not_know_is_refused(tmp_path):
    from vjepa_ros.config import ConfigError
    from vjepa_ros.train.resume_checks import resumed_sampler

    bank = _session_bank()
    with pytest.raises(ConfigError, match="draws clips by 'window'"):
        resumed_sampler({"sampler": "window", "step": 3}, bank, None, 4)
    same, rule, notes = resumed_sampler({"step": 3}, bank.by_recording(), None, 4)
    assert rule == "trajectory" and notes == []  # one demonstration per recording: alike


# -- validation clips


@pytest.mark.parametrize("lengths", [[7], [10], [8], [4, 5, 13], [3, 9]])
def test_fixed_clips_cover_every_transition_once_where_the_windows_fit(lengths):
    bank = _bank(lengths, [f"r{k}" for k in range(len(lengths))])
    fpc = 4
    firsts = bank.fixed_clips(fpc, 256).tolist()
    assert firsts == sorted(firsts) and firsts == bank.fixed_clips(fpc, 256).tolist()
    counts = np.zeros(bank.num_frames, int)
    for first in firsts:
        counts[first:first + fpc - 1] += 1  # the transitions of the clip
        assert any(s <= first and first + fpc <= s + n for s, n in
                   zip(bank.starts.tolist(), bank.lengths.tolist(), strict=True))
    for start, length in zip(bank.starts.tolist(), bank.lengths.tolist(), strict=True):
        own = counts[start:start + length - 1]
        if length < fpc:
            assert not own.any()
            continue
        assert own.min() == 1  # every transition
        assert own.max() == (1 if (length - fpc) % (fpc - 1) == 0 else 2)  # a fit: once


@pytest.mark.parametrize("fpc", [3, 4])
def test_one_segment_tail_rule_for_the_clips_and_the_resume_note(fpc):
    """fixed_clips' extra window and resumed_sampler's note on it follow one rule."""
    from vjepa_ros.train.features import tail_window
    from vjepa_ros.train.resume_checks import resumed_sampler

    for length in range(1, 15):
        bank = _bank([length], ["r"])
        strided = len(range(0, length - fpc + 1, fpc - 1))  # windows every fpc - 1 frames
        extra = len(bank.fixed_clips(fpc, 256)) - strided
        assert extra == int(tail_window(length, fpc)), length
        _, _, notes = resumed_sampler({"step": 5}, bank, bank, fpc)  # a run from before
        assert any("last transitions" in note for note in notes) == tail_window(length, fpc)


# -- lossy copies


def _copies(tmp_path):
    import cv2

    from vjepa_ros.cli import main
    from vjepa_ros.recordings.episode import Episode
    from vjepa_ros.train.synthetic import blob_episode

    data = tmp_path / "data"
    original = blob_episode(16, seed=3, size=32)
    original.save(data / "take1.npz")
    for fmt in ("png", "jpeg"):
        assert main(["bag-from-npz", "--image-format", fmt, "--episode",
                     str(data / "take1.npz"), str(data / f"take1_{fmt}")]) == 0
    recoded = []
    for frame in original.frames:  # the episode's frames JPEG-compressed again (quality 75)
        _, data_bytes = cv2.imencode(".jpg", frame[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 75])
        recoded.append(cv2.imdecode(data_bytes, cv2.IMREAD_COLOR)[:, :, ::-1])
    Episode.from_states(np.stack(recoded), original.states, original.timestamps).save(
        data / "take1_q75.npz")
    # the same scene taken again: the same frames' look, states 1 mm off
    nudged = original.states + np.float32(0.001) * (np.arange(7) < 3)
    Episode.from_states(original.frames, nudged, original.timestamps).save(data / "retake.npz")
    blob_episode(16, seed=4, size=32).save(data / "take2.npz")
    return data


def test_png_jpeg_and_reencoded_copies_are_read_once_and_other_takes_are_kept(tmp_path):
    from vjepa_ros.train.config import make_config
    from vjepa_ros.train.data_banks import load_banks
    from vjepa_ros.train.features import load_encoder
    from vjepa_ros.train.synthetic import write_tiny_encoder

    data = _copies(tmp_path)
    encoder_path = write_tiny_encoder(tmp_path / "encoder.pt")
    config = make_config({"out": str(tmp_path / "out"), "encoder": str(encoder_path),
                          "data.train": [str(data)], "data.val_fraction": 0,
                          "data.frames_per_clip": 4, "progress": False})
    lines = []
    _, _, info = load_banks(config, load_encoder(encoder_path)[0], log=lines.append)
    assert sorted(info["train"]["names"]) == ["retake.npz", "take1.npz", "take2.npz"]
    skipped = [line for line in lines if "skipped" in line]
    assert len(skipped) == 3 and all("take1.npz" in line for line in skipped), skipped


def test_frames_apart_by_more_than_a_lossy_codec_are_not_the_same():
    from vjepa_ros.train.same_content import FRAMES_RTOL, same_frames

    reps = F.layer_norm(torch.randn(6, 4, 16, generator=torch.Generator().manual_seed(0)),
                        (16,))
    noise = torch.randn(6, 4, 16, generator=torch.Generator().manual_seed(1))
    scale = reps.abs().mean() / noise.abs().mean()
    assert same_frames(reps, reps + 0.8 * FRAMES_RTOL * scale * noise)
    assert not same_frames(reps, reps + 1.3 * FRAMES_RTOL * scale * noise)
    other = reps.clone()
    other[5] = reps[4]  # one frame of another moment, among equal ones
    assert not same_frames(reps, other)
