"""breaker59b: ``vjepa-ros pretrain`` (stage 1), attacked at base59 after breaker57b.

Defects (strict xfails; each asserts what should happen):

1. Pretraining on one picture (a frozen camera's bag or ``.npz``: every frame the same) runs
   the whole schedule and exits 0 without a word: the collapse monitors read 0 at step 0
   (``feature_std 0``, ``effective_rank 0``, ``pairwise_distance 0``), and since a floor is
   relative to the start (``collapse.collapse_warnings`` skips a start of 0) they can never
   warn for the whole run. Should: a note or refusal that the monitor frames are one picture
   (nothing to learn from, nothing the monitors can watch). Where:
   ``pretrain_command.cmd_pretrain`` / ``pretrain.pretrain_encoder`` (``monitor(0)``).
2. The last ``step N/M  loss L`` line of a run whose ``steps`` is no multiple of
   ``monitor_every`` averages the last ``monitor_every`` losses, steps the previous line already
   reported included (25 steps, monitor_every 10: the line at 25 is the mean of steps 16..25,
   not 21..25), so the run's last printed loss is not the loss since the last line as every
   other line's is. Where: ``pretrain.pretrain_encoder`` ``report`` (``losses[-monitor_every:]``).

Held (passing tests below): odd ``.npz`` frames (float, bool, channel-first, 2 channels, empty,
one frame) and timestamps (duplicate, reversed, NaN, milliseconds) refused in one line naming
the file; the same folder twice or a file inside a given folder read once; the field bags read
by their camera; a pretrained encoder of non-default size (48 px, patch 12, 4 heads, 4-frame
clips) used by ``vjepa-ros train --encoder``; Ctrl-C mid-run saves ``enc.stepN.pt`` (checked by
hand: 791 steps, json with 791 losses).
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from test_pretrain_encoder import TINY

from vjepa_ros.cli import main

pytestmark = pytest.mark.usefixtures("one_thread")


def _frozen_npz(path, frames: int = 12, size: int = 32):
    picture = np.random.default_rng(1).integers(0, 256, (size, size, 3)).astype(np.uint8)
    video = np.repeat(picture[None], frames, 0)
    np.savez(path, observations=video[None], timestamps=(np.arange(frames) / 4.0)[None])
    return path


def test_pretraining_on_one_picture_is_said(tmp_path, capsys):
    """A frozen camera's recording: every frame the same picture.

    Was: exit 0, the monitors 0 -> 0 at every step, no note and no warning. Should: a line
    (note, warning or refusal) saying the monitor frames do not differ. Since fix59b: refused
    before any file is written, in one line naming the file, the monitors and what to do.
    """
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 3, "monitor_every": 3}))
    data = _frozen_npz(tmp_path / "frozen.npz")
    code = main(["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"), "--config",
                 str(settings), "--threads", "1"])
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    monitor_zero = [line for line in lines if line.startswith("monitor step")]
    assert code != 0 or (monitor_zero and all("feature_std 0.0000" in line
                                              for line in monitor_zero))
    said = [line for line in lines if (line.startswith(("note:", "WARNING", "vjepa-ros"))
                                       and "monitor" in line)]
    assert code != 0 or said, "\n".join(lines)
    assert code == 1 and not monitor_zero and not list(tmp_path.glob("enc*")), lines
    assert len(said) == 1 and str(data) in said[0] and "one picture" in said[0], said
    assert "camera" in said[0] and "record" in said[0], said  # what to do


def test_frames_that_differ_get_no_such_line(tmp_path, capsys):
    """Pin: moving frames give positive monitors at step 0 (their floors can warn)."""
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "eps", 2, frames=10, seed=3, size=32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 3, "monitor_every": 3}))
    assert main(["pretrain", "--data", str(tmp_path / "eps"), "--out", str(tmp_path / "e.pt"),
                 "--config", str(settings), "--threads", "1"]) == 0
    first = next(line for line in capsys.readouterr().out.splitlines()
                 if line.startswith("monitor step     0"))
    assert "feature_std 0.0000" not in first and "effective_rank 0.0 " not in first


def test_the_last_step_lines_loss_is_of_the_steps_since_the_line_before(tmp_path, capsys):
    """25 steps, monitor_every 10: step lines at 10, 20 and 25.

    The 25 line's loss should be the mean of steps 21..25 (the json's losses), as the 10 and 20
    lines are of their ten steps; now it is the mean of steps 16..25.
    """
    import json

    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "eps", 2, frames=10, seed=3, size=32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "steps": 25, "monitor_every": 10}))
    out = tmp_path / "e.pt"
    assert main(["pretrain", "--data", str(tmp_path / "eps"), "--out", str(out), "--config",
                 str(settings), "--threads", "1"]) == 0
    printed = {int(line.split()[1].split("/")[0]): float(line.split()[3])
               for line in capsys.readouterr().out.splitlines()
               if line.startswith("step ") and "lr" in line}
    losses = json.loads(out.with_suffix(".json").read_text())["losses"]
    assert sorted(printed) == [10, 20, 25]
    assert printed[10] == pytest.approx(np.mean(losses[:10]), abs=6e-5)
    assert printed[20] == pytest.approx(np.mean(losses[10:20]), abs=6e-5)
    assert printed[25] == pytest.approx(np.mean(losses[20:25]), abs=6e-5), (
        f"printed {printed[25]}, mean of steps 16..25 {np.mean(losses[15:25]):.4f}")


@pytest.mark.parametrize("frames", [
    np.random.default_rng(0).random((8, 32, 32, 3)).astype(np.float32),
    np.random.default_rng(0).integers(0, 256, (8, 3, 32, 32)).astype(np.uint8),
    np.random.default_rng(0).random((8, 32, 32, 3)) > 0.5,
    np.random.default_rng(0).integers(0, 256, (8, 32, 32, 2)).astype(np.uint8),
    np.zeros((0, 32, 32, 3), np.uint8),
], ids=["float", "channel-first", "bool", "two-channels", "empty"])
def test_frames_of_a_wrong_layout_are_refused_naming_the_file(tmp_path, frames):
    from vjepa_ros.train.pretrain_data import load_clip_segments

    path = tmp_path / "odd.npz"
    np.savez(path, observations=frames[None], timestamps=(np.arange(len(frames)) / 4.0)[None])
    with pytest.raises(ValueError, match="odd.npz"):
        load_clip_segments([path], 4, log=None)


@pytest.mark.parametrize("stamps", [np.repeat(np.arange(6) / 4.0, 2), (np.arange(12) / 4.0)[::-1],
                                    np.r_[np.arange(11) / 4.0, np.nan], np.arange(12) * 250.0],
                         ids=["duplicates", "reversed", "nan", "milliseconds"])
def test_timestamps_a_lab_gets_wrong_are_refused_naming_the_file(tmp_path, stamps):
    from vjepa_ros.train.pretrain_data import load_clip_segments

    path = tmp_path / "stamps.npz"
    video = np.random.default_rng(0).integers(0, 256, (12, 32, 32, 3)).astype(np.uint8)
    np.savez(path, observations=video[None], timestamps=stamps[None])
    with pytest.raises(ValueError, match="stamps.npz"):
        load_clip_segments([path], 4, log=None)


def test_the_same_folder_twice_is_read_once(tmp_path):
    from vjepa_ros.train.pretrain_data import load_clip_segments
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "eps", 2, frames=10, seed=3, size=32)
    once = load_clip_segments([tmp_path / "eps"], 2, log=None)
    first = sorted((tmp_path / "eps").glob("*.npz"))[0]
    for paths in ([tmp_path / "eps", tmp_path / "eps"], [tmp_path / "eps", first]):
        assert sum(len(s) for s in load_clip_segments(paths, 2, log=None)) == sum(
            len(s) for s in once)
