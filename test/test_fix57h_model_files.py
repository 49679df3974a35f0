"""fix57h: launch's config peek and the loader on damaged zips, odd pickles and the legacy format.

``checkpoint_peek.peek_config`` never raises for a file's content (None: the loader says what is
wrong) and reads ``config`` whatever the other entries hold, without importing or running
anything; ``checkpoint_file.read_checkpoint_file`` refuses every file it cannot read with a
CheckpointError naming it.
"""

import collections
import datetime
import pickle
import random
import struct
import sys
import types
import zipfile

import numpy as np
import pytest
import torch

from vjepa_ros.models.checkpoint_file import read_checkpoint_file
from vjepa_ros.models.checkpoint_peek import peek_config
from vjepa_ros.models.errors import CheckpointError

CONFIG = {"data": {"frame_sizes": [[96, 160]]}, "model": {"img_size": 64, "name": "é"}}


def _save(path, extra=None, **kwargs):
    """torch.save a small checkpoint with ``CONFIG`` (and ``extra``) at ``path``; return it."""
    entries = {"config": CONFIG, "encoder": {"w": torch.arange(6.0).reshape(2, 3)}}
    torch.save({**entries, **({"extra": extra} if extra is not None else {})}, path, **kwargs)
    return path


def _deflated(path):
    """Return a copy of the zip ``path`` with every entry deflate-compressed (zip tools do so)."""
    out = path.with_name("deflated.pt")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zip_:
        for info in source.infolist():
            zip_.writestr(info.filename, source.read(info))
    return out


class _LabThing:
    """A lab's own object, pickled by reference to a module the peek must not import."""

    def __init__(self):
        self.gain = 3


class _RunsCode:
    """An object whose unpickling would run ``open(<marker>, 'w')``: the peek must not."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


# entries a lab keeps beside config (each a global the old peek refused): config still read
EXTRAS = {
    "frozenset": lambda tmp: frozenset({1, 2}),
    "bytearray": lambda tmp: bytearray(b"\x00\xff"),
    "bytes, empty and not": lambda tmp: [b"", b"\x00\x80\xff"],
    "defaultdict": lambda tmp: collections.defaultdict(list, {"a": [1]}),
    "datetime": lambda tmp: datetime.datetime(2026, 12, 7, 3, 22),
    "numpy array": lambda tmp: np.arange(4, dtype=np.float32),
    "a lab's class": lambda tmp: _LabThing(),
    "code that would run": lambda tmp: _RunsCode(tmp / "ran"),
    "complex": lambda tmp: 1 + 2j,
}


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("kind", sorted(EXTRAS))
def test_config_is_read_whatever_the_other_entries_hold(tmp_path, kind, protocol, monkeypatch):
    # _LabThing pickled as a global of a module the lab has and this machine has not
    lab = types.ModuleType("fix57h_lab_module_not_installed")
    lab._LabThing = _LabThing
    with monkeypatch.context() as patch:
        patch.setattr(_LabThing, "__module__", lab.__name__)
        patch.setitem(sys.modules, lab.__name__, lab)
        path = _save(tmp_path / "wm.pt", EXTRAS[kind](tmp_path), pickle_protocol=protocol)
    assert peek_config(path) == CONFIG
    assert not (tmp_path / "ran").exists()  # nothing of the file was run
    assert "fix57h_lab_module_not_installed" not in sys.modules


@pytest.mark.parametrize("protocol", [2, 4])
def test_the_legacy_format_is_read_too(tmp_path, protocol):
    path = _save(tmp_path / "wm.pt", {"set": {"a"}, "bytes": b"\x01"}, pickle_protocol=protocol,
                 _use_new_zipfile_serialization=False)
    assert not zipfile.is_zipfile(path)
    assert peek_config(path) == CONFIG


def test_config_may_hold_the_safe_builtins_as_values(tmp_path):
    config = {"topics": {"/a"}, "digest": b"\x124", "frozen": frozenset({1})}
    path = tmp_path / "wm.pt"
    torch.save({"config": config}, path)
    assert peek_config(path) == config


def _pickled(*objects, protocol=2) -> bytes:
    return b"".join(pickle.dumps(obj, protocol=protocol) for obj in objects)


# files that are no torch.save file with a config: None, never an error
NOT_OURS = {
    "a plain pickle": _pickled({"config": CONFIG}),
    "legacy magic, another protocol version": _pickled(0x1950A86A20F9469CFC6C, 1000, {},
                                                       {"config": CONFIG}),
    "legacy magic, no object": _pickled(0x1950A86A20F9469CFC6C, 1001),
    "a pickle claiming 2**62 bytes": b"\x80\x04\x8e" + struct.pack("<Q", 2**62) + b"ab",
    "a pickle nested past the recursion limit": b"\x80\x02" + b"]" * 100_000
    + b"a" * 99_999 + b".",
    "an empty file": b"",
    "text": b"config: {frame_sizes: [[96, 160]]}\n",
}


@pytest.mark.parametrize("kind", sorted(NOT_OURS))
def test_what_is_not_a_torch_save_file_is_no_config(tmp_path, kind):
    path = tmp_path / "wm.pt"
    path.write_bytes(NOT_OURS[kind])
    assert peek_config(path) is None


def test_a_deflated_zip_is_read_and_its_damaged_stream_is_no_config(tmp_path):
    path = _deflated(_save(tmp_path / "wm.pt"))
    assert peek_config(path) == CONFIG
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("data.pkl"))
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start:start + 4] = b"\xff\xff\xff\xff"  # zlib.error: invalid block type
    path.write_bytes(bytes(raw))
    assert peek_config(path) is None


def _records_start(raw: bytes) -> int:
    """Return where a zip's central directory starts (its records to the end follow)."""
    end = raw.rfind(b"PK\x05\x06")
    return struct.unpack_from("<I", raw, end + 16)[0] if end >= 0 else len(raw) // 2


def _damaged(raw: bytes, rng: random.Random) -> bytes:
    """Return ``raw`` with 1-3 bytes of its zip records (or data.pkl) set at random, or cut."""
    out = bytearray(raw)
    if rng.random() < 0.1:
        return bytes(out[:rng.randrange(len(out))])
    start = _records_start(raw) if rng.random() < 0.8 else 0
    for _ in range(rng.randint(1, 3)):
        out[rng.randrange(start, len(out))] = rng.randrange(256)
    return bytes(out)


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """Return the bytes of a stored zip, a deflated zip and a legacy file, each with CONFIG."""
    folder = tmp_path_factory.mktemp("originals")
    stored = _save(folder / "wm.pt", {"set": {1}})
    legacy = _save(folder / "legacy.pt", _use_new_zipfile_serialization=False)
    return [path.read_bytes() for path in (stored, _deflated(stored), legacy)]


def test_no_damage_makes_the_peek_raise(tmp_path, originals):
    rng = random.Random(57)
    path = tmp_path / "wm.pt"
    read = 0
    for index in range(600):
        path.write_bytes(_damaged(originals[index % 3], rng))
        config = peek_config(path)  # None or a dict: never an exception
        assert config is None or isinstance(config, dict)
        read += config == CONFIG
    assert 0 < read < 600  # some damage misses the config, some does not


def test_every_damaged_zip_record_either_loads_or_is_refused_naming_the_file(tmp_path,
                                                                              originals):
    rng = random.Random(58)
    path = tmp_path / "wm.pt"
    refused = 0
    for index in range(150):
        path.write_bytes(_damaged(originals[index % 2], rng))
        try:
            loaded = read_checkpoint_file(path, verify=index % 4 == 0)
        except CheckpointError as err:
            refused += 1
            assert str(path) in str(err) and "\n" not in str(err)
        else:
            assert loaded["config"] == CONFIG
    assert refused


def test_a_damaged_torch_save_zip_is_not_called_an_npz(tmp_path):
    raw = bytearray(_save(tmp_path / "wm.pt").read_bytes())
    start = _records_start(bytes(raw))
    struct.pack_into("<I", raw, start + 42, 0x7FFFFFFF)  # the first entry's local header offset
    path = tmp_path / "damaged.pt"
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="damaged") as caught:
        read_checkpoint_file(path)
    assert "npz" not in str(caught.value) and str(path) in str(caught.value)


def test_an_npz_is_still_called_one(tmp_path):
    path = tmp_path / "frames.npz"
    np.savez(path, frames=np.zeros(3))
    with pytest.raises(CheckpointError, match="npz"):
        read_checkpoint_file(path)
    assert peek_config(path) is None


def _with_first_entry(path, name: str, data: bytes):
    """Return a copy of the zip ``path`` with the entry ``name`` written before its own."""
    out = path.with_name(f"with_{name.replace('/', '_')}.pt")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as zip_:
        zip_.writestr(name, data)
        for info in source.infolist():
            zip_.writestr(info.filename, source.read(info))
    return out


@pytest.mark.parametrize("other", ["xdata.pkl", "olddata.pkl"])
def test_only_the_entry_named_data_pkl_is_torch_saves_pickle(tmp_path, other):
    """Another entry whose name ends in data.pkl is no pickle of torch.save's (mend58b).

    The loader's reason for a protocol-4 file read such an entry first (``endswith``), found
    protocol 2 there and called the file damaged; the config peek names it the same way.
    """
    path = _with_first_entry(_save(tmp_path / "wm.pt", pickle_protocol=4),
                             f"wm/{other}", pickle.dumps({"config": {"x": 1}}, protocol=2))
    with pytest.raises(CheckpointError) as caught:
        read_checkpoint_file(path)
    assert "saved by torch.save with pickle_protocol=4" in str(caught.value), caught.value
    assert peek_config(path) == CONFIG


@pytest.mark.parametrize("names, entry", [
    (["archive/data.pkl", "archive/version", "archive/data/0"], "archive/data.pkl"),
    (["wm/xdata.pkl", "wm/data.pkl", "wm/version"], "wm/data.pkl"),  # torch's, not first
    (["data.pkl", "version"], None),  # torch: "file in archive is not in a subdirectory"
    (["x/archive/data.pkl", "x/archive/version"], None),  # a folder deeper: torch finds none
    (["a/version", "b/data.pkl"], None),  # another folder than the first entry's
    ([], None),
])
def test_the_pickle_entry_is_data_pkl_in_the_first_entry_s_folder(names, entry):
    """As torch's reader finds it (fix58r: the docstring said 'or at the top', code any depth)."""
    from vjepa_ros.models.checkpoint_peek import pickle_entry

    assert pickle_entry(names) == entry


def test_a_zip_with_data_pkl_a_folder_deeper_is_no_torch_save_file(tmp_path):
    """torch.load refuses it (no 'version' record in the first folder): so does the reason."""
    source = _save(tmp_path / "wm.pt")
    path = tmp_path / "deeper.pt"
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(path, "w") as out:
        for info in archive.infolist():
            out.writestr(f"x/{info.filename}", archive.read(info))
    with pytest.raises(CheckpointError, match="a zip archive torch.save did not write"):
        read_checkpoint_file(path)
    assert peek_config(path) is None
