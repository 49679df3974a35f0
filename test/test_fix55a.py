"""fix55a: the rest of breaker55a's families (``vjepa-ros pretrain``'s frames and memory).

Frames held once, at ``img_size`` when the crop is off (as recorded when it is on); the frames'
memory checked as the sources are read; sources of several sizes with the crop on; a JPEG bag
copy read once, two recordings of one length kept; an ``.npz``'s frames read as a bag's camera
is (16-bit grey refused as depth); the states unusable: a note; a stop after an overflow saves
nothing; ``--device``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import yaml
from test_pretrain_encoder import TINY, tiny_config

from vjepa_ros.cli import main
from vjepa_ros.models.preprocess import IMAGENET_STD, preprocess_frames, resize_frames
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.train import pretrain as pretrain_module
from vjepa_ros.train.pretrain_data import load_clip_segments, spread_frames

pytestmark = pytest.mark.usefixtures("one_thread")


def _states(frames: int) -> np.ndarray:
    states = np.zeros((frames, 7))
    states[:, 0] = np.linspace(0.3, 0.5, frames)
    return states


def _textures(count: int, frames: int, height: int, width: int, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (frames, height, width, 3), dtype=np.uint8)
            for _ in range(count)]


def _settings(tmp_path, **changes):
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 1, "monitor_every": 1,
                                        "batch_size": 2, **changes}))
    return settings


def _held_when_training(tmp_path, settings, data) -> int:
    """Run pretrain; return numpy's bytes held (tracemalloc) when the first step begins."""
    from conftest import load_benchmark

    measure = load_benchmark("bench_pretrain_memory", "fix55a").held_at_first_step
    code, held = measure(["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"),
                          "--config", str(settings), "--threads", "1", "--quiet"])
    assert code == 0
    return held["numpy"]


@pytest.mark.parametrize("crop", [False, True])
def test_frames_are_held_once_at_img_size_without_the_crop_and_as_recorded_with_it(
        tmp_path, capsys, crop):
    """3 episodes of 12 frames 96x128: 32 px frames held without the crop, 96x128 with it.

    Without the crop the frames larger than img_size are kept at it (the encoder sees no more),
    12x fewer bytes here; with it the random box is cut from the frame as recorded, which is
    kept, once (breaker55a measured 2.25x).
    """
    data = tmp_path / "episodes"
    videos = _textures(3, 12, 96, 128)
    for index, video in enumerate(videos):
        Episode.from_states(video, _states(12), np.arange(12) / 4.0).save(data / f"e{index}.npz")
    changes = {"random_resize_scale": [0.3, 1.0]} if crop else {}
    held = _held_when_training(tmp_path, _settings(tmp_path, **changes), data)
    recorded = sum(video.nbytes for video in videos)
    kept = recorded if crop else 36 * 32 * 32 * 3
    assert held < 1.5 * kept, f"{held} bytes held for {kept} bytes of frames kept"
    out = capsys.readouterr().out
    said = "as recorded (the random crop cuts from them)" if crop else "kept at 32x32"
    assert said in out and "frames 128x96 in" in out, out


def test_resized_frames_preprocess_as_the_frames_they_came_from():
    """``resize_frames`` then ``preprocess_frames`` equals ``preprocess_frames`` to 0.5 level.

    Wide (1.33 within the crop range), wider (2.0: cropped to 1.35) and tall (0.5) frames.
    """
    for height, width in ((96, 128), (60, 120), (120, 60)):
        (frames,) = _textures(1, 3, height, width, seed=height)
        small = resize_frames(frames, 32)
        assert small.shape == (3, 32, 32, 3) and small.dtype == np.uint8
        apart = (preprocess_frames(small, 32) - preprocess_frames(frames, 32)).abs().max()
        assert float(apart) <= 0.5 / 255 / min(IMAGENET_STD) + 1e-5, (height, width, apart)


def test_the_frames_memory_is_checked_as_the_sources_are_read(tmp_path, monkeypatch, capsys):
    """Free memory for one source of three: refused after the first, one line naming --data."""
    from vjepa_ros.planning import memory

    data = tmp_path / "episodes"
    for index, video in enumerate(_textures(3, 12, 32, 32)):
        Episode.from_states(video, _states(12), np.arange(12) / 4.0).save(data / f"e{index}.npz")
    read = []
    original = load_clip_segments

    def counting(*args, on_source=None, **kwargs):
        def spy(held, done, total):
            read.append(done)
            on_source(held, done, total)
        return original(*args, on_source=spy, **kwargs)

    monkeypatch.setattr("vjepa_ros.train.pretrain_data.load_clip_segments", counting)
    monkeypatch.setattr(memory, "available_bytes", lambda device: 12 * 32 * 32 * 3 * 3 // 2)
    out = tmp_path / "enc.pt"
    code = main(["pretrain", "--data", str(data), "--out", str(out), "--config",
                 str(_settings(tmp_path)), "--threads", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and read == [1], (read, err)
    assert "\n" not in err and "--data: the frames of its 3 sources need about" in err, err
    assert "1 read so far" in err and "fewer of them" in err and "img_size" in err, err
    assert not out.exists()


def test_the_frames_memory_check_passes_what_fits_and_counts_the_batch_on_the_cpu():
    from vjepa_ros.train.pretrain_checks import clip_floor_bytes, frames_memory_check

    config = tiny_config(batch_size=4)
    batch = 4 * clip_floor_bytes(config)
    fits = frames_memory_check(config, "cpu", 32, available=lambda: 1000 * 2 + batch)
    fits(1000, 1, 3)  # 2000 more for the other two and the batch: fits exactly
    tight = frames_memory_check(config, "cpu", 32, available=lambda: 1000 * 2 + batch - 1)
    with pytest.raises(ValueError, match="beside a batch's"):
        tight(1000, 1, 3)
    frames_memory_check(config, "cuda", 32, available=lambda: 2000)(1000, 1, 3)  # batch there
    frames_memory_check(config, "cpu", 32, available=lambda: None)(10**15, 1, 3)  # unknown


def test_sources_of_two_sizes_pretrain_with_the_random_crop_too(tmp_path, capsys):
    """Clips of 32 and 48 px sources in one batch: each cut and resized on its own."""
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "small", 2, frames=10, seed=3, size=32)
    write_blob_episodes(tmp_path / "large", 2, frames=10, seed=4, size=48)
    settings = _settings(tmp_path, batch_size=8, random_resize_scale=[0.3, 1.0],
                         random_horizontal_flip=True)
    code = main(["pretrain", "--data", str(tmp_path / "small"), str(tmp_path / "large"),
                 "--out", str(tmp_path / "enc.pt"), "--config", str(settings), "--threads",
                 "1", "--quiet"])
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "frames of 2 sizes (32x32 in" in out and "48x48 in" in out, out


def test_monitor_frames_of_two_sizes_are_a_list_the_monitors_encode():
    small, large = _textures(1, 4, 32, 32)[0], _textures(1, 4, 48, 64, seed=1)[0]
    frames = spread_frames([small, large], 6)
    assert isinstance(frames, list) and len(frames) == 6
    np.testing.assert_array_equal(frames[0], small[0])
    np.testing.assert_array_equal(frames[-1], large[-1])
    assert isinstance(spread_frames([small, small], 5), np.ndarray)
    encoder = pretrain_module.seeded_encoder(tiny_config())
    assert pretrain_module.encode_still(encoder, frames, 32).shape[0] == 6


def test_a_jpeg_bag_copy_is_read_once_and_two_recordings_of_one_length_twice(tmp_path):
    """A lossy copy (JPEG) of an episode is one recording; another episode of its length is not."""
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.train.synthetic import blob_episode

    episodes = tmp_path / "episodes"
    first, other = blob_episode(10, 3, 64), blob_episode(10, 4, 64)
    first.save(episodes / "a.npz")
    other.save(episodes / "b.npz")
    write_bag(tmp_path / "bags" / "a_jpeg", first.frames, first.states, first.timestamps,
              image_format="jpeg")
    notes = []
    segments = load_clip_segments([episodes, tmp_path / "bags"], 4, log=notes.append)
    assert sum(len(segment) for segment in segments) == 20, notes
    (note,) = [note for note in notes if "skipped" in note]
    assert "a.npz" in note and "a_jpeg" in note and "lossy" in note, note


@pytest.mark.parametrize("frames, words", [
    (np.zeros((8, 16, 16, 1), np.uint16), "a depth or infrared image"),
    (np.zeros((8, 16, 16, 3), np.int64), "frames.astype(np.uint8)"),
    (np.zeros((8, 16, 16, 2), np.uint8), "uint8 [T, H, W, 3], got uint8 [8, 16, 16, 2]"),
])
def test_frames_no_camera_topic_would_give_are_refused_by_every_npz_reader(tmp_path, frames,
                                                                          words):
    from vjepa_ros.train.episodes import EpisodeError

    path = tmp_path / "ep.npz"
    np.savez(path, observations=frames, states=_states(8), timestamps=np.arange(8) / 4.0)
    with pytest.raises(ValueError, match=re.escape(words)):
        Episode.load(path)
    with pytest.raises(EpisodeError, match="ep.npz"):
        load_clip_segments([path], 4, log=None)


def test_rgba_and_16_bit_frames_read_the_same_in_train_and_pretrain(tmp_path):
    """Train reads an RGBA / 16-bit episode as pretrain does (one frame rule for .npz)."""
    (video,) = _textures(1, 8, 16, 16)
    for name, stored in (("rgba", np.concatenate([video, video[..., :1]], -1)),
                         ("rgb16", (video.astype(np.uint16) * 257 + 100 * (video < 255)).astype(
                             np.uint16))):
        path = tmp_path / f"{name}.npz"
        np.savez(path, observations=stored[None], states=_states(8)[None],
                 timestamps=(np.arange(8) / 4.0)[None])
        np.testing.assert_array_equal(Episode.load(path).frames, video)
        (segment,) = load_clip_segments([path], 4, log=None)
        np.testing.assert_array_equal(segment, video)


@pytest.mark.parametrize("frames", ["rgb", "grey", "rgba"])
def test_an_episode_without_states_is_read_by_its_frames_with_no_advice_to_add_them(tmp_path,
                                                                                  frames):
    """mend55c: the note asked for states [T, 7] pretraining does not use, for grey/RGBA too."""
    (video,) = _textures(1, 12, 16, 16)
    video = {"rgb": video, "grey": video[..., :1],
             "rgba": np.concatenate([video, np.full_like(video[..., :1], 255)], axis=-1)}[frames]
    np.savez(tmp_path / "nostates.npz", observations=video, timestamps=np.arange(12) / 4.0)
    notes = []
    (segment,) = load_clip_segments([tmp_path / "nostates.npz"], 4, log=notes.append)
    assert len(segment) == 12
    np.testing.assert_array_equal(segment, video[..., :3] if frames != "grey"
                                  else np.repeat(video, 3, -1))
    (note,) = [note for note in notes if "nostates.npz" in note]
    assert "read by its frames alone (it has no states array; pretraining uses no robot " \
        "state)" in note, note
    assert "give" not in note and "[T, 7]" not in note and "uint8" not in note, note


def test_unusable_states_are_noted_and_usable_ones_find_a_frozen_camera(tmp_path):
    """States in mm: frames read alone, said; the same frames with train's states: stale found."""
    (video,) = _textures(1, 12, 16, 16)
    video[4:9] = video[4]  # the camera froze while the arm moved
    millimetres = _states(12) * 1000
    np.savez(tmp_path / "mm.npz", observations=video, states=millimetres,
             timestamps=np.arange(12) / 4.0)
    notes = []
    (segment,) = load_clip_segments([tmp_path / "mm.npz"], 4, log=notes.append)
    assert len(segment) == 12
    assert any("mm.npz: read by its frames alone (its states: " in note and "not found" in note
               for note in notes), notes
    np.savez(tmp_path / "m.npz", observations=video, states=_states(12),
             timestamps=np.arange(12) / 4.0)
    notes = []
    segments = load_clip_segments([tmp_path / "m.npz"], 4, log=notes.append)
    assert sum(len(segment) for segment in segments) < 12
    assert any("did not change" in note for note in notes), notes


@pytest.mark.parametrize("periodic", [False, True])
def test_a_stop_with_non_finite_weights_names_what_stays_and_writes_nothing(
        tmp_path, capsys, periodic):
    from types import SimpleNamespace

    from vjepa_ros.train import pretrain_command
    from vjepa_ros.train.pretrain_config import PretrainConfig

    encoder = torch.nn.Linear(2, 2)
    with torch.no_grad():
        encoder.bias[0] = float("nan")
    out = tmp_path / "enc.pt"
    files = [pretrain_command.step_file(out, 10)] if periodic else []
    stopped = SimpleNamespace(signal=KeyboardInterrupt(),
                              result=SimpleNamespace(losses=[0.5] * 12, encoder=encoder))
    status = pretrain_command.save_stopped(stopped, out, PretrainConfig(steps=50), 64, files)
    err = capsys.readouterr().err.strip()
    assert status == 130 and "\n" not in err, err
    assert "at step 12 of 50; the encoder was not saved" in err and "bias" in err, err
    kept = f"the last --save-every file {files[0]} stays" if periodic else "nothing was saved"
    assert kept in err and "lower lr" in err, err
    assert list(tmp_path.iterdir()) == []


def test_device_cpu_trains_there_and_cuda_is_refused_in_one_line_without_it(tmp_path,
                                                                              capsys):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 2, frames=6, seed=0, size=32)
    settings = str(_settings(tmp_path))
    common = ["--data", str(data), "--config", settings, "--threads", "1", "--quiet"]
    auto = [] if torch.cuda.is_available() else [[]]  # left out: cuda when there, else cpu
    for device in [["--device", "cpu"], *auto]:
        out = tmp_path / f"enc{len(device)}.pt"
        assert main(["pretrain", *common, "--out", str(out), *device]) == 0
        assert "; on cpu" in capsys.readouterr().out
        assert out.exists()
    if not torch.cuda.is_available():
        assert main(["pretrain", *common, "--out", str(tmp_path / "c.pt"), "--device",
                     "cuda"]) == 1
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "--device cuda:" in err and "use cpu" in err, err
        assert not (tmp_path / "c.pt").exists()
    assert main(["pretrain", *common, "--out", str(tmp_path / "x.pt"), "--device", "xpu"]) == 2
    assert "--device xpu: unknown device 'xpu'" in capsys.readouterr().err


def test_a_block_covers_the_official_token_count_at_every_side_and_scale():
    """``int(H x W x s)`` in the official order: 0.47 at side 10 is 47 tokens (was 46)."""
    from vjepa_ros.train.pretrain_config import MaskConfig
    from vjepa_ros.train.pretrain_masks import block_shape, sample_block_size

    generator = torch.Generator().manual_seed(0)
    for scale in (0.15, 0.29, 0.33, 0.47, 0.57, 0.7):
        spec = MaskConfig(num_blocks=1, spatial_scale=[scale, scale],
                          aspect_ratio=[1.21, 1.21])
        for side in range(2, 65):
            official = max(1, int(side * side * scale))
            assert sample_block_size(side, side, spec, generator) == \
                block_shape(official, 1.21, side, side), (scale, side)
    assert block_shape(47, 1.21, 10, 10) != block_shape(46, 1.21, 10, 10)  # the case matters


def test_the_monitors_refuse_non_finite_features_as_their_docstring_says():
    from vjepa_ros.train.collapse import collapse_monitors

    features = torch.randn(4, 2, 8)
    features[1, 0, 3] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        collapse_monitors(features)
