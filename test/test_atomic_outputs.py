"""Every output file (plots, pictures, collector.json, curves) is written whole or not at all.

``vjepa-ros eval`` plots, the pretraining and training plots and curves, the reach pictures,
saved goal images and the collector's ``collector.json`` were written straight to their final
names: a Ctrl-C mid-write left a truncated file there that looked whole.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

HALF = b"\x89PNG half a file"


def _stop_mid_write(target):
    """Write half a file to ``target`` (a path or an open file), then stop as Ctrl-C does."""
    if hasattr(target, "write"):
        target.write(HALF)
    else:
        with open(target, "wb") as file:  # not Path.write_*: a test may patch those
            file.write(HALF)
    raise KeyboardInterrupt


def _assert_left_alone(folder, name, old: bytes | None):
    """``name`` holds ``old`` (None: does not exist) and no partial file is left in ``folder``."""
    path = folder / name
    if old is None:
        assert not path.exists()
    else:
        assert path.read_bytes() == old
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".partial")]


@pytest.fixture
def savefig_stopped(monkeypatch):
    """Make every matplotlib ``savefig`` write half its file and stop."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    monkeypatch.setattr(Figure, "savefig", lambda self, target, *a, **k: _stop_mid_write(target))


def _eval_report() -> dict:
    steps = [{"step": k, "energy_executed": 0.1 * k, "energy_planned": 0.2 * k,
              "planned_action": [0.01] * 7, "executed_action": [0.01] * 7} for k in range(3)]
    return {"steps": steps, "summary": {"actions": {"min_motion_m": 0.001}}}


def _write_eval_plots(folder):
    from vjepa_ros.eval.report import write_report

    write_report(_eval_report(), folder)


def _write_loss_plot(folder):
    from vjepa_ros.train.report import plot_losses

    plot_losses({"train": [{"step": 1, "loss": 1.0}, {"step": 2, "loss": 0.5}]},
                folder / "energies.png")


def _write_curve_plot(folder):
    from vjepa_ros.train.pretrain_command import plot_curves

    monitors = [{"step": 1, "std": 1.0}, {"step": 2, "std": 0.9}]
    plot_curves([1.0, 0.5], monitors, {"std": 0.1}, folder / "energies.png")


@pytest.mark.parametrize("write", [_write_eval_plots, _write_loss_plot, _write_curve_plot])
def test_a_plot_stopped_mid_write_leaves_the_old_plot_and_no_partial(write, tmp_path,
                                                                     savefig_stopped):
    old = b"\x89PNG the plot of an earlier run"
    (tmp_path / "energies.png").write_bytes(old)
    with pytest.raises(KeyboardInterrupt):
        write(tmp_path)
    _assert_left_alone(tmp_path, "energies.png", old)


def test_a_figure_is_saved_in_the_format_of_its_suffix(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from vjepa_ros.atomic_files import save_figure

    assert save_figure(Figure(), tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert save_figure(Figure(), tmp_path / "a.pdf").read_bytes()[:4] == b"%PDF"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf", "a.png"]


def test_a_figure_path_without_suffix_is_saved_as_savefig_would(tmp_path):
    """``save_figure(fig, 'fig/a')`` raised ``ValueError: Format 'partial' is not supported``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from vjepa_ros.atomic_files import save_figure

    Figure().savefig(tmp_path / "plain")  # matplotlib's own: its default format, suffix added
    saved = save_figure(Figure(), tmp_path / "a")
    assert saved == tmp_path / "a.png" and saved.read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "plain.png"]


def test_collector_json_stopped_mid_write_leaves_no_truncated_file(tmp_path, monkeypatch):
    import vjepa_ros.sim.collector as collector
    from vjepa_ros.recordings.episode import Episode

    states = np.zeros((3, 7), np.float32)
    states[:, 2] = [0.3, 0.31, 0.32]
    episode = Episode.from_states(np.zeros((3, 8, 8, 3), np.uint8), states, [0.0, 0.1, 0.2])
    monkeypatch.setattr(collector, "Sim", lambda config: _NoSim())
    monkeypatch.setattr(collector, "collect_episode", lambda sim, seed, config: episode)
    write_text = pathlib.Path.write_text
    monkeypatch.setattr(pathlib.Path, "write_text",
                        lambda self, *a, **k: _stop_mid_write(self))
    with pytest.raises(KeyboardInterrupt):
        collector.collect(tmp_path, 1, log=lambda line: None)
    _assert_left_alone(tmp_path, "collector.json", None)
    monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    collector.collect(tmp_path, 1, log=lambda line: None)
    assert json.loads((tmp_path / "collector.json").read_text())["episodes"] == \
        ["episode_000000.npz"]


class _NoSim:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_pretrain_curves_stopped_mid_write_leave_the_old_file(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from vjepa_ros.train import pretrain_command

    curves = tmp_path / "enc.json"
    curves.write_text('{"losses": [1.0]}')
    monkeypatch.setattr(pathlib.Path, "write_text", lambda self, *a, **k: _stop_mid_write(self))
    result = SimpleNamespace(losses=[0.5], monitors=[], warnings=[], seconds=1.0,
                             step_seconds=0.5)
    with pytest.raises(KeyboardInterrupt):
        pretrain_command.write_curves(result, {}, curves, tmp_path / "enc.png")
    _assert_left_alone(tmp_path, "enc.json", b'{"losses": [1.0]}')


def test_reach_pictures_stopped_mid_write_leave_the_old_files(tmp_path, monkeypatch):
    from PIL import Image

    from vjepa_ros.sim.reach_media import save_gif, save_strip

    frame = np.zeros((16, 16, 3), np.uint8)
    for name in ("strip.png", "reach.gif"):
        (tmp_path / name).write_bytes(b"an earlier picture")
    monkeypatch.setattr(Image.Image, "save", lambda self, target, *a, **k:
                        _stop_mid_write(target))
    with pytest.raises(KeyboardInterrupt):
        save_strip(tmp_path / "strip.png", frame, [frame], ["goal", "step 0"])
    with pytest.raises(KeyboardInterrupt):
        save_gif(tmp_path / "reach.gif", frame, [frame], ["step 0"])
    _assert_left_alone(tmp_path, "strip.png", b"an earlier picture")
    _assert_left_alone(tmp_path, "reach.gif", b"an earlier picture")


def test_a_goal_image_stopped_mid_write_leaves_the_old_file(tmp_path, monkeypatch):
    import cv2

    from vjepa_ros.images import save_image_file

    path = save_image_file(tmp_path / "goal.png", np.full((8, 8, 3), 200, np.uint8))
    old = path.read_bytes()
    monkeypatch.setattr(pathlib.Path, "write_bytes", lambda self, data: _stop_mid_write(self))
    with pytest.raises(KeyboardInterrupt):
        save_image_file(path, np.zeros((8, 8, 3), np.uint8))
    _assert_left_alone(tmp_path, "goal.png", old)
    monkeypatch.undo()
    assert cv2.imread(str(path)).max() == 200


def test_a_goal_image_of_an_unknown_suffix_is_refused_in_one_line(tmp_path):
    from vjepa_ros.images import ImageError, save_image_file

    with pytest.raises(ImageError, match=r"^cannot write image file .*goal\.xyz: no image "
                       r"format has the suffix '\.xyz'; give a \.png or \.jpg path$"):
        save_image_file(tmp_path / "goal.xyz", np.zeros((8, 8, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def _no_work(*args, **kwargs):
    raise AssertionError("the work started")


def test_eval_refuses_a_directory_in_its_reports_way_before_the_run(tmp_path, capsys):
    """It ran to the end, then said ``Is a directory: 'evd/report.json.PID.partial'``."""
    from vjepa_ros.cli import main

    out = tmp_path / "evd"
    (out / "report.json").mkdir(parents=True)
    # a bag that is not there: refused for the report first, before the bag is read
    assert main(["eval", str(tmp_path / "no_bag"), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros eval: --out {out}: {out / 'report.json'} is "
                                       "a directory: remove or rename it\n")


def test_collect_refuses_a_directory_in_its_summarys_way_before_any_episode(tmp_path,
                                                                           monkeypatch, capsys):
    """Its episodes were written, then collector.json failed: a rerun was refused for them."""
    import vjepa_ros.sim.collector as collector
    from vjepa_ros.cli import main

    monkeypatch.setattr(collector, "collect", _no_work)
    out = tmp_path / "col2"
    (out / "collector.json").mkdir(parents=True)
    assert main(["collect", "--out", str(out), "--episodes", "1"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros collect: --out {out}: "
                                       f"{out / 'collector.json'} is a directory: remove or "
                                       "rename it\n")
    assert sorted(p.name for p in out.iterdir()) == ["collector.json"]


def test_collect_of_a_manipulation_task_takes_a_folder_holding_a_collector_json(
        tmp_path, monkeypatch, capsys):
    """``collect --task grasp`` was refused for a collector.json folder it never writes."""
    import vjepa_ros.sim.manipulation as manipulation
    from vjepa_ros.cli import main

    called = []
    monkeypatch.setattr(manipulation, "collect_manipulation",
                        lambda *args, **kwargs: called.append(args) or [])
    out = tmp_path / "grasps"
    (out / "collector.json").mkdir(parents=True)
    stale = out / "grasp_cup_000000_subgoal1_lift.png.99999999.partial"  # a killed run's
    stale.write_bytes(b"part")
    assert main(["collect", "--task", "grasp", "--out", str(out), "--episodes", "1"]) == 0
    assert called and not stale.exists() and (out / "collector.json").is_dir()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("options, name", [
    (["--no-plots"], "energies.png"), (["--landscape-points", "0"], "landscape.png"),
])
def test_eval_takes_a_folder_named_like_a_plot_it_will_not_write(tmp_path, capsys, options,
                                                                 name):
    """``--no-plots`` was refused for a folder named energies.png in --out."""
    from vjepa_ros.cli import main

    out = tmp_path / "evd"
    (out / name).mkdir(parents=True)
    assert main(["eval", str(tmp_path / "no_bag"), "--out", str(out), *options]) == 1
    err = capsys.readouterr().err
    assert name not in err and "no_bag" in err, err  # refused for the bag, not the folder


def test_camera_check_refuses_a_directory_in_its_reports_way_before_the_check(tmp_path,
                                                                            monkeypatch,
                                                                            capsys):
    """It ran the whole check (minutes), then failed to write camera_check.json."""
    import vjepa_ros.recordings.bags as bags
    from vjepa_ros.cli import main
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_writing import write_bag

    frames, states, _ = synthetic_episode(4)
    bag = write_bag(tmp_path / "bag", frames, states)
    out = tmp_path / "check"
    (out / "camera_check.json").mkdir(parents=True)
    monkeypatch.setattr(bags, "read_recording", _no_work)
    assert main(["camera-check", str(bag), "--out", str(out), "--random-weights"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros camera-check: --out {out}: "
                                       f"{out / 'camera_check.json'} is a directory: remove or "
                                       "rename it\n")


def test_an_immutable_output_file_is_refused_up_front(tmp_path, monkeypatch):
    import errno
    import os

    from vjepa_ros.out_paths import check_output_names

    (tmp_path / "report.json").write_text("{}")
    (tmp_path / "actions.png").write_bytes(b"x")
    opened = os.open

    def immutable(path, flags, *args):
        if str(path).endswith("report.json") and flags & os.O_WRONLY:
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(path))
        return opened(path, flags, *args)

    monkeypatch.setattr(os, "open", immutable)
    check_output_names(tmp_path, ["actions.png", "energies.png"])  # there, or not yet: fine
    with pytest.raises(ValueError, match=rf"^--out {tmp_path}: cannot replace "
                                         rf"{tmp_path / 'report.json'} \(Operation not "
                                         r"permitted\): remove it or make it writable"):
        check_output_names(tmp_path, ["actions.png", "report.json"])
    assert (tmp_path / "report.json").read_text() == "{}"
