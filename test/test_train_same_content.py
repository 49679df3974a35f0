"""One recording in two storages is one source: shards with equal steps pair (user30)."""

import torch

from vjepa_ros.train.same_content import same_steps


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
