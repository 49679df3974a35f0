"""A resumed run with other ``--steps`` keeps its warm-up in steps and says so (breaker33t)."""

import pytest
import torch

from vjepa_ros.train import build_trainer, make_config
from vjepa_ros.train.schedule import LRSchedule, resumed_schedule
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")


def _schedule(total, warmup, decay):
    return LRSchedule(total, warmup, decay, 1e-5, 1e-3, 0.0)


def test_more_steps_keep_the_warmup_and_move_the_decay_to_the_new_end():
    stored = _schedule(40, 2, 2).phases()
    new, note = resumed_schedule(_schedule(400, 20, 20), stored)
    assert (new.warmup, new.decay, new.total) == (2, 20, 400)
    assert all(new(step) == 1e-3 for step in range(2, 380))
    assert "40 -> 400" in note and "first 2 steps" in note and "last 20 steps" in note


def test_phases_of_no_steps_are_said_as_none():
    """user59w: a 6-step run resumed to 10 said "its first 0 steps", "the last 0 steps"."""
    new, note = resumed_schedule(_schedule(10, 0, 0), _schedule(6, 0, 0).phases())
    assert (new.warmup, new.decay) == (0, 0) and all(new(step) == 1e-3 for step in range(1, 11))
    assert "no warm-up, lr 0.001 to the end, no decay (was: no decay)" in note, note
    assert " 0 steps" not in note, note
    _, note = resumed_schedule(_schedule(40, 0, 2), _schedule(20, 0, 1).phases())
    assert "no warm-up, lr 0.001 to step 38, then a linear decay over the last 2 steps " \
        "(was: decay from step 19)" in note, note


def test_the_same_steps_keep_the_stored_phases_without_a_note():
    stored = _schedule(400, 2, 20).phases()  # an extended run resumed again at 400 steps
    new, note = resumed_schedule(_schedule(400, 20, 20), stored)
    assert (new.warmup, new.decay) == (2, 20) and note is None


def test_fewer_steps_keep_the_warmup_and_fit_the_decay():
    new, note = resumed_schedule(_schedule(30, 2, 2), _schedule(100, 10, 40).phases())
    assert (new.warmup, new.decay, new.total) == (10, 2, 30) and "100 -> 30" in note


@pytest.fixture
def run(tmp_path):
    encoder = write_tiny_encoder(tmp_path / "encoder.pt")
    episodes = tmp_path / "eps"
    write_blob_episodes(episodes, 3, frames=8)

    def config(steps):
        return make_config({
            "out": str(tmp_path / "run"), "encoder": str(encoder),
            "data.train": [str(episodes)], "steps": steps, "batch_size": 1, "eval_every": 0,
            "save_every": 0, "progress": False, "data.frames_per_clip": 4,
            "data.val_fraction": 0.0, "predictor.embed_dim": 16, "predictor.depth": 1,
            "predictor.num_heads": 2, "optim.warmup": 0.25})  # 5 of 20 steps

    return tmp_path / "run", config


def test_two_resumes_keep_the_first_warmup_and_log_one_line(run):
    out, config = run
    build_trainer(config(20), log=lambda line: None).train(until=6)
    lines = []
    resumed = build_trainer(config(200), resume=True, log=lines.append)
    extended = [line for line in lines if "schedule extended" in line]
    assert len(extended) == 1 and "20 -> 200" in extended[0], lines
    resumed.train(until=7)
    assert resumed.history["train"][-1]["lr"] == pytest.approx(resumed.config.optim.lr)
    again = build_trainer(config(200), resume=True, log=lines.append)  # stored: warm-up 5
    assert again.schedule.warmup == 5 and again.schedule.decay == 10


def test_a_run_without_a_stored_schedule_takes_its_settings_phases(run):
    out, config = run
    build_trainer(config(20), log=lambda line: None).train(until=6)
    state = torch.load(out / "latest.pt", weights_only=False)
    del state["schedule"]  # as runs before it stored one
    torch.save(state, out / "latest.pt")
    resumed = build_trainer(config(200), resume=True, log=lambda line: None)
    assert resumed.schedule.warmup == 5
