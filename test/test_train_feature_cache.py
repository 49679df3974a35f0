"""The on-disk feature cache: reused across runs, one folder per key, resumable shards."""

import os
from pathlib import Path

import pytest
import torch

from vjepa_ros.models import load_models
from vjepa_ros.train import DataConfig, FeatureBank, FrameEncoder, find_sources
from vjepa_ros.train import feature_cache as fc
from vjepa_ros.train import mapped_banks as mb
from vjepa_ros.train.distributed import Topology
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest

ONE = Topology()


@pytest.fixture(scope="module")
def encoders(tmp_path_factory):
    root = tmp_path_factory.mktemp("encoders")
    return [load_models(write_tiny_encoder(root / f"e{seed}.pt", seed=seed))[0]
            for seed in (0, 1)]


def _build(directory, sources, encoder, data=None, **encoder_settings):
    data = data or DataConfig(frames_per_clip=4)
    settings = {"aspect_ratio_range": (data.aspect_ratio_min, data.aspect_ratio_max),
                **encoder_settings}
    encode = FrameEncoder(encoder, "cpu", torch.float32, batch=8, **settings)
    cache = fc.FeatureCache(directory, fc.cache_key(encode, data))
    lines = []
    shards, counts = fc.build_shards(sources, data, encode, cache, ONE, progress=False,
                                     log=lines.append)
    return shards, counts, lines


def _key_dir(cache: Path, count: int = 1) -> Path:
    """Return the newest key folder of ``cache``, checking it holds ``count`` of them."""
    folders = sorted(cache.glob("key-*"), key=lambda p: (p / "key.json").stat().st_mtime_ns)
    assert len(folders) == count, folders
    return folders[-1]


def _same_shards(a, b, sources):
    for source in sources:
        for name in ("reps", "states", "actions", "lengths"):
            assert torch.equal(a[source][name], b[source][name]), (source.name, name)


def test_cache_is_reused_and_a_changed_key_rebuilds_it(tmp_path, encoders):
    sources = find_sources(write_blob_episodes(tmp_path / "eps", 3, frames=6))
    cache = tmp_path / "cache"
    first, counts, lines = _build(cache, sources, encoders[0])
    assert counts["encoded"] == 18 and counts["from_disk"] == 0 and not lines
    first_dir = _key_dir(cache)
    assert len(list((first_dir / "shards").glob("*.pt"))) == 3
    assert (first_dir / "key.json").is_file() and not (cache / "key.json").exists()
    assert counts["disk_bytes"] == sum(p.stat().st_size for p in (first_dir / "shards").iterdir())
    # Same encoder and settings: every frame from disk, bit for bit; the sources are not read.
    again, counts, lines = _build(cache, sources, encoders[0])
    assert counts == {**counts, "encoded": 0, "from_disk": 18} and not lines
    _same_shards(first, again, sources)
    # Each member of the key family encodes anew into its own folder, keeping the others':
    # other weights, preprocessing, data settings.
    changes = [
        ((encoders[1],), {}, "encoder"),
        ((encoders[0],), {"aspect_ratio_range": (1.0, 1.0)}, "encoder"),
        ((encoders[0],), {"feature_dtype": "float32"}, "encoder"),
        ((encoders[0], DataConfig(frames_per_clip=4, max_state_gap_s=0.2)), {},
         "data.max_state_gap_s"),  # rate_hz: fewer steps of these 4 Hz episodes
        ((encoders[0], DataConfig(frames_per_clip=5)), {}, "data.frames_per_clip"),
    ]
    for number, (args, settings, changed) in enumerate(changes, start=2):
        rebuilt, counts, lines = _build(cache, sources, *args, **settings)
        assert counts["encoded"] == 18 and counts["from_disk"] == 0, changed
        assert len(lines) == 1 and changed in lines[0], lines
        assert "no features for these settings yet" in lines[0]
        assert f"{number - 1} other setting(s) are kept" in lines[0]
        assert len(list((_key_dir(cache, number) / "shards").glob("*.pt"))) == 3
        assert len(list((first_dir / "shards").glob("*.pt"))) == 3  # the first key's kept
        _, counts, lines = _build(cache, sources, *args, **settings)  # again: all from disk
        assert counts["encoded"] == 0 and not lines
    back, counts, lines = _build(cache, sources, encoders[0])  # back to the first key: kept
    assert counts["encoded"] == 0 and counts["from_disk"] == 18 and not lines
    _same_shards(first, back, sources)


def test_changed_or_new_sources_are_encoded_alone(tmp_path, encoders):
    paths = write_blob_episodes(tmp_path / "eps", 3, frames=6)
    cache = tmp_path / "cache"
    _build(cache, find_sources(paths), encoders[0])
    write_blob_episodes(tmp_path / "eps", 1, frames=7, seed=10)  # a new episode
    rewritten = write_blob_episodes(tmp_path / "eps", 1, frames=8, seed=5)[0]  # blob_0005
    os.replace(rewritten, paths[1])  # same path, other content (size, mtime)
    sources = find_sources([tmp_path / "eps"])
    shards, counts, _ = _build(cache, sources, encoders[0])
    assert counts["encoded"] == 7 + 8 and counts["from_disk"] == 6 + 6
    assert [int(shards[s]["lengths"].sum()) for s in sources] == [6, 8, 6, 7]


def test_interrupted_build_resumes_and_damaged_shards_are_encoded_again(tmp_path, encoders,
                                                                          monkeypatch):
    sources = find_sources(write_blob_episodes(tmp_path / "eps", 4, frames=6))
    cache = tmp_path / "cache"
    real, calls = fc.encode_source, []

    def interrupted(source, data, encode):
        calls.append(source.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(source, data, encode)

    monkeypatch.setattr(fc, "encode_source", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _build(cache, sources, encoders[0])
    assert len(list((_key_dir(cache) / "shards").glob("*.pt"))) == 2
    monkeypatch.setattr(fc, "encode_source", real)
    _, counts, _ = _build(cache, sources, encoders[0])
    assert counts["encoded"] == 12 and counts["from_disk"] == 12  # the 2 missing, not all 4

    shard = _key_dir(cache) / "shards"
    victim = sorted(shard.glob("*.pt"))[0]
    victim.write_bytes(victim.read_bytes()[:100])  # truncated (e.g. a full disk)
    shards, counts, _ = _build(cache, sources, encoders[0])
    assert counts["encoded"] == 6 and all(torch.isfinite(s["reps"].float()).all()
                                          for s in shards.values())
    shards = {s: {k: v.clone() if torch.is_tensor(v) else v for k, v in shard.items()}
              for s, shard in shards.items()}  # (memory-mapped: the file is changed below)
    data = bytearray(victim.read_bytes())  # one bit flipped in the features (review31)
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    again, counts, _ = _build(cache, sources, encoders[0])
    assert counts["encoded"] == 6, "a shard with a flipped bit was read as features"
    _same_shards(shards, again, sources)


def test_key_ignores_settings_that_do_not_change_features(encoders):
    encode = FrameEncoder(encoders[0], "cpu", torch.float32, (0.75, 1.35))
    base = fc.cache_key(encode, DataConfig())
    same = DataConfig(train=["a"], val=["b"], val_fraction=0.5, val_clips=3, encode_batch=2,
                      feature_cache="disk", feature_cache_dir="/x")
    assert fc.cache_key(encode, same) == base
    data = DataConfig()
    data.topics.image = "/wrist/image"
    assert fc.cache_key(encode, data) != base
    bf16 = FrameEncoder(encoders[0], "cpu", torch.bfloat16, (0.75, 1.35))  # other numbers
    assert fc.cache_key(bf16, DataConfig()) != base


def test_banks_are_memory_mapped_files_equal_to_the_shards(tmp_path, encoders):
    sources = find_sources(write_blob_episodes(tmp_path / "eps", 3, frames=6))
    shards, _, _ = _build(tmp_path / "cache", sources, encoders[0])
    cache = fc.FeatureCache(tmp_path / "cache", _key(encoders[0]))  # the key _build used
    bank = mb.mapped_bank(cache, sources[1:], shards, ONE)
    joined = FeatureBank.concat([fc.shard_bank(shards[s]) for s in sources[1:]])
    for name in ("reps", "states", "actions", "starts", "lengths"):
        assert torch.equal(getattr(bank, name), getattr(joined, name)), name
    assert bank.names == joined.names and bank.reps.dtype == torch.float16
    files = list((cache.dir / "banks").glob("*.bin"))
    assert len(files) == 1 and files[0].stat().st_size == joined.reps.numel() * 2
    assert _mapped_from(bank.reps) == files[0].resolve()  # mapped, not copied into memory
    written = files[0].stat().st_mtime_ns
    mb.mapped_bank(cache, sources[1:], shards, ONE)  # the same sources: reused
    assert files[0].stat().st_mtime_ns == written
    mb.mapped_bank(cache, sources[:2], shards, ONE)  # other sources: another bank
    assert len(list((tmp_path / "cache").glob("key-*/banks/*.bin"))) == 2
    reps, _, _ = bank.gather(torch.tensor([0, 7]), 4)
    assert reps.dtype == torch.float32 and torch.isfinite(reps).all()


def _key(encoder):
    data = DataConfig(frames_per_clip=4)
    encode = FrameEncoder(encoder, "cpu", torch.float32, (data.aspect_ratio_min,
                                                          data.aspect_ratio_max), batch=8)
    return fc.cache_key(encode, data)


def _mapped_from(tensor):
    """Return the file whose mapping holds the tensor's data (/proc/self/maps), or None."""
    address = tensor.data_ptr()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if start <= address < end and len(fields) >= 6:
                return Path(fields[5]).resolve()
    return None


def test_a_cache_of_the_flat_layout_is_moved_into_its_key_folder_and_reused(tmp_path, encoders):
    """Caches written before one folder per key (key.json and shards/ at the top) keep working."""
    sources = find_sources(write_blob_episodes(tmp_path / "eps", 2, frames=6))
    cache = tmp_path / "cache"
    first, _, _ = _build(cache, sources, encoders[0])
    key_dir = _key_dir(cache)
    for name in ("key.json", "shards", "banks"):  # back to the flat layout of older versions
        if (key_dir / name).exists():
            (key_dir / name).rename(cache / name)
    key_dir.rmdir()
    again, counts, lines = _build(cache, sources, encoders[0])
    assert counts["encoded"] == 0 and counts["from_disk"] == 12, "the old features were not used"
    assert len(lines) == 1 and f"moved its features into {key_dir.name}/" in lines[0]
    assert not (cache / "shards").exists() and not (cache / "key.json").exists()
    _same_shards(first, again, sources)


def test_a_flat_key_file_that_cannot_be_read_leaves_the_old_shards_unused(tmp_path, encoders):
    sources = find_sources(write_blob_episodes(tmp_path / "eps", 1, frames=6))
    cache = tmp_path / "cache"
    (cache / "shards").mkdir(parents=True)
    (cache / "shards" / "old.pt").write_bytes(b"old features")
    (cache / "key.json").write_text("{cut short")
    _, counts, lines = _build(cache, sources, encoders[0])
    assert counts["encoded"] == 6
    assert len(lines) == 1 and "key.json cannot be read" in lines[0] and "delete" in lines[0]
    assert (cache / "shards" / "old.pt").read_bytes() == b"old features"  # nothing deleted
