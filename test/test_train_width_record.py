"""world_model.pt records ``gripper_max_width`` only when it scaled some closedness (fix61c #4).

Train computes a bag's closedness from its finger widths at ``data.topics.gripper_max_width``;
an ``.npz`` episode's closedness is taken as saved, and a bag read without its gripper is
closedness 0. A model trained on those alone recorded the setting anyway (0.08 m by default),
so a planner at ``robot.gripper_max_width`` 0.085 was told the closedness "was computed with a
fully open width of 0.08 m" and to train again with 0.085, which would change nothing. Now the
record (``model_records.model_data``) is left out then, as ``tcp_xyz`` is for pose-only bags.
"""

import numpy as np
from train_bags import _read

from vjepa_ros.train.config import make_config
from vjepa_ros.train.model_records import model_data


def test_model_data_leaves_the_width_out_when_no_closedness_came_from_widths(tmp_path):
    config = make_config({"out": str(tmp_path / "run")})
    assert model_data(config, None, None)["gripper_max_width"] == 0.08
    assert "gripper_max_width" not in model_data(config, None, None, from_widths=False)


def test_which_segments_computed_closedness_from_finger_widths(tmp_path):
    from test_breaker58e import _joints_and_pose_bag
    from test_fix58be import FLANGE

    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments
    from vjepa_ros.train.synthetic import write_blob_episodes

    bag = _joints_and_pose_bag(tmp_path / "joints", FLANGE)  # fingers on /joint_states
    segments, _ = _read(bag, frames_per_clip=3)
    assert segments and all(segment.from_widths for segment in segments)
    segments, _ = _read(bag, frames_per_clip=3, topics={"no_gripper": True})
    assert segments and not any(segment.from_widths for segment in segments)
    write_blob_episodes(tmp_path / "episodes", 1, frames=6, size=32)
    (source,) = find_sources([tmp_path / "episodes"])
    segments, _ = load_segments(source, DataConfig(frames_per_clip=3))
    assert segments and not any(segment.from_widths for segment in segments)


def test_a_model_trained_on_npz_episodes_records_no_width_and_warns_no_planner(tmp_path):
    from vjepa_ros.cli import main
    from vjepa_ros.models.checkpoint import load_world_model
    from vjepa_ros.robot.trained_model import gripper_width_note
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "episodes", 3, frames=6, size=32)
    run = tmp_path / "run"
    assert main(["train", "--data", str(tmp_path / "episodes"), "--out", str(run), "--init",
                 "demo", "--steps", "1", "--quiet", "--frames-per-clip", "3"]) == 0
    model = load_world_model(run / "world_model.pt", device="cpu")
    assert model.trained_gripper_max_width is None
    assert gripper_width_note(model, 0.085) == ""
    assert np.isfinite(model.trained_rate_hz)  # the other records stay
