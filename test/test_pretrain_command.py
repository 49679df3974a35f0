"""``vjepa-ros pretrain``'s output file: never overwritten, never a directory's name."""

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from vjepa_ros.cli import main

ROOT = Path(__file__).parent.parent


@pytest.fixture
def data(tmp_path):
    """Return a --data folder (the output is checked before it is read)."""
    folder = tmp_path / "episodes"
    folder.mkdir()
    return folder


def test_an_existing_out_is_refused_and_left_as_it_was(tmp_path, data, capsys):
    """``pretrain --out ow.pt --steps 0`` replaced an existing encoder without a word."""
    out = tmp_path / "ow.pt"
    out.write_bytes(b"an encoder trained for hours")
    assert main(["pretrain", "--data", str(data), "--out", str(out), "--steps", "0"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros pretrain: --out {out}: 1 file it would write "
                                       f"exists already ({out}); choose another --out or remove "
                                       "it\n")
    assert out.read_bytes() == b"an encoder trained for hours"


@pytest.mark.parametrize("earlier", [["ow.step300.pt"], ["ow.json", "ow.png"],
                                     ["ow.step7.pt", "ow.step7.json", "ow.step7.png"]])
def test_an_earlier_runs_other_files_are_refused_and_left_as_they_were(tmp_path, data, capsys,
                                                                     earlier):
    """A rerun to a free ``--out`` silently replaced the earlier run's curves, plot, step files.

    (Or a user's own ow.json beside ``--out ow.pt``.) ``ow.step3x.pt``: another run's name.
    """
    for name in [*earlier, "ow.step3x.pt", "owl.step1.pt"]:
        (tmp_path / name).write_text("kept")
    out = tmp_path / "ow.pt"
    assert main(["pretrain", "--data", str(data), "--out", str(out), "--steps", "0"]) == 1
    shown = ", ".join(str(tmp_path / name) for name in sorted(earlier)[:2])
    count = (f"{len(earlier)} files it would write exist", "them") if len(earlier) > 1 else (
        "1 file it would write exists", "it")
    more = ", ..." if len(earlier) > 2 else ""
    assert capsys.readouterr().err == (f"vjepa-ros pretrain: --out {out}: {count[0]} already "
                                       f"({shown}{more}); choose another --out or remove "
                                       f"{count[1]}\n")
    assert all((tmp_path / name).read_text() == "kept" for name in earlier)


@pytest.mark.parametrize("make", [False, True])
def test_an_out_ending_in_a_slash_is_refused_as_a_directory(tmp_path, data, capsys, make):
    """``pretrain --out newdir/`` wrote the files newdir, newdir.png and newdir.json."""
    folder = tmp_path / "newdir"
    if make:
        folder.mkdir()
    assert main(["pretrain", "--data", str(data), "--out", f"{folder}/", "--steps", "0"]) == 1
    assert capsys.readouterr().err == (f"vjepa-ros pretrain: --out {folder}/: ends in '/', a "
                                       "directory; give a file name\n")
    assert folder.is_dir() is make and sorted(tmp_path.iterdir()) == sorted(
        [data] + ([folder] if make else []))
    if make:
        assert not any(folder.iterdir())


@pytest.mark.parametrize("every, monitor_every", [(7, None), (50, None), (3, 2)])
def test_a_save_every_that_is_no_multiple_of_monitor_every_is_refused(tmp_path, data, capsys,
                                                                      every, monitor_every):
    """``--save-every 7`` saved nothing, ``--save-every 50`` saved every 100 steps."""
    argv = ["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"), "--save-every",
            str(every)]
    where = ""
    if monitor_every:
        settings = tmp_path / "mon.yaml"
        settings.write_text(yaml.safe_dump({"monitor_every": monitor_every}))
        argv += ["--config", str(settings)]
        where = f" (of {settings})"
    assert main(argv) == 2  # an option that does not go with the settings: a usage error
    assert capsys.readouterr().err == (
        f"vjepa-ros pretrain: --save-every {every}: not a multiple of monitor_every "
        f"{monitor_every or 100}{where}, the steps it saves at; give a multiple of it\n")
    assert sorted(tmp_path.iterdir()) == [data, *([settings] if monitor_every else [])]


TINY = dict(patch_size=8, embed_dim=48, depth=1, num_heads=2, predictor_dim=24, predictor_depth=1,
            predictor_heads=2, batch_size=2, frames_per_clip=2, monitor_frames=4,
            mask_short={"num_blocks": 2, "spatial_scale": [0.15, 0.15]},
            mask_long={"num_blocks": 1, "spatial_scale": [0.5, 0.5]})


def tiny_episodes(folder, size: int):
    """Write two episodes of 6 grey frames of ``size`` x ``size`` px in ``folder``.

    Each frame 8 grey levels brighter than the one before (frames of one picture throughout
    are refused or noted since fix59b).
    """
    from vjepa_ros.recordings.episode import Episode

    for index in range(2):
        levels = 60 + 40 * index + 8 * np.arange(6, dtype=np.uint8)
        frames = np.broadcast_to(levels[:, None, None, None], (6, size, size, 3)).copy()
        states = np.zeros((6, 7))
        Episode.from_states(frames, states, np.arange(6) / 4.0).save(
            folder / f"episode_{index:06d}.npz")


@pytest.mark.parametrize("frame_size, noted", [(16, True), (32, False)])
def test_frames_smaller_than_the_encoder_input_get_the_upsampling_note(tmp_path, data, capsys,
                                                                      frame_size, noted):
    """64x64 frames for a 128 px encoder were upsampled without a word (eval notes it)."""
    tiny_episodes(data, frame_size)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "img_size": 32}))
    assert main(["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"), "--steps",
                 "0", "--threads", "1", "--config", str(settings)]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note")]
    expected = ["note: the frames are 16x16 px, smaller than the encoder's 32x32 input: they are "
                "upsampled, and it learns from frames blurred by the upsampling; collect them at "
                "32x32 or larger (collect --width/--height), or lower img_size in --config"]
    assert notes == (expected if noted else [])


def _pretrain_until(signal_number, tmp_path, data):
    """Run pretrain in its own process, send ``signal_number`` after step 3; return it done."""
    import os
    import subprocess
    import sys

    tiny_episodes(data, 32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "img_size": 32, "monitor_every": 1}))
    process = subprocess.Popen(
        [sys.executable, "-m", "vjepa_ros.cli", "pretrain", "--data", str(data), "--out",
         str(tmp_path / "enc.pt"), "--config", str(settings), "--steps", "100000",
         "--save-every", "2", "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})  # each step line as it is printed
    for line in process.stdout:
        if line.startswith("step     3/"):
            process.send_signal(signal_number)  # as Ctrl-C, or kill PID
            break
    process.stdout.read()
    process.wait(timeout=120)
    return process


@pytest.mark.parametrize("signal_name, word, status", [("SIGINT", "interrupted", 130),
                                                       ("SIGTERM", "terminated", 143)])
def test_a_stopped_run_saves_the_encoder_of_its_steps_and_says_where(tmp_path, data, signal_name,
                                                                     word, status):
    """Ctrl-C (or SIGTERM) after 30 s of a run printed ``interrupted`` and threw it all away."""
    import json
    import re
    import signal

    import torch

    from vjepa_ros.models import load_world_model

    process = _pretrain_until(getattr(signal, signal_name), tmp_path, data)
    err = process.stderr.read()
    assert process.returncode == status and err.count("\n") == 1, err
    match = re.fullmatch(rf"vjepa-ros pretrain: {word} at step (\d+) of 100000; the encoder as "
                         r"trained so far saved to (\S+) \(curves (\S+), plot (\S+)\); (.*); "
                         r"pretrain has no --resume: a rerun starts at step 0 \(use a new "
                         r"--out\)\n", err)
    assert match, err
    step = int(match.group(1))  # the step under way ends first
    path = tmp_path / f"enc.step{step}.pt"
    assert step >= 3 and match.group(2) == str(path)
    assert (match.group(3), match.group(4)) == (f"enc.step{step}.json", f"enc.step{step}.png")
    # --save-every 2: the files of steps 2, 4, ...; that of the stop step, if any, is replaced
    # (it was named as the step before's file)
    last_periodic = tmp_path / f"enc.step{step - step % 2}.pt"
    assert match.group(5) == (f"{path.name} is also the last --save-every file"
                              if last_periodic == path
                              else f"last --save-every file {last_periodic}")
    assert last_periodic.is_file()
    assert not (tmp_path / "enc.pt").exists()  # --out stays free for a full run
    stored = torch.load(path, weights_only=True)
    assert stored["pretrain"]["trained_steps"] == step and len(stored["pretrain_loss"]) == step
    assert len(json.loads(path.with_suffix(".json").read_text())["losses"]) == step
    assert path.with_suffix(".png").stat().st_size > 0
    assert load_world_model(path, device="cpu").tokens_per_frame == 16


@pytest.mark.parametrize("stop", [KeyboardInterrupt, "Terminated"])
def test_a_run_stopped_before_its_first_step_says_nothing_was_written(tmp_path, data, capsys,
                                                                       monkeypatch, stop):
    from vjepa_ros.terminate import Terminated
    from vjepa_ros.train import pretrain_data

    stop = Terminated if stop == "Terminated" else stop

    def stopped(*args, **kwargs):
        raise stop

    monkeypatch.setattr(pretrain_data, "load_clip_segments", stopped)
    out = tmp_path / "enc.pt"
    status = main(["pretrain", "--data", str(data), "--out", str(out)])
    word = "terminated" if stop is Terminated else "interrupted"
    assert (status, capsys.readouterr().err) == (
        143 if stop is Terminated else 130,
        f"vjepa-ros pretrain: {word} before the first step; nothing written\n")
    assert sorted(tmp_path.iterdir()) == [data]


@pytest.mark.parametrize("stop_step, periodic, said", [
    (16, [15, 16], "; ps.step16.pt is also the last --save-every file"),
    (17, [15, 16], "; last --save-every file {tmp}/ps.step16.pt"),
    (5, [], "")])
def test_the_stop_line_names_the_last_save_every_file_and_says_there_is_no_resume(
        tmp_path, capsys, monkeypatch, stop_step, periodic, said):
    """``--save-every 1`` stopped at step 16 named step 15 as the last periodic file.

    Nor did the line say that a rerun starts at step 0 (pretrain has no --resume).
    """
    from types import SimpleNamespace

    import torch

    from vjepa_ros.train import pretrain, pretrain_command
    from vjepa_ros.train.pretrain_config import PretrainConfig

    monkeypatch.setattr(pretrain, "save_pretrained", lambda path, *args: Path(path))
    monkeypatch.setattr(pretrain_command, "write_curves",
                        lambda result, floors, curves, plot: plot)
    out = tmp_path / "ps.pt"
    result = SimpleNamespace(losses=[0.5] * stop_step, encoder=torch.nn.Linear(2, 2))
    stopped = SimpleNamespace(signal=KeyboardInterrupt(), result=result)
    files = [pretrain_command.step_file(out, step) for step in periodic]
    status = pretrain_command.save_stopped(stopped, out, PretrainConfig(steps=200), 64, files)
    assert (status, capsys.readouterr().err) == (130, (
        f"vjepa-ros pretrain: interrupted at step {stop_step} of 200; the encoder as trained so "
        f"far saved to {tmp_path}/ps.step{stop_step}.pt (curves ps.step{stop_step}.json, plot "
        f"ps.step{stop_step}.png){said.format(tmp=tmp_path)}; pretrain has no --resume: a rerun "
        "starts at step 0 (use a new --out)\n"))


@pytest.mark.parametrize("suffix", ["", ".pt"])
def test_a_stopped_run_names_its_curves_after_its_step_file_also_without_an_extension(
        tmp_path, capsys, monkeypatch, suffix):
    """``--out enc`` stopped at step 3 wrote ``enc.step3`` with ``enc.json``/``enc.png``.

    Those are the full run's names (``enc`` with ``enc.json``/``enc.png``); ``--out enc.pt``
    gave ``enc.step3.json``/``.png``. Now both give the step file's own names.
    """
    from types import SimpleNamespace

    import torch

    from vjepa_ros.train import pretrain, pretrain_command
    from vjepa_ros.train.pretrain_config import PretrainConfig

    monkeypatch.setattr(pretrain, "save_pretrained",
                        lambda path, *args: Path(path).write_bytes(b"encoder") and Path(path))
    config = PretrainConfig(steps=200)
    monitors = [{"step": step, **{name: 1.0 for name in config.floors}} for step in (0, 3)]
    result = SimpleNamespace(losses=[0.5] * 3, monitors=monitors, warnings=[], seconds=1.0,
                             step_seconds=0.5,
                             encoder=torch.nn.Linear(2, 2))  # finite weights: saved
    out = tmp_path / f"enc{suffix}"
    stopped = SimpleNamespace(signal=KeyboardInterrupt(), result=result)
    assert pretrain_command.save_stopped(stopped, out, config, 64, []) == 130
    written = [f"enc.step3{suffix}", "enc.step3.json", "enc.step3.png"]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(written)
    assert f"saved to {tmp_path / written[0]} (curves enc.step3.json, plot enc.step3.png)" in \
        capsys.readouterr().err
    assert pretrain_command.curve_files(out) == (tmp_path / "enc.json", tmp_path / "enc.png")
    assert sorted(pretrain_command.existing_outputs(out)) == sorted(tmp_path / name
                                                                    for name in written)


@pytest.mark.usefixtures("one_thread")
def test_a_second_ctrl_c_saves_only_the_steps_it_did_not_cut(tmp_path, data, capsys,
                                                             monkeypatch, two_ctrl_c):
    """A second Ctrl-C in the middle of a step saved its half-updated encoder as the step before.

    In the EMA update of step 3 it overwrote the --save-every file of step 2 with it. Now that
    file, or nothing at all in step 1, stays as it was and the line says so; a second Ctrl-C
    during the monitors (between steps) still saves the steps done.
    """
    from vjepa_ros.train import pretrain

    tiny_episodes(data, 32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "img_size": 32, "monitor_every": 1}))
    ema_update, collapse_monitors = pretrain.ema_update, pretrain.collapse_monitors

    def run(name: str, where: str, call: int) -> int:
        calls, kept = [], {}

        def interrupted(real, *args):
            done = real(*args)  # the EMA update of step `call`; the monitors of step `call` - 1
            calls.append(1)
            if len(calls) == call:
                kept.update({path.name: path.read_bytes() for path in tmp_path.glob("*.pt")})
                two_ctrl_c()
            return done

        target = {"ema_update": ema_update, "collapse_monitors": collapse_monitors}[where]
        monkeypatch.setattr(pretrain, where, lambda *args: interrupted(target, *args))
        status = main(["pretrain", "--data", str(data), "--out", str(tmp_path / f"{name}.pt"),
                       "--config", str(settings), "--steps", "10", "--save-every", "2"])
        monkeypatch.undo()
        assert {path.name: path.read_bytes() for path in tmp_path.glob("*.pt")
                if path.name in kept} == kept  # nothing saved before was written again
        return status

    ended = "pretrain has no --resume: a rerun starts at step 0"
    assert run("first", "ema_update", 1) == 130
    assert capsys.readouterr().err == (
        "vjepa-ros pretrain: interrupted at once in the middle of step 1 of 10; its half-updated "
        f"encoder was not saved; nothing was saved for this run; {ended}\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["episodes", "tiny.yaml"]

    assert run("third", "ema_update", 3) == 130
    assert capsys.readouterr().err == (
        "vjepa-ros pretrain: interrupted at once in the middle of step 3 of 10; its half-updated "
        f"encoder was not saved; the last --save-every file {tmp_path / 'third.step2.pt'} stays "
        f"as it was; {ended} (use a new --out)\n")
    assert sorted(path.name for path in tmp_path.glob("third*")) == ["third.step2.pt"]

    assert run("monitors", "collapse_monitors", 4) == 130  # monitors of step 0, 1, 2, 3
    assert capsys.readouterr().err.startswith(
        "vjepa-ros pretrain: interrupted at step 3 of 10; the encoder as trained so far saved to "
        f"{tmp_path / 'monitors.step3.pt'} (curves monitors.step3.json, plot monitors.step3.png); "
        f"last --save-every file {tmp_path / 'monitors.step2.pt'}")


def test_a_batch_size_beyond_the_free_memory_is_refused_before_the_data_is_read(
        tmp_path, data, monkeypatch, capsys):
    # train's --batch-size 100000 ran 86 s, then died in the allocator's raw message
    from vjepa_ros.planning import memory

    monkeypatch.setattr(memory, "available_bytes", lambda device: 2**20)  # 1 MiB free
    out = tmp_path / "new" / "enc.pt"
    assert main(["pretrain", "--data", str(data), "--out", str(out), "--batch-size", "64"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("vjepa-ros pretrain: --batch-size 64: a step on 64 clips needs at "
                          "least "), err  # (the empty --data: never read)
    assert re.search(r"least [\d.]+ [KMG]iB \([\d.]+ [KMG]iB per clip: its pixels and the "
                     r"encoder's tokens\), more than the ", err), err
    assert err.count("\n") == 1 and "give at most " in err and "--accumulate" not in err
    assert not (tmp_path / "new").exists()


def test_partial_files_of_a_killed_save_are_no_outputs(tmp_path):
    """``enc.step37.pt.PID.partial`` of a run killed mid-save counted as an existing output."""
    from vjepa_ros.train.pretrain_command import existing_outputs

    for name in ["enc.step37.pt.123.partial", "enc.pt.123.partial", "enc.json.9.partial"]:
        (tmp_path / name).write_text("half")
    assert existing_outputs(tmp_path / "enc.pt") == []
    (tmp_path / "enc.step37.pt").write_text("whole")
    assert existing_outputs(tmp_path / "enc.pt") == [tmp_path / "enc.step37.pt"]


def test_a_run_removes_its_outputs_partials_of_ended_processes_only(tmp_path, data, capsys):
    """Each ``kill -9`` while saving left one more partial file; a live run's is kept."""
    import os

    from test_atomic_files import dead_pid

    dead, live = dead_pid(), os.getppid()
    stale = [f"enc.pt.{dead}.partial", f"enc.step5.json.{dead}.partial"]
    kept = [f"enc.pt.{live}.partial", f"other.pt.{dead}.partial"]
    for name in stale + kept:
        (tmp_path / name).write_text("half")
    tiny_episodes(data, 32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "img_size": 32}))
    assert main(["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"), "--steps",
                 "0", "--threads", "1", "--config", str(settings)]) == 0
    assert f"note: removed 2 partial file(s) of stopped runs in {tmp_path} ({stale[0]}, " \
        f"{stale[1]})" in capsys.readouterr().out
    assert all((tmp_path / name).exists() for name in kept)
    assert not any((tmp_path / name).exists() for name in stale)


@pytest.mark.parametrize("quiet", [False, True])
def test_quiet_drops_the_step_and_monitor_lines_as_train_and_eval_drop_their_bars(
        tmp_path, data, capsys, quiet):
    """``pretrain --quiet`` was refused (train and eval have it: user30)."""
    tiny_episodes(data, 32)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**TINY, "img_size": 32}))
    assert main(["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"), "--steps",
                 "2", "--threads", "1", "--config", str(settings),
                 *(["--quiet"] if quiet else [])]) == 0
    lines = capsys.readouterr().out.splitlines()
    progress = [line for line in lines if line.startswith(("step ", "monitor step "))]
    assert bool(progress) != quiet, lines
    assert lines[0].startswith("pretraining on ") and lines[-1].startswith("saved "), lines
