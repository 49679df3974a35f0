"""``pretrain --data-seed``: the batches and masks drawn apart from the initialization's seed.

Session 15 found the stage-1 result follows the batches and masks, not the initialization, with a
script; ``data_seed`` (``--data-seed``) makes the swap a setting: same ``seed``, same weights at
step 0; same ``data_seed``, the same clips and masks.
"""

import pytest
import torch

from vjepa_ros.cli import build_parser
from vjepa_ros.config import from_dict
from vjepa_ros.train.pretrain import PretrainConfig, seeded_encoder
from vjepa_ros.train.pretrain_command import checked_pretrain_config
from vjepa_ros.train.pretrain_data import clip_sampler
from vjepa_ros.train.pretrain_masks import SHORT_RANGE, sample_block_mask

pytestmark = pytest.mark.usefixtures("one_thread")

TINY = dict(img_size=32, patch_size=8, embed_dim=48, depth=1, num_heads=2, frames_per_clip=2)


def _config(**changes) -> PretrainConfig:
    return from_dict(PretrainConfig, {**TINY, **changes})


def _draws(config: PretrainConfig, videos) -> tuple:
    """Two batches and a mask, as the first pretraining step draws them."""
    sampler = clip_sampler(videos, config)
    first, second = sampler.sample(4), sampler.sample(4)
    return first, second, sample_block_mask((1, 4, 4), SHORT_RANGE, sampler.generator).target


def _same(a: tuple, b: tuple) -> bool:
    return all(x.shape == y.shape and torch.equal(x, y) for x, y in zip(a, b, strict=True))


def _weights(config: PretrainConfig) -> list:
    return [p.detach().clone() for p in seeded_encoder(config).parameters()]


def test_data_seed_changes_the_batches_and_masks_and_not_the_initialization():
    from test_pretrain_encoder import square_videos

    videos = square_videos(6)
    one, other = _config(seed=0, data_seed=1), _config(seed=0, data_seed=2)
    assert not _same(_draws(one, videos), _draws(other, videos))
    assert all(torch.equal(a, b) for a, b in zip(_weights(one), _weights(other), strict=True))
    # the same data seed under another initialization: the very same clips and masks
    again = _config(seed=5, data_seed=1)
    assert _same(_draws(one, videos), _draws(again, videos))
    assert not all(torch.equal(a, b) for a, b in zip(_weights(one), _weights(again),
                                                     strict=True))


def test_without_a_data_seed_the_seed_draws_the_batches_as_before():
    from test_pretrain_encoder import square_videos

    videos = square_videos(6)
    assert _config(seed=3).data_seed is None and _config(seed=3).batch_seed == 3
    assert _same(_draws(_config(seed=3), videos), _draws(_config(seed=0, data_seed=3), videos))


def test_the_option_and_the_settings_file_give_the_data_seed(tmp_path):
    settings = tmp_path / "pretrain.yaml"
    settings.write_text("data_seed: 4\nseed: 2\n")
    parser = build_parser()
    given = ["pretrain", "--data", "d", "--out", "e.pt", "--config", str(settings)]
    assert checked_pretrain_config(parser.parse_args(given)).batch_seed == 4
    config = checked_pretrain_config(parser.parse_args([*given, "--data-seed", "7"]))
    assert (config.seed, config.data_seed, config.batch_seed) == (2, 7, 7)
    settings.write_text("data_seed: one\n")
    with pytest.raises(ValueError, match="data_seed must be an integer or null .*got 'one'"):
        checked_pretrain_config(parser.parse_args(given))
