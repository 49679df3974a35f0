"""``vjepa-ros train`` stopped and resumed: SIGTERM, Ctrl-C mid-step, ``--resume`` with moved data.

A stopped run saves a finished step (or nothing, on a second Ctrl-C mid-step) and a resumed one
continues bit for bit; data given anew at another path is the same data, a real change is
refused. The tiny data and options of ``test_train_command.py``.
"""

import shutil
import signal

import pytest
import torch
import yaml
from test_train_command import _args, data  # noqa: F401

from vjepa_ros.cli import main
from vjepa_ros.train.synthetic import write_blob_episodes


def test_resume_takes_the_folder_and_data_however_their_paths_are_written(
        data, tmp_path, monkeypatch, capsys):  # noqa: F811
    """``run``, ``run/``, ``./run`` and the absolute path are one --out, from any directory.

    ``--out run/ --resume`` after ``--out run`` was refused ("cannot change out"), as were
    ``./run``, the absolute path and another working directory; relative --data/--encoder paths
    stored by the run did not resume from another directory.
    """
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copytree(data["episodes"], work / "episodes")
    shutil.copy(data["encoder"], work / "encoder.pt")
    monkeypatch.chdir(work)
    argv = _args({**data, "episodes": "episodes", "encoder": "encoder.pt"}, "run/")
    argv.remove(str(data["bag"]))
    assert main(argv) == 0
    stored = torch.load(work / "run" / "latest.pt", weights_only=True)["train_config"]
    assert stored["out"] == str(work / "run") and stored["data"]["train"] == [
        str(work / "episodes")] and stored["encoder"] == str(work / "encoder.pt")
    # settings repeated, paths written otherwise (a step more each: a complete run is refused)
    for steps, out in enumerate(("run", "./run/", str(work / "run")), start=4):
        again = [out if item == "run/" else item for item in argv]
        again[again.index("--steps") + 1] = str(steps)
        assert main([*again, "--resume"]) == 0, capsys.readouterr().err
    monkeypatch.chdir(elsewhere)
    assert main(["train", "--out", str(work / "run"), "--resume", "--steps", "7", "--quiet"]) \
        == 0, capsys.readouterr().err
    assert main(["train", "--out", "../work/run", "--resume", "--steps", "8", "--quiet"]) == 0
    assert main(["train", "--out", "../work/run", "--resume", "--steps", "9",
                 "--data", "../work/episodes", "--quiet"]) == 0
    # an older run stored the paths as given: it still resumes from the folder it started in
    state = torch.load(work / "run" / "latest.pt", weights_only=True)
    state["train_config"]["out"] = "run/"
    state["train_config"]["data"]["train"] = ["episodes"]
    torch.save(state, work / "run" / "latest.pt")
    monkeypatch.chdir(work)
    assert main(["train", "--out", "run", "--resume", "--steps", "10", "--data", "./episodes/",
                 "--quiet"]) == 0, capsys.readouterr().err
    assert torch.load(work / "run" / "latest.pt", weights_only=True)["train_config"]["data"][
        "train"] == [str(work / "episodes")]
    capsys.readouterr()
    assert main(["train", "--out", "run", "--resume", "--steps", "11", "--data", "run"]) == 1
    assert "cannot change --data (stored" in capsys.readouterr().err


def _assert_resume_matches(out, whole):
    """Resume the stopped run in ``out`` to step 3: it must equal the uninterrupted ``whole``."""
    assert main(["train", "--out", str(out), "--resume", "--quiet"]) == 0
    resumed, uninterrupted = (torch.load(run / "latest.pt", weights_only=True)
                              for run in (out, whole))
    assert resumed["step"] == uninterrupted["step"] == 3
    for name, value in uninterrupted["predictor"].items():
        assert torch.equal(resumed["predictor"][name], value), name


def test_sigterm_mid_step_finishes_the_step_and_saves_it(data, tmp_path, monkeypatch, capsys):  # noqa: F811
    """SIGTERM (``kill PID``) ends the step under way, saves it, exits 143 with one line.

    It raised at once wherever it landed: after the optimizer update but before the step
    counted, latest.pt stored the updated weights as the step before, and a resumed run did
    that step twice.
    """
    from vjepa_ros.train.trainer import Trainer

    whole = tmp_path / "whole"
    assert main(_args(data, whole)) == 0  # 3 steps without a stop
    step = Trainer.train_step

    def killed_mid_step(self):
        update = self.optimizer.step

        def update_then_killed(*args, **kwargs):
            update(*args, **kwargs)
            signal.raise_signal(signal.SIGTERM)  # lands before the step is counted

        self.optimizer.step = update_then_killed
        try:
            return step(self)
        finally:
            self.optimizer.step = update

    monkeypatch.setattr(Trainer, "train_step", killed_mid_step)
    out = tmp_path / "killed"
    capsys.readouterr()
    assert main(_args(data, out)) == 143
    assert capsys.readouterr().err == (  # --quiet: one line, no empty line before it
        f"vjepa-ros train: terminated at step 1; {out / 'latest.pt'} saved, continue with: "
        f"vjepa-ros train --out {out} --resume\n")
    state = torch.load(out / "latest.pt", weights_only=True)
    assert state["step"] == 1 and len(state["history"]["train"]) == 1
    monkeypatch.undo()
    _assert_resume_matches(out, whole)


@pytest.mark.parametrize("stop_step", [1, 3])
def test_a_second_ctrl_c_mid_step_saves_nothing_and_says_what_latest_holds(
        data, tmp_path, monkeypatch, capsys, two_ctrl_c, stop_step):  # noqa: F811
    """A second Ctrl-C within a step saved its half-updated predictor as the step before.

    The line said "latest.pt saved, continue with ... --resume": resuming from it continued from
    wrong weights. Now latest.pt stays as it was (save_every 2: step 2's, or none at all) and the
    line says so.
    """
    from vjepa_ros.train.trainer import Trainer

    step = Trainer.train_step
    out = tmp_path / "twice"
    before = {}

    def interrupted_mid_step(self):
        if self.step + 1 < stop_step:
            return step(self)
        latest = out / "latest.pt"
        before["latest"] = latest.read_bytes() if latest.exists() else None
        update = self.optimizer.step

        def update_then_interrupted(*args, **kwargs):
            update(*args, **kwargs)  # the weights have changed, the step is not done
            two_ctrl_c()

        self.optimizer.step = update_then_interrupted
        return step(self)

    monkeypatch.setattr(Trainer, "train_step", interrupted_mid_step)
    assert main(_args(data, out)) == 130
    head = (f"vjepa-ros train: interrupted at once in the middle of step {stop_step}, not saved "
            "(its update was half done); ")
    if stop_step == 1:
        assert capsys.readouterr().err == head + (
            "no latest.pt was saved yet: nothing to resume, start the run again\n")
        assert before["latest"] is None and not (out / "latest.pt").exists()
        assert not (out / "log.json").exists()
        return
    assert capsys.readouterr().err == head + (
        f"{out / 'latest.pt'} still holds step 2, continue with: vjepa-ros train --out {out} "
        "--resume\n")
    assert (out / "latest.pt").read_bytes() == before["latest"]
    monkeypatch.undo()  # the resumed run does step 3 as an uninterrupted run does
    whole = tmp_path / "whole"
    assert main(_args(data, whole)) == 0
    _assert_resume_matches(out, whole)


def test_a_second_ctrl_c_between_steps_saves(data, tmp_path, monkeypatch, capsys, two_ctrl_c):  # noqa: F811
    """During validation the steps done are whole: a second Ctrl-C there saves them.

    In the first validation (before step 1) it said "latest.pt saved" and saved nothing.
    """
    from vjepa_ros.train.trainer import Trainer

    validate = Trainer.validate

    def interrupted_in_validation(call: int):
        calls = []

        def validating(self):
            calls.append(self.step)
            if len(calls) == call:
                two_ctrl_c()
            return validate(self)

        return validating

    for call, saved_step in ((1, 0), (3, 2)):  # --eval-every 1: before step 1, after 1, 2, ...
        monkeypatch.setattr(Trainer, "validate", interrupted_in_validation(call))
        out = tmp_path / f"validating{call}"
        assert main(_args(data, out, "--eval-every", "1")) == 130
        assert capsys.readouterr().err == (
            f"vjepa-ros train: interrupted at step {saved_step}; {out / 'latest.pt'} saved, "
            f"continue with: vjepa-ros train --out {out} --resume\n")
        state = torch.load(out / "latest.pt", weights_only=True)
        assert state["step"] == saved_step and len(state["history"]["train"]) == saved_step


def test_resume_takes_moved_data_given_anew_and_refuses_a_real_change(
        data, tmp_path, monkeypatch, capsys):  # noqa: F811
    """A run whose data moved resumes with ``--data NEW`` (a note); without it the line says so.

    Moved data was refused ("data.train: OLD does not exist", then "cannot change --data"), as
    was an older run's relative path from another directory; a real change is still refused.
    """
    first, second = tmp_path / "mv1", tmp_path / "mv2"
    shutil.copytree(data["episodes"], tmp_path / "eps")
    argv = _args({**data, "episodes": tmp_path / "eps"}, first)
    argv.remove(str(data["bag"]))
    assert main(argv) == 0
    first.rename(second)
    (tmp_path / "eps").rename(tmp_path / "eps_moved")
    monkeypatch.chdir(second)
    capsys.readouterr()
    assert main(["train", "--out", ".", "--resume", "--steps", "4"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vjepa-ros train: this run's --data was {tmp_path / 'eps'}, which does not exist: put "
        "it back, or give its new place with --data")
    assert main(["train", "--out", ".", "--resume", "--steps", "4", "--data",
                 "../eps_moved"]) == 0, capsys.readouterr().err
    assert (f"--data now {tmp_path / 'eps_moved'} (this run stored {tmp_path / 'eps'}, which "
            "is gone)") in capsys.readouterr().out
    state = torch.load(second / "latest.pt", weights_only=True)
    assert state["step"] == 4 and state["train_config"]["data"]["train"] == [
        str(tmp_path / "eps_moved")]
    # the stored data exists: another folder is a change of data, refused
    shutil.copytree(data["episodes"], tmp_path / "other")
    assert main(["train", "--out", ".", "--resume", "--steps", "5", "--data", "../other"]) == 1
    assert "cannot change --data (stored" in capsys.readouterr().err
    # an older run stored the path as given: from another directory it is gone, and taken anew
    state["train_config"]["data"]["train"] = ["eps_moved"]
    torch.save(state, second / "latest.pt")
    assert main(["train", "--out", ".", "--resume", "--steps", "5", "--data",
                 "../eps_moved"]) == 0, capsys.readouterr().err
    assert "(this run stored eps_moved, which is gone)" in capsys.readouterr().out
    # the new place may come from a --config file (nested keys) as well
    (tmp_path / "eps_moved").rename(tmp_path / "eps_again")
    (tmp_path / "moved.yaml").write_text(yaml.safe_dump(
        {"data": {"train": [str(tmp_path / "eps_again")]}}))
    assert main(["train", "--out", ".", "--resume", "--steps", "6", "--config",
                 str(tmp_path / "moved.yaml"), "--quiet"]) == 0, capsys.readouterr().err


def test_resume_takes_moved_val_data_given_anew_and_refuses_a_real_change(data, tmp_path,  # noqa: F811
                                                                         capsys):
    """``--val`` data moved since takes its new place on resume (``--val NEW``, with a note).

    The same code path as moved ``--data`` (``resume_paths``), untested for ``--val`` so far.
    """
    out, val = tmp_path / "run", tmp_path / "val"
    write_blob_episodes(val, 1, frames=8, seed=30)
    argv = _args(data, out, "--val", str(val))
    argv.remove(str(data["bag"]))
    assert main(argv) == 0
    val.rename(tmp_path / "val_moved")
    capsys.readouterr()
    resume = ["train", "--out", str(out), "--resume", "--steps", "4", "--quiet"]
    assert main(resume) == 1
    assert capsys.readouterr().err == (
        f"vjepa-ros train: this run's --val was {val}, which does not exist: put it back, or "
        "give its new place with --val\n")
    assert main([*resume, "--val", str(tmp_path / "val_moved")]) == 0, capsys.readouterr().err
    assert (f"note        --val now {tmp_path / 'val_moved'} (this run stored {val}, which is "
            "gone)") in capsys.readouterr().out.splitlines()
    state = torch.load(out / "latest.pt", weights_only=True)
    assert state["step"] == 4 and state["train_config"]["data"]["val"] == [
        str(tmp_path / "val_moved")]
    assert state["history"]["val"][-1]["step"] == 4  # validated on the moved data
    # the stored validation data exists: another folder is a change of data, refused
    write_blob_episodes(tmp_path / "other", 1, frames=8, seed=40)
    assert main([*resume, "--steps", "5", "--val", str(tmp_path / "other")]) == 1
    assert "cannot change --val (stored" in capsys.readouterr().err


def test_resume_repeating_a_gone_encoder_gives_no_note(data, tmp_path, capsys):  # noqa: F811
    out, encoder = tmp_path / "run", tmp_path / "encoder.pt"
    shutil.copy(data["encoder"], encoder)
    argv = _args({**data, "encoder": encoder}, out)
    assert main(argv) == 0
    encoder.unlink()
    capsys.readouterr()
    assert main([*argv, "--resume", "--steps", "4"]) == 0, capsys.readouterr().err
    assert "note        --encoder now" not in capsys.readouterr().out
