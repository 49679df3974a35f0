"""fix42k: breaker42k's defects in the feature cache's key and in clip sampling.

The key covers the encoder's code and hashes the weights' bytes; clips are drawn per recording,
not per segment.
"""

import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from vjepa_ros.train import feature_cache as fc
from vjepa_ros.train import mapped_banks as mb

pytestmark = pytest.mark.usefixtures("one_thread")


def _ran_package_files(call) -> set[str]:
    """Run ``call()``; return the package files (under fc.PACKAGE) whose functions ran."""
    package = str(fc.PACKAGE) + "/"
    ran: set[str] = set()

    def profile(frame, event, arg):
        name = frame.f_code.co_filename
        if name.startswith(package):
            ran.add(Path(name).relative_to(fc.PACKAGE).as_posix())

    sys.setprofile(profile)
    threading.setprofile(profile)  # a reader's decoding threads
    try:
        call()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return ran


def test_every_module_that_reading_and_encoding_a_source_runs_is_in_the_cache_code_digest(
        tmp_path):
    """The list is complete: traced, not hand-kept (an .npz episode and a bag with a hole)."""
    from vjepa_ros.models import load_models
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.train import DataConfig, FrameEncoder, find_sources
    from vjepa_ros.train.synthetic import blob_episode, write_blob_episodes, write_tiny_encoder

    encoder = load_models(write_tiny_encoder(tmp_path / "encoder.pt"))[0]
    write_blob_episodes(tmp_path / "eps", 1, frames=9, seed=0)
    bag = blob_episode(frames=12, seed=7)
    keep = np.r_[0:6, 9:12]  # a hole: two segments
    write_bag(tmp_path / "eps" / "bag", bag.frames[keep], bag.states[keep],
              bag.timestamps[keep], storage="mcap")
    sources = find_sources([tmp_path / "eps"])
    assert {s.kind for s in sources} == {"bag", "npz"}
    data = DataConfig(frames_per_clip=3)

    def read_and_encode():
        encode = FrameEncoder(encoder, "cpu", torch.float32, (0.75, 1.35), batch=4)
        for source in sources:
            fc.encode_source(source, data, encode)

    ran = _ran_package_files(read_and_encode)
    digested = {f.relative_to(fc.PACKAGE).as_posix() for f in fc.reader_code_files()}
    assert {"models/world_model.py", "models/encoder.py", "models/rope.py",
            "models/transformer.py", "train/features.py"} <= ran  # the trace sees the encoder
    assert ran - {"train/feature_cache.py"} <= digested, sorted(ran - digested)


def test_a_lazily_exported_name_brings_its_submodule_into_the_digest(tmp_path, monkeypatch):
    """``from vjepa_ros.models import WorldModel`` imports models/world_model.py (lazy_exports)."""
    package = tmp_path / "vjepa_ros"
    (package / "train").mkdir(parents=True)
    (package / "lib").mkdir()
    (package / "lib" / "__init__.py").write_text(
        "from vjepa_ros.lazy_exports import lazy_exports\n"
        "__getattr__, __dir__, __all__ = lazy_exports(__name__, {'deep': ('SCALE',)})\n")
    (package / "lib" / "deep.py").write_text("SCALE = 1.0\n")
    (package / "train" / "episodes.py").write_text("from vjepa_ros.lib import SCALE\n")
    monkeypatch.setattr(fc, "PACKAGE", package)
    assert "lib/deep.py" in {f.relative_to(package).as_posix() for f in fc.reader_code_files()}
    before = fc.reader_code_digest()
    (package / "lib" / "deep.py").write_text("SCALE = 1.001\n")
    assert fc.reader_code_digest() != before


def test_the_encoder_fingerprint_sees_every_weight_and_is_stable():
    """Two values swapped inside one tensor (same sum, same abs-sum); a copy; bfloat16 weights."""
    from vjepa_ros.models.encoder import EncoderConfig, VisionEncoder
    from vjepa_ros.train.features import encoder_fingerprint

    torch.manual_seed(0)
    config = EncoderConfig(embed_dim=32, depth=1, num_heads=2, img_size=32)
    encoder = VisionEncoder(config)
    settings = {"dtype": "torch.float32", "features": "float16"}
    copy = VisionEncoder(config)
    copy.load_state_dict(encoder.state_dict())
    assert encoder_fingerprint(copy, settings) == encoder_fingerprint(encoder, settings)
    name = next(k for k in encoder.state_dict() if k.endswith("proj.weight"))
    state = {k: v.clone() for k, v in encoder.state_dict().items()}
    state[name].view(-1)[[0, 1]] = state[name].view(-1)[[1, 0]]
    assert not torch.equal(state[name], encoder.state_dict()[name])
    copy.load_state_dict(state)
    assert encoder_fingerprint(copy, settings) != encoder_fingerprint(encoder, settings)
    assert encoder_fingerprint(encoder, {**settings, "features": "float32"}) != \
        encoder_fingerprint(encoder, settings)
    half = encoder_fingerprint(VisionEncoder(config).to(torch.bfloat16), settings)
    assert len(half) == 40 and half != encoder_fingerprint(encoder, settings)


def _bank(lengths, names, recordings=None):
    from vjepa_ros.train.features import FeatureBank

    lengths = torch.tensor(lengths, dtype=torch.int64)
    frames = int(lengths.sum())
    return FeatureBank(torch.zeros(frames, 2, 4, dtype=torch.float16), torch.zeros(frames, 7),
                       torch.zeros(frames, 7), torch.cumsum(lengths, 0) - lengths, lengths,
                       list(names), recordings)


def test_a_recording_is_drawn_uniformly_then_a_window_uniformly_in_all_its_segments():
    """Recording 0 split by dropped steps into three segments, recording 1 intact."""
    fpc = 8
    # recording 0: segments of 9, 7 (no window) and 12 frames: 2 + 0 + 5 windows; 1: 20 frames
    bank = _bank([9, 7, 12, 20], ["a#0", "a#1", "a#2", "b"], torch.tensor([0, 0, 0, 1]))
    firsts = bank.sample(20000, fpc, torch.Generator().manual_seed(1))
    first_of_b = 28
    share_a = float((firsts < first_of_b).double().mean())
    assert abs(share_a - 0.5) < 0.02, share_a  # per recording, not per segment or window
    windows_a = [0, 1] + [16 + k for k in range(5)]  # never in the 7-frame segment
    counts = torch.bincount(firsts[firsts < first_of_b], minlength=first_of_b)
    assert set(torch.nonzero(counts).flatten().tolist()) == set(windows_a)
    per_window = counts[windows_a].double() / counts.sum()
    assert (per_window - 1 / 7).abs().max() < 0.02, per_window  # uniform over its 7 windows
    b = firsts[firsts >= first_of_b] - first_of_b
    assert set(b.tolist()) == set(range(13))  # never across the end of a segment


def test_one_segment_per_recording_draws_the_same_clips_as_before():
    """A bank without split recordings: the draws of the per-segment rule (resumed runs)."""
    lengths = torch.tensor([9, 30, 12, 8])
    bank = _bank(lengths.tolist(), ["a", "b", "c", "d"])
    firsts = bank.sample(64, 8, torch.Generator().manual_seed(5))
    generator = torch.Generator().manual_seed(5)  # the previous rule, re-derived
    episodes = torch.randint(4, (64,), generator=generator)
    windows = lengths[episodes] - 8 + 1
    offsets = torch.rand(64, generator=generator, dtype=torch.float64) * windows
    expected = bank.starts[episodes] + offsets.floor().long().clamp(max=windows - 1)
    assert firsts.tolist() == expected.tolist()


def test_recordings_are_told_from_segment_names_and_kept_by_concat():
    from vjepa_ros.train.feature_cache import shard_bank
    from vjepa_ros.train.features import FeatureBank, recordings_from_names

    names = ["a#0", "a#1", "a#2", "a#0", "a#1", "b", "c#1", "c#2", "x#0", "y#1"]
    assert recordings_from_names(names).tolist() == [0, 0, 0, 1, 1, 2, 3, 3, 4, 5]
    # a source's shard is one recording whatever its names (a bag named run#1 beside run#0)
    shard = {"reps": torch.zeros(20, 2, 4), "states": torch.zeros(20, 7),
             "actions": torch.zeros(20, 7), "lengths": torch.tensor([10, 10]),
             "names": ["run#1", "x"]}
    joined = FeatureBank.concat([shard_bank(shard), shard_bank(shard)])
    assert joined.recordings.tolist() == [0, 0, 1, 1] and joined.num_recordings == 2
    with pytest.raises(ValueError, match="recordings"):
        _bank([8, 8], ["a", "b"], torch.tensor([1, 0]))
    with pytest.raises(ValueError, match="no segment .* clip of 8"):
        _bank([5], ["a"]).sample(4, 8, torch.Generator())


def test_a_cached_bank_numbers_one_recording_per_source(tmp_path):
    """mapped_bank (the disk cache, torchrun): a bag split by a hole is one recording."""
    from vjepa_ros.models import load_models
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.train import DataConfig, FrameEncoder, find_sources
    from vjepa_ros.train.distributed import Topology
    from vjepa_ros.train.synthetic import blob_episode, write_blob_episodes, write_tiny_encoder

    encoder = load_models(write_tiny_encoder(tmp_path / "encoder.pt"))[0]
    write_blob_episodes(tmp_path / "eps", 2, frames=9, seed=0)
    bag = blob_episode(frames=12, seed=7)
    keep = np.r_[0:6, 9:12]  # a 1 s hole: two segments of 6 and 3 steps
    write_bag(tmp_path / "eps" / "bag", bag.frames[keep], bag.states[keep],
              bag.timestamps[keep], storage="mcap")
    sources = find_sources([tmp_path / "eps"])
    data = DataConfig(frames_per_clip=3)
    encode = FrameEncoder(encoder, "cpu", torch.float32, (0.75, 1.35), batch=8)
    cache = fc.FeatureCache(tmp_path / "cache", fc.cache_key(encode, data))
    shards, _ = fc.build_shards(sources, data, encode, cache, Topology(), progress=False)
    bank = mb.mapped_bank(cache, sources, shards, Topology())
    assert bank.names == ["bag#0", "bag#1", "blob_0000", "blob_0001"]
    assert bank.recordings.tolist() == [0, 0, 1, 2]
