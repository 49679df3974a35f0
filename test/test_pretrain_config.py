"""``vjepa-ros pretrain --config``: every numeric setting has a range, refused in one line.

The tester's file ``floor_feature_std: -1`` turned the collapse monitor off, ``final_lr: 0.01``
(above the peak 6.25e-4) and ``lr: 0`` were taken as they were.
"""

from pathlib import Path

import pytest
import yaml

from vjepa_ros.train.pretrain_config import load_pretrain_config

CONFIG = Path(__file__).parent.parent / "config" / "pretrain.yaml"


@pytest.mark.parametrize("settings, message", [
    ({"floor_feature_std": -1}, "PretrainConfig.floor_feature_std must lie in [0, 1], got -1"),
    ({"floor_pairwise_distance": 2}, "PretrainConfig.floor_pairwise_distance must lie in [0, 1]"),
    ({"final_lr": 0.01}, "PretrainConfig.final_lr 0.01 is above the peak lr 0.000625"),
    ({"start_lr": 0.001}, "PretrainConfig.start_lr 0.001 is above the peak lr 0.000625"),
    ({"lr": 0}, "PretrainConfig.lr must lie in (0, inf), got 0"),
    ({"start_lr": -1e-4}, "PretrainConfig.start_lr must lie in [0, inf)"),
    ({"final_weight_decay": -0.1}, "PretrainConfig.final_weight_decay must lie in [0, inf)"),
    ({"ema_start": 1.5}, "PretrainConfig.ema_start must lie in [0, 1], got 1.5"),
    ({"ema_start": 0.999, "ema_end": 0.99}, "PretrainConfig.ema_start 0.999 is above ema_end"),
    ({"still_fraction": 1.5}, "PretrainConfig.still_fraction must lie in [0, 1]"),
    ({"warmup_fraction": 1}, "PretrainConfig.warmup_fraction must lie in [0, 1)"),
    ({"ipe_scale": 0.5}, "PretrainConfig.ipe_scale must lie in [1, inf)"),
    ({"clip_grad": -1}, "PretrainConfig.clip_grad must lie in [0, inf)"),
    ({"variance_weight": -1}, "PretrainConfig.variance_weight must lie in [0, inf)"),
    ({"batch_size": 0}, "PretrainConfig.batch_size must lie in [1, inf), got 0"),
    ({"num_heads": 0}, "PretrainConfig.num_heads must lie in [1, inf), got 0"),
    ({"monitor_frames": 1}, "PretrainConfig.monitor_frames must lie in [2, inf), got 1"),
    ({"img_size": 100}, "PretrainConfig.img_size 100 is not a multiple of patch_size 16"),
    ({"embed_dim": 100}, "PretrainConfig.embed_dim 100 is not divisible by num_heads 3: give "
     "num_heads 2 (or 1), or embed_dim 96 (a multiple of 3) or 102"),
    ({"predictor_dim": 70}, "PretrainConfig.predictor_dim 70 is not divisible by "
     "predictor_heads 3"),
    ({"predictor_dim": 12, "predictor_heads": 4}, "PretrainConfig.predictor_dim 12 over "
     "predictor_heads 4 leaves heads of width 3, too narrow for the 3D RoPE (needs >= 6)"),
    # breaker41h: an odd head passed and failed in the RoPE's pairs after loading the data
    ({"predictor_dim": 63, "predictor_heads": 3}, "PretrainConfig.predictor_dim 63 over "
     "predictor_heads 3 leaves heads of width 21, odd: the 3D RoPE rotates a head's dims in "
     "pairs (needs an even width >= 6): give predictor_dim 60 (a multiple of 3) "
     "or 66 (heads of 20 or 22)"),
    ({"mask_short": {"num_blocks": 0}},
     "PretrainConfig.mask_short.num_blocks must lie in [1, inf), got 0"),
    ({"mask_long": {"spatial_scale": [0.7, 1.2]}}, "PretrainConfig.mask_long.spatial_scale "
     "must be [low, high] with low <= high in (0, 1], got [0.7, 1.2]"),
    ({"mask_long.aspect_ratio": [2.0, 1.0]}, "PretrainConfig.mask_long.aspect_ratio must be "
     "[low, high] with low <= high in (0, inf)"),
    ({"mask_short": {"spatial_scale": [0.2]}}, "PretrainConfig.mask_short.spatial_scale must "
     "be [low, high]"),
    ({"random_resize_scale": [0.0, 1.0]}, "PretrainConfig.random_resize_scale must be [low, "
     "high] with low <= high in (0, 1]"),
    ({"random_resize_aspect_ratio": [1.3, 0.7]}, "PretrainConfig.random_resize_aspect_ratio "
     "must be [low, high]"),
])
def test_a_value_out_of_range_is_refused_naming_the_file_and_the_key(tmp_path, settings,
                                                                     message):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(settings))
    with pytest.raises(ValueError) as refused:
        load_pretrain_config(path)
    text = str(refused.value)
    # the file's key path, as train and reach name theirs: not the class (PretrainConfig.lr)
    assert text.startswith(f"{path}: {message.removeprefix('PretrainConfig.')}"), text
    assert "PretrainConfig" not in text and "\n" not in text, text


def test_the_shipped_settings_and_the_edges_of_the_ranges_are_accepted(tmp_path):
    assert load_pretrain_config(CONFIG).lr == 6.25e-4
    path = tmp_path / "edges.yaml"
    path.write_text(yaml.safe_dump({
        "floor_feature_std": 0.0, "floor_effective_rank": 1.0, "start_lr": 6.25e-4,
        "final_lr": 0.0, "ema_start": 1.0, "ema_end": 1.0, "clip_grad": 0.0, "steps": 0,
        "warmup_fraction": 0.0,  # a whole-frame scale, its blocks narrowed by the ratio 3
        "mask_long": {"spatial_scale": [1.0, 1.0], "aspect_ratio": [3.0, 3.0]}}))
    config = load_pretrain_config(path)
    assert (config.floor_feature_std, config.mask_long.spatial_scale) == (0.0, [1.0, 1.0])


def test_crops_is_decided_without_torch():
    """``crops()`` compares with DROID's crop range without importing torch.

    Whether frames are kept as recorded is decided with the settings, before torch loads.
    """
    import subprocess
    import sys

    code = ("import sys\n"
            "from vjepa_ros.train.pretrain_config import PretrainConfig\n"
            "said = [PretrainConfig().crops(),\n"
            "        PretrainConfig(random_resize_scale=[1.0, 1.0],\n"
            "                       random_resize_aspect_ratio=[0.75, 1.35]).crops(),\n"
            "        PretrainConfig(random_resize_scale=[1.0, 1.0],\n"
            "                       random_resize_aspect_ratio=[1.0, 1.0]).crops(),\n"
            "        PretrainConfig(random_resize_scale=[0.3, 1.0],\n"
            "                       random_resize_aspect_ratio=[0.75, 1.35]).crops()]\n"
            "print(said, 'torch' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=Path(__file__).parent.parent, check=True)
    assert result.stdout.split("\n")[0] == "[False, False, True, True] False"
