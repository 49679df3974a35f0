"""fix54l: the families around breaker54l's defects (checkpoints: records, permissions, keys)."""

import pytest
from test_breaker54d import refusal, variant

from vjepa_ros.models.checkpoint import check_checkpoint, load_world_model
from vjepa_ros.nodes.reach_demo import HYPER_PARAMETERS

pytestmark = pytest.mark.usefixtures("one_thread")


# -- 1. every training record the load reads, the cheap check reads (one line, the same)

BAD_RECORDS = {
    "frame_sizes a pair not in a list": {"frame_sizes": [480, 640]},
    "aspect_ratio_range min over max": {"aspect_ratio_range": [1.35, 0.75]},
    "aspect_ratio_range of booleans": {"aspect_ratio_range": [True, True]},
    "aspect_ratio_range infinite": {"aspect_ratio_range": [0.75, float("inf")]},
    "tcp_xyz of 2 numbers": {"tcp_xyz": [0.0, 0.1], "tcp_rpy": [0.0, 0.0, 0.0]},
    "no_gripper a string": {"no_gripper": "yes"},
}


@pytest.mark.parametrize("record", list(BAD_RECORDS))
def test_the_cheap_check_refuses_every_record_the_load_refuses(tiny_world_model, tmp_path,
                                                               record):
    """Input: our file whose ``config.data`` holds one malformed training record."""
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"].update(data=BAD_RECORDS[record]))
    loaded = refusal(lambda: load_world_model(path, device="cpu", need_predictor=True), path)
    checked = refusal(lambda: check_checkpoint(path, need_predictor=True,
                                               options=HYPER_PARAMETERS), path)
    assert checked == loaded and "config.data." in loaded


def test_a_good_crop_record_passes_the_cheap_check(tiny_world_model, tmp_path):
    """Input: a file recording a square-crop range [1.0, 1.0]: passed, sizes returned."""
    path = variant(tiny_world_model, tmp_path / "wm.pt",
                   lambda raw: raw["config"].update(data={"aspect_ratio_range": [1.0, 1.0]}))
    assert check_checkpoint(path, need_predictor=True).img_size == 64
    assert load_world_model(path, device="cpu").trained_aspect_ratio_range == (1.0, 1.0)


# -- 2. every weights file this user may not read says chmod, whatever reads it after

def _sharded_snapshot(folder):
    """Write a tiny encoder as a sharded HF snapshot (two safetensors files and the index)."""
    import json

    import torch
    from safetensors.torch import save_file

    from vjepa_ros.models import build_encoder
    from vjepa_ros.models.hf import official_to_hf_encoder

    torch.manual_seed(0)
    encoder = build_encoder(img_size=64, embed_dim=32, depth=1, num_heads=2)
    state = {k: v.contiguous() for k, v in official_to_hf_encoder(encoder.state_dict()).items()}
    names = sorted(state)
    shards = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    folder.mkdir()
    for shard, keys in shards.items():
        save_file({key: state[key] for key in keys}, str(folder / shard))
    (folder / "model.safetensors.index.json").write_text(json.dumps(
        {"weight_map": {key: shard for shard, keys in shards.items() for key in keys}}))
    (folder / "config.json").write_text(json.dumps({
        "model_type": "vjepa2", "hidden_size": 32, "num_hidden_layers": 1,
        "num_attention_heads": 2, "crop_size": 64}))
    return folder / "model-00002-of-00002.safetensors"


def test_a_shard_this_user_may_not_read_says_chmod(tmp_path):
    """Input: a sharded snapshot whose second shard (over 1 KiB) is mode 000."""
    from test_breaker54d import _without_read_rights
    from test_checkpoint_refusals54d import READ_AS_OTHER_USER

    from vjepa_ros.models.checkpoint import load_models

    shard = _sharded_snapshot(tmp_path / "snapshot")
    assert shard.stat().st_size > 1024
    assert load_models(tmp_path / "snapshot")[0] is not None  # readable: it loads
    shard.chmod(0)
    try:
        done = _without_read_rights([str(tmp_path / "snapshot")], READ_AS_OTHER_USER)
    finally:
        shard.chmod(0o644)
    assert done.returncode == 0, done.stderr[-2000:]
    load = done.stdout.strip().splitlines()[-2]
    assert load.startswith("CheckpointError ") and f"chmod a+r {shard}" in load, load
    assert "download" not in load and "damaged" not in load, load
