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
