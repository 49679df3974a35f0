"""One recording in two storages is one source: shards with equal steps pair (user30)."""

import numpy as np
import pytest
import torch

from conftest import REPO_ROOT
from vjepa_ros.train.same_content import same_frames, same_steps


def _shard(seed: int, reps_seed: int | None = None) -> dict:
    gen = torch.Generator().manual_seed(seed)
    states = torch.randn(6, 7, generator=gen)
    reps = torch.randn(6, 4, 8, generator=torch.Generator().manual_seed(
        seed if reps_seed is None else reps_seed)).to(torch.bfloat16)
    return {"lengths": torch.tensor([6]), "states": states, "actions": states[1:] - states[:-1],
            "reps": reps}


def test_equal_steps_and_frames_pair_with_the_first_and_others_do_not():
    shards = {"a.mcap": _shard(1), "a.db3": _shard(1), "b.mcap": _shard(2),
              "same_states_other_frames": _shard(1, reps_seed=9), "left_out": None}
    shards = {k: v for k, v in shards.items() if v is not None}
    order = ["a.mcap", "left_out", "b.mcap", "same_states_other_frames", "a.db3"]
    assert same_steps(order, shards) == [("a.mcap", "a.db3")]
    assert same_steps(["a.db3", "a.mcap"], shards) == [("a.db3", "a.mcap")], "the first kept"
    assert same_steps(["b.mcap", "same_states_other_frames"], shards) == []


def test_train_reads_one_recording_in_two_storages_once(tmp_path, capsys):
    # user30: --data holding a bag and its converted copy split them between train and val
    from conftest import SHARED_DATA
    from vjepa_ros.cli import main

    field = SHARED_DATA / "field"
    data = tmp_path / "data"
    data.mkdir()
    for name, target in (("a", "killed-no-metadata-mcap"), ("b", "killed-no-metadata-db3"),
                         ("c", "joint-states-split")):
        (data / name).symlink_to(field / target)
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), "--init", "demo",
                 "--steps", "1", "--frames-per-clip", "4", "--threads", "1", "--quiet"]) == 0
    out = capsys.readouterr()
    assert f"skipped {data / 'b'}: the same steps as {data / 'a'}" in out.out + out.err


@pytest.fixture(scope="module")
def demo_encoder():
    from vjepa_ros.models.checkpoint import load_models

    return load_models(REPO_ROOT / "vjepa_ros" / "data" / "demo_world_model.pt")[0]


def test_the_same_frames_encoded_twice_otherwise_are_the_same_and_other_frames_are_not(
        demo_encoder, franka_example):
    # A GPU's encoder is not bit-reproducible: the same frames encoded in another call (batch,
    # kernels, compute dtype) differ in the last bits, and an exact compare missed one
    # recording in two storages whose frames were encoded on two ranks or two days.
    from vjepa_ros.train.features import FrameEncoder

    frames = np.stack([franka_example["frames"][i] for i in (0, 1, 0, 1)])
    batch4 = FrameEncoder(demo_encoder, "cpu", torch.float32, (0.75, 1.35), batch=4)(frames)
    single = FrameEncoder(demo_encoder, "cpu", torch.bfloat16, (0.75, 1.35), batch=1)(frames)
    assert not torch.equal(batch4, single), "the check needs frames that differ in their bits"
    assert same_frames(batch4, single)
    later = torch.cat([batch4[1:], batch4[:1]])  # each step's frame one step later
    assert not same_frames(batch4, later)
    assert not same_frames(batch4, batch4[:3]), "another length"
    broken = single.clone()
    broken[2, 0, 0] = float("nan")
    assert not same_frames(batch4, broken)


def test_shards_whose_frames_differ_in_the_last_bits_pair():
    shards = {"a.mcap": _shard(1), "a.db3": _shard(1)}
    reps = shards["a.db3"]["reps"]
    ulp = torch.finfo(reps.dtype).eps * reps.float().abs()  # every element one ulp off
    shards["a.db3"]["reps"] = (reps.float() + ulp).to(reps.dtype)
    assert not torch.equal(shards["a.mcap"]["reps"], shards["a.db3"]["reps"])
    assert same_steps(["a.mcap", "a.db3"], shards) == [("a.mcap", "a.db3")]


def _rank_decides(topology, out):
    # rank 1 sees frames of the copy that differ (as its own GPU could encode them): rank 0's
    # decision must stand on both, or the ranks train on different data
    from vjepa_ros.train.same_content import agreed_same_steps

    shards = {"a.mcap": _shard(1), "a.db3": _shard(1, reps_seed=9 if topology.rank else None)}
    pairs = agreed_same_steps(["a.mcap", "a.db3"], shards, topology)
    (out / f"rank{topology.rank}").write_text(repr(pairs))


def test_the_ranks_follow_rank_0s_decision(tmp_path):
    from vjepa_ros.train.distributed import spawn_local

    spawn_local(_rank_decides, 2, (tmp_path,))
    assert (tmp_path / "rank0").read_text() == "[('a.mcap', 'a.db3')]"
    assert (tmp_path / "rank1").read_text() == "[('a.mcap', 'a.db3')]"


def _only_rank_0_reads(topology, out):
    # the other ranks' frames are never read: a rank 1 whose reps cannot be read still agrees
    from vjepa_ros.train.same_content import agreed_same_steps

    shards = {"a.mcap": _shard(1), "a.db3": _shard(1)}
    if topology.rank:
        for shard in shards.values():
            shard["reps"] = None  # reading it raises
    pairs = agreed_same_steps(["a.mcap", "a.db3"], shards, topology)
    (out / f"rank{topology.rank}").write_text(repr(pairs))


def test_only_rank_0_compares_the_frames(tmp_path):
    from vjepa_ros.train.distributed import spawn_local

    spawn_local(_only_rank_0_reads, 2, (tmp_path,))
    assert (tmp_path / "rank1").read_text() == "[('a.mcap', 'a.db3')]"


def test_a_copy_is_said_as_what_it_is_stored_twice_or_in_two_formats(tmp_path):
    """mend62e: two copies of one .mcap were "one recording in two storage formats".

    ``storage_format`` of an ``.npz``, a loose data file (``.zstd`` packed too) and a bag
    folder; ``copy_words`` says "stored twice, both mcap" for a copy in the same storage, "two
    storage formats" only where they differ, "stored twice" where one is not known; and
    pretraining's reader says the first of a bag copied with ``cp -r``.
    """
    import shutil

    from vjepa_ros.train.episodes import Source
    from vjepa_ros.train.pretrain_data import load_clip_segments
    from vjepa_ros.train.same_content import copy_words, storage_format
    from vjepa_ros.train.synthetic import write_blob_episodes

    for name in ("x.mcap", "x.mcap.zstd", "x.db3", "x.db3.zstd", "x.bag"):
        (tmp_path / name).write_bytes(b"")
    assert [storage_format(Source(tmp_path / n, "bag")) for n in
            ("x.mcap", "x.mcap.zstd", "x.db3", "x.db3.zstd", "x.bag")] == \
        ["mcap", "mcap", "sqlite3", "sqlite3", ""]
    assert storage_format(Source(tmp_path / "e.npz", "npz")) == "npz"
    assert storage_format(Source(tmp_path, "bag")) == ""  # mcap and sqlite3: not one storage
    shard = _shard(1)
    equal = "equal frames, states and actions: one recording"
    assert copy_words(shard, shard, ("mcap", "mcap")) == f"{equal} stored twice, both mcap"
    assert copy_words(shard, shard, ("npz", "mcap")) == f"{equal} in two storage formats"
    assert copy_words(shard, shard, ("", "mcap")) == f"{equal} stored twice"
    assert copy_words(shard, shard) == f"{equal} stored twice"

    episode = write_blob_episodes(tmp_path / "episodes", 1, frames=10, seed=3)[0]
    from vjepa_ros.cli import main

    bags = tmp_path / "bags"
    assert main(["bag-from-npz", "--episode", str(episode), str(bags / "one")]) == 0
    shutil.copytree(bags / "one", bags / "two")
    notes = []
    segments = load_clip_segments([bags], 4, log=notes.append)
    assert sum(len(segment) for segment in segments) == 10, notes
    assert any(f"skipped {bags / 'two'}: the same steps as {bags / 'one'} (equal frames: one "
               "recording stored twice, both mcap), read once" in note for note in notes), notes
