"""Feature banks checked against the size and CRC-32 written with them; the cache keyed by code.

breaker33t: a damaged banks/*.bin was trained on, a truncated one stopped the run with torch's
raw message, and a cache written by older reader code was reused after the reader was fixed.
"""

import pytest
import torch

from vjepa_ros.models import load_models
from vjepa_ros.train import DataConfig, FrameEncoder, find_sources
from vjepa_ros.train import feature_cache as fc
from vjepa_ros.train import mapped_banks as mb
from vjepa_ros.train.distributed import Topology
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")

ONE = Topology()


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return load_models(write_tiny_encoder(tmp_path_factory.mktemp("banks") / "e.pt"))[0]


def _built(tmp_path, encoder, log=lambda line: None):
    """Build the cache of tmp_path/eps (written once): (cache, sources, shards, counts)."""
    if not (tmp_path / "eps").is_dir():
        write_blob_episodes(tmp_path / "eps", 3, frames=6)
    sources = find_sources([tmp_path / "eps"])
    data = DataConfig(frames_per_clip=4)
    encode = FrameEncoder(encoder, "cpu", torch.float32, (0.75, 1.35), batch=8)
    cache = fc.FeatureCache(tmp_path / "cache", fc.cache_key(encode, data))
    shards, counts = fc.build_shards(sources, data, encode, cache, ONE, progress=False, log=log)
    return cache, sources, shards, counts


def _flip(raw):
    data = bytearray(raw.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit
    raw.write_bytes(bytes(data))


def _grow(raw):
    raw.write_bytes(raw.read_bytes() + bytes(64))


def _cut(raw):
    raw.write_bytes(raw.read_bytes()[:100])


def _damage_meta(raw):
    raw.with_suffix(".pt").write_bytes(b"not a torch file")


def _old_meta(raw):  # a bank written before banks held a checksum
    meta = torch.load(raw.with_suffix(".pt"), weights_only=True)
    del meta["crc32"]
    torch.save(meta, raw.with_suffix(".pt"))


@pytest.mark.parametrize("damage", [_flip, _grow, _cut, _damage_meta, _old_meta])
def test_a_bank_failing_its_check_is_written_again_with_a_note(tmp_path, encoder, damage):
    cache, sources, shards, _ = _built(tmp_path, encoder)
    first = mb.mapped_bank(cache, sources, shards, ONE).reps.clone()
    [raw] = (cache.dir / "banks").glob("*.bin")
    damage(raw)
    lines = []
    bank = mb.mapped_bank(cache, sources, shards, ONE, log=lines.append)
    assert torch.equal(bank.reps, first)
    assert len(lines) == 1 and raw.stem in lines[0] and "again" in lines[0], lines
    assert mb.bank_problem(raw, raw.with_suffix(".pt")) == ""


def test_a_sound_bank_is_reused_without_a_word(tmp_path, encoder):
    cache, sources, shards, _ = _built(tmp_path, encoder)
    mb.mapped_bank(cache, sources, shards, ONE)
    [raw] = (cache.dir / "banks").glob("*.bin")
    written = raw.stat().st_mtime_ns
    lines = []
    mb.mapped_bank(cache, sources, shards, ONE, log=lines.append)
    assert lines == [] and raw.stat().st_mtime_ns == written


def test_changed_reader_code_encodes_anew_with_a_note(tmp_path, encoder, monkeypatch):
    package = tmp_path / "package"
    (package / "recordings").mkdir(parents=True)
    reader = package / "recordings" / "bags.py"
    reader.write_text("READ = 1\n")
    monkeypatch.setattr(fc, "PACKAGE", package)
    _built(tmp_path, encoder)
    _, _, _, counts = _built(tmp_path, encoder)
    assert counts["encoded"] == 0  # unchanged code: from disk
    reader.write_text("READ = 2  # a reader fixed\n")
    lines = []
    _, _, _, counts = _built(tmp_path, encoder, lines.append)
    assert counts["encoded"] == 18 and counts["from_disk"] == 0
    assert len(lines) == 1 and "code" in lines[0] and "encoding them" in lines[0], lines


def test_the_reader_code_digest_covers_the_readers():
    files = {path.relative_to(fc.PACKAGE).as_posix() for path in fc.reader_code_files()}
    assert {"recordings/bags.py", "recordings/resample.py", "recordings/episode.py",
            "train/episodes.py", "models/preprocess.py"} <= files
