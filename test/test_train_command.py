"""``vjepa-ros train`` end to end on npz episodes and a bag; bad settings exit 1 with a line.

Stopping and resuming a run: ``test_train_command_resume.py``.
"""

import re
import shutil
from pathlib import Path

import pytest
import torch
import yaml

from vjepa_ros.cli import main
from vjepa_ros.config import flatten
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.train import TrainConfig, make_config
from vjepa_ros.train.synthetic import (
    blob_episode,
    write_blob_episodes,
    write_tiny_encoder,
)

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


REPO = Path(__file__).resolve().parent.parent
DEMO_MODEL = REPO / "vjepa_ros" / "data" / "demo_world_model.pt"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    episodes = root / "episodes"
    write_blob_episodes(episodes, 3, frames=8, seed=10)
    bag_episode = blob_episode(frames=8, seed=20)
    write_bag(root / "bag", bag_episode.frames, bag_episode.states, bag_episode.timestamps,
              storage="sqlite3")
    return {"root": root, "episodes": episodes, "bag": root / "bag",
            "encoder": write_tiny_encoder(root / "encoder.pt")}


def _args(data, out, *more):
    return ["train", "--data", str(data["episodes"]), str(data["bag"]), "--out", str(out),
            "--encoder", str(data["encoder"]), "--steps", "3", "--batch-size", "4",
            "--frames-per-clip", "4", "--predictor-dim", "32", "--depth", "1", "--heads", "2",
            "--val-fraction", "0.25", "--quiet", "--half", "--set", "save_every=2", *more]


def test_train_command_runs_and_resumes(data, tmp_path, capsys):
    out = tmp_path / "run"
    encoder = tmp_path / "encoder.pt"
    shutil.copy(data["encoder"], encoder)
    assert main(_args({**data, "encoder": encoder}, out)) == 0
    printed = capsys.readouterr().out
    assert "data train  3 episodes" in printed and "data val    1 episode (" in printed
    assert "done        step 3/3" in printed and "val " in printed
    assert "world_model.pt" in printed and "float16" in printed
    state = torch.load(out / "latest.pt", weights_only=True)
    assert state["step"] == 3 and state["train_config"]["export_dtype"] == "float16"
    assert all(key.startswith("module.") for key in state["predictor"])
    assert {"encoder", "predictor", "config", "opt", "rng", "history"} <= set(state)

    # --resume continues with more steps from latest.pt alone (its encoder inside) ...
    encoder.unlink()
    assert main(["train", "--out", str(out), "--resume", "--steps", "5", "--quiet"]) == 0
    assert "done        step 5/5" in capsys.readouterr().out
    # ... the same command line may repeat the stored settings; other changes are refused.
    same = {**data, "encoder": encoder}
    assert main(_args(same, out, "--resume", "--steps", "6")) == 0
    assert main(_args(same, out, "--resume", "--steps", "6", "--lr", "0.01")) == 1
    assert "cannot change --lr (stored" in capsys.readouterr().err
    assert main(_args(same, out, "--resume", "--steps", "4")) == 1
    assert "steps 4 is below the step 6 this run reached" in capsys.readouterr().err
    assert main(_args(data, out)) == 1
    assert "holds a training run (latest.pt): pass --resume" in capsys.readouterr().err


@pytest.mark.parametrize("extra, message, status", [  # 2: the options typed, 1: the files
    (["--steps", "0"], "steps must be >= 1", 2),
    (["--set", "optim.warmup=3", "--set", "optim.decay=1"], "exceed steps", 2),
    # both options named, and fixes that are accepted (was: "needs frames_per_clip >= 5")
    (["--auto-steps", "4"], "--auto-steps 4 needs --frames-per-clip >= 5 (got 4): give "
     "--frames-per-clip 5 or more, or --auto-steps 3", 2),
    (["--heads", "3"], "is not divisible by --heads 3", 2),
    (["--init", "ENCODER"], "--depth, --heads: the predictor's size comes", 2),
    # 'demo' is the packaged model, as launch and camera-check take it (was: does not exist)
    (["--init", "demo"], "the predictor's size comes from --init DEMO; ", 2),
    (["--encoder", "RUN"], "--encoder RUN is a directory without config.json (not an HF "
     "snapshot); give RUN/world_model.pt (the world model of the vjepa-ros train run there)", 1),
    (["--encoder", "missing.pt"], "--encoder: missing.pt does not exist", 1),
    (["--data", "nowhere"], "--data: nowhere does not exist", 1),
    (["--device", "gpu7"], "device:", 2),
    (["--threads", "-1"], "--threads -1: must lie in [0, 1024]", 2),
    (["--image-topic", "/wrist"], "/wrist is not in the bag", 1),
    (["--set", "data.topics.state_source=none"], "state_source none (the camera alone) is for "
     "pretraining", 2),
    (["--feature-cache", "ENCODER"], "--feature-cache: ENCODER is a file, not a directory", 1),
    # official hyper-parameters reach the encoder loader: a value the model cannot compute is
    # refused by name (a malformed item: test_a_malformed_item_is_a_usage_error)
    (["--encoder-arg", "use_rope=false"], "use_rope=False", 1),
    (["--set", "predictor_args=[1]"], "predictor_args: expected a mapping", 2),
])
def test_bad_settings_exit_with_one_line(data, tmp_path, capsys, extra, message, status):
    run = tmp_path / "run"
    if "RUN" in extra:
        run.mkdir()
        (run / "world_model.pt").write_bytes(b"x")
    extra = [str(data["encoder"]) if item == "ENCODER" else str(run) if item == "RUN" else item
             for item in extra]
    message = message.replace("ENCODER", str(data["encoder"])).replace("DEMO", str(DEMO_MODEL))
    message = message.replace("RUN", str(run))
    assert main(_args(data, tmp_path / "out", *extra)) == status
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros train: ") and message in err and "\n" not in err
    assert not (tmp_path / "out").exists(), "a refused run left its --out folder behind"


def test_train_says_how_many_of_its_episodes_are_failed_tasks(data, tmp_path, capsys):
    """A collected FAILURE episode (metadata success false) was trained on without a word."""
    import dataclasses

    from vjepa_ros.recordings.episode import Episode, recorded_success

    episodes = tmp_path / "episodes"
    paths = write_blob_episodes(episodes, 3, frames=8, seed=30)
    for path, success in zip(paths, (True, False, None), strict=True):  # None: no outcome
        episode = Episode.load(path)
        metadata = {} if success is None else {"task": "grasp", "success": success}
        dataclasses.replace(episode, metadata=metadata).save(path)
    assert [recorded_success(p) for p in paths] == [True, False, None]
    argv = _args({**data, "episodes": episodes}, tmp_path / "run")
    argv.remove(str(data["bag"]))
    assert main([*argv, "--val-fraction", "0"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("data train"))
    assert line.startswith("data train  3 episodes (") and line.endswith(
        "; 1 of them a failed task (blob_0031.npz: the expert did not finish; used, as the paper "
        "trains on all its teleoperated data; remove the files to leave them out)"), line


def test_threads_option_sets_torch_threads_for_the_run(data, tmp_path, monkeypatch):
    """``--threads N``: N torch threads; 0 or left out: threads' one default, not torch's own.

    The default (``threads.cpu_threads``): OMP_NUM_THREADS when set, else all cores but one;
    ``--threads 0`` was torch's one per core, the planner's 0 all cores but one.
    """
    from vjepa_ros.threads import cpu_threads
    from vjepa_ros.train.synthetic import single_thread

    one_step = ("--steps", "1")  # the thread count is set before the first step
    with single_thread():  # restores the thread count afterwards
        assert main(_args(data, tmp_path / "two", "--threads", "2", *one_step)) == 0
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("OMP_NUM_THREADS", "3")
        assert main(_args(data, tmp_path / "default", *one_step)) == 0
        assert torch.get_num_threads() == 3, "left out: OMP_NUM_THREADS"
        monkeypatch.delenv("OMP_NUM_THREADS")
        torch.set_num_threads(cpu_threads(0) + 1)  # torch's own one per core: not kept
        assert main(_args(data, tmp_path / "zero", "--threads", "0", *one_step)) == 0
        assert torch.get_num_threads() == cpu_threads(0), "0: all cores but one"


@pytest.mark.parametrize("extra, message", [
    (["--set", "steps"], "--set wants KEY=VALUE"),
    (["--encoder-arg", "num_heads"], "--encoder-arg: expected KEY=VALUE"),  # names the option
    # an unknown setting, as an unknown option: its key path, never the class (was: status 1,
    # "unknown OptimConfig setting(s)")
    (["--set", "optim.momentum=1"], "optim.momentum: unknown setting (known: betas, "),
    (["--set", "optim.lrr=1"], "optim.lrr: unknown setting (closest: lr)"),
])
def test_a_malformed_item_is_a_usage_error(data, tmp_path, capsys, extra, message):
    """Exit status 2, as argparse's usage errors and launch's -p items (it was 1)."""
    assert main(_args(data, tmp_path / "out", *extra)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros train: ") and message in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_config_file_and_package_defaults(data, tmp_path, capsys):
    shipped = yaml.safe_load((REPO / "config" / "train.yaml").read_text())
    assert flatten(make_config(shipped)) == flatten(TrainConfig())  # the file = the defaults
    assert all(description for _, _, description in flatten(TrainConfig()))
    settings = tmp_path / "settings.yaml"
    settings.write_text("data:\n  val_clips: 0\nsteps: -2\n")
    assert main(_args(data, tmp_path / "out", "--config", str(settings))) == 1
    err = capsys.readouterr().err
    # from the file, named (was: the setting alone); its steps: the option wins
    assert f"vjepa-ros train: {settings}: data.val_clips must be >= 1" in err
    settings.write_text("optim:\n  lr: fast\n")
    assert main(_args(data, tmp_path / "out", "--config", str(settings))) == 1
    assert capsys.readouterr().err == (f"vjepa-ros train: {settings}: optim.lr: expected a "
                                       "number, got 'fast'\n")
    settings.write_text("optim:\n  lrr: 0.1\n")  # an unknown key: a usage error
    assert main(_args(data, tmp_path / "out", "--config", str(settings))) == 2
    assert capsys.readouterr().err == (f"vjepa-ros train: {settings}: optim.lrr: unknown "
                                       "setting (closest: lr)\n")
    settings.write_text("steps: [1\n")  # a file that is no settings file: a usage error
    assert main(_args(data, tmp_path / "out2", "--config", str(settings))) == 2
    assert capsys.readouterr().err == (
        f"vjepa-ros train: train settings file {settings} is not valid YAML (line 2, column 1: "
        "expected ',' or ']', but got '<stream end>'): fix that line; give a YAML mapping of "
        "train settings (name: value)\n")


def test_official_hyper_parameters_reach_the_settings():
    import argparse

    from vjepa_ros.train.command import add_commands
    from vjepa_ros.train.command_options import overrides_from_args

    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    args = parser.parse_args(["train", "--encoder-arg", "num_frames=64", "--predictor-arg",
                              "num_heads=16", "--predictor-arg", "use_sdpa=true"])
    given = overrides_from_args(args)
    assert given["encoder_args"] == {"num_frames": 64}
    assert given["predictor_args"] == {"num_heads": 16, "use_sdpa": True}
    assert make_config(given).predictor_args == {"num_heads": 16, "use_sdpa": True}


def test_a_note_when_the_init_predictor_meets_another_encoder(data, tmp_path, capsys):
    """A predictor paired with other encoder weights is noted once; the same weights are not.

    ``--init run/world_model.pt --encoder other.pt`` (same shape, other weights) ran silently and
    its validation loss jumped; the same encoder (here from a --half file) gets no note.
    """
    first = tmp_path / "first"
    assert main(_args(data, first, "--steps", "1")) == 0
    other = write_tiny_encoder(tmp_path / "other.pt", seed=7)
    capsys.readouterr()
    for encoder, noted in ((data["encoder"], False), (other, True)):
        argv = ["train", "--data", str(data["episodes"]), "--out", str(tmp_path / encoder.stem),
                "--init", str(first / "world_model.pt"), "--encoder", str(encoder), "--steps",
                "1", "--batch-size", "4", "--frames-per-clip", "4", "--val-fraction", "0",
                "--quiet"]
        assert main(argv) == 0
        notes = [line for line in capsys.readouterr().out.splitlines()
                 if line.startswith("note") and "retraining" in line]
        assert notes == ([f"note        the predictor of {first / 'world_model.pt'} was trained "
                          f"on the features of that file's own encoder, not of --encoder "
                          f"{encoder} (other weights): its predictions start off wrong and it "
                          "will need retraining to fit this encoder (expect a high first "
                          "validation loss)"] if noted else [])


def test_a_note_when_the_init_model_records_another_crop(data, tmp_path, capsys):
    """``--init MODEL`` trained on other crops than this run's: said once, the run goes on.

    The predictor learned on MODEL's crop (``config.data.aspect_ratio_range``); this run feeds
    it ``data.aspect_ratio_*`` crops, silently. Its own file records the crop it used.
    """
    from vjepa_ros.models import load_world_model

    first = tmp_path / "first"
    assert main(_args(data, first, "--steps", "1", "--set", "data.aspect_ratio_min=1.0",
                      "--set", "data.aspect_ratio_max=1.0")) == 0
    init = first / "world_model.pt"
    capsys.readouterr()
    for crop, noted in (((1.0, 1.0), False), ((0.75, 1.35), True)):
        out = tmp_path / f"crop{crop[0]}"
        argv = ["train", "--data", str(data["episodes"]), "--out", str(out), "--init", str(init),
                "--steps", "1", "--batch-size", "4", "--frames-per-clip", "4",
                "--val-fraction", "0", "--quiet", "--set", f"data.aspect_ratio_min={crop[0]}",
                "--set", f"data.aspect_ratio_max={crop[1]}"]
        assert main(argv) == 0
        notes = [line for line in capsys.readouterr().out.splitlines()
                 if line.startswith("note") and "crop" in line]
        assert notes == ([f"note        {init} records the crop it was trained with, "
                          "config.data.aspect_ratio_range 1..1; this run trains its predictor "
                          "on data.aspect_ratio_min/max 0.75..1.35 crops (its world_model.pt "
                          "records those)"] if noted else [])
        model = load_world_model(out / "world_model.pt", device="cpu")
        assert model.trained_aspect_ratio_range == crop


def test_messages_name_the_options_and_commands_to_give(data, tmp_path, monkeypatch, capsys):
    """The messages name train's own options and the full command to run.

    One source without --val named data.val_fraction (the option is --val-fraction); the stop
    message ended "continue with --resume"; train --help sent --encoder-arg/--predictor-arg to
    a --checkpoint train does not have.
    """
    from vjepa_ros.train.trainer import Trainer

    one = ["train", "--data", str(next(data["episodes"].glob("*.npz"))), "--out",
           str(tmp_path / "one"), "--encoder", str(data["encoder"]), "--frames-per-clip", "4",
           "--quiet"]
    assert main(one) == 1
    assert capsys.readouterr().err == (
        "vjepa-ros train: 1 episode source(s): cannot hold one out for validation; add "
        "episodes, give --val DIR, or --val-fraction 0 (no validation)\n")
    assert main([*one, "--val-fraction", "0", "--steps", "1"]) == 0
    assert "data val    none (--val-fraction 0): no validation loss" in capsys.readouterr().out

    def stopped(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(Trainer, "train_step", stopped)
    out = tmp_path / "stopped run"
    line = (f"vjepa-ros train: interrupted at step 0; {out / 'latest.pt'} saved, continue with: "
            f"vjepa-ros train --out '{out}' --resume\n")
    assert main(_args(data, out)) == 130
    assert capsys.readouterr().err == line  # --quiet: no empty line before it (there was)
    shutil.rmtree(out)
    assert main([arg for arg in _args(data, out) if arg != "--quiet"]) == 130
    assert capsys.readouterr().err.endswith("\n\n" + line)  # the progress bar's line ended

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--checkpoint" not in shown
    assert "official encoder hyper-parameter for --encoder (or --init's encoder)" in shown
    assert "official predictor hyper-parameter for --init" in shown


def test_encoder_demo_is_the_packaged_model_as_init_demo(data, tmp_path):
    """``train --encoder demo`` said "--encoder: demo does not exist"."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.train.command import config_from_args

    args = build_parser().parse_args(_args(data, tmp_path / "out", "--encoder", "demo"))
    assert config_from_args(args).encoder == str(DEMO_MODEL)


@pytest.mark.parametrize("text", ["encoder: demo\npredictor:\n  init: demo\n",
                                  "encoder: demo\npredictor.init: demo\n"])
def test_demo_in_a_config_file_is_the_packaged_model_as_the_options(data, tmp_path, text):
    """``encoder: demo`` in a ``--config`` file said "encoder: demo does not exist"."""
    from vjepa_ros.cli import build_parser
    from vjepa_ros.train.command import config_from_args

    settings = tmp_path / "train.yaml"
    settings.write_text(text)
    args = build_parser().parse_args(["train", "--data", str(data["episodes"]), "--out",
                                      str(tmp_path / "out"), "--config", str(settings)])
    config = config_from_args(args)
    assert config.encoder == config.predictor.init == str(DEMO_MODEL)


def test_a_batch_size_beyond_the_free_memory_is_refused_before_the_data_is_read(
        data, tmp_path, monkeypatch, capsys):
    """``--batch-size 100000`` ran 86 s, then died in the allocator's raw message."""
    from vjepa_ros.planning import memory
    from vjepa_ros.train import prepare

    monkeypatch.setattr(memory, "available_bytes", lambda device: 2**20)  # 1 MiB free
    monkeypatch.setattr(prepare, "load_banks", None)  # the data is never read
    out = tmp_path / "out"
    assert main(_args(data, out, "--batch-size", "64")) == 1
    err = capsys.readouterr().err
    assert err.startswith("vjepa-ros train: --batch-size 64: a step on 64 clips needs at least "
                          ), err
    assert re.search(r"least [\d.]+ [KMG]iB \([\d.]+ [KMG]iB per clip: its features and the "
                     r"predictor blocks' inputs\), more than the 1 MiB free on cpu; give at most ",
                     err), err
    assert ", and --accumulate N to step on N times as many clips\n" in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_a_failed_allocation_names_the_batch_size_and_leaves_no_empty_out(
        data, tmp_path, monkeypatch, capsys):
    from vjepa_ros.train.trainer import Trainer

    def no_memory(self):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] data. DefaultCPUAllocator: not "
                           "enough memory: you tried to allocate 29491200000 bytes.")

    monkeypatch.setattr(Trainer, "train_step", no_memory)
    out = tmp_path / "out"
    assert main(_args(data, out)) == 1
    assert capsys.readouterr().err == (
        "vjepa-ros train: out of memory at step 1 with --batch-size 4: give a smaller "
        "--batch-size (--accumulate N keeps the clips per step), --activation-checkpointing, "
        "or free memory\n")
    assert not out.exists(), "the failed run left the --out folder it made behind"


def test_reading_notes_are_printed_as_the_data_is_read_each_naming_its_source(
        data, tmp_path, monkeypatch, capsys):
    """Notes on reading come before training, each naming its bag, each once.

    A bag reader's notes came after training in a log and named no bag (two bags: the same line
    twice); frames smaller than the encoder's input got no note (eval gives one).
    """
    import vjepa_ros.train.feature_cache as fc

    real = fc.load_segments

    def with_a_note(source, settings):
        segments, notes = real(source, settings)
        extra = ["gripper from /franka_gripper/joint_states"] if source.kind == "bag" else []
        return segments, notes + extra

    monkeypatch.setattr(fc, "load_segments", with_a_note)
    second = tmp_path / "bag2"  # another recording (a copy of one is read once: same_content)
    other = blob_episode(frames=8, seed=21)
    write_bag(second, other.frames, other.states, other.timestamps, storage="sqlite3")
    big = write_tiny_encoder(tmp_path / "encoder64.pt", img_size=64)  # the frames: 32x32 px
    argv = _args({**data, "encoder": big}, tmp_path / "run")
    argv.insert(argv.index(str(data["bag"])) + 1, str(second))
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    notes = [line for line in lines if line.startswith("note")]
    assert notes == [
        f"note        {data['bag']}: gripper from /franka_gripper/joint_states",
        f"note        {second}: gripper from /franka_gripper/joint_states",
        "note        the frames of all 5 sources are 32x32 px, "
        "smaller than the encoder's 64x64 input: they are upsampled, and a model trained "
        "on sharper frames may infer wrong motions; record at 64x64 or larger, or use an "
        "encoder made for 32x32 frames"]
    assert lines.index(notes[-1]) < next(i for i, x in enumerate(lines) if x.startswith("data"))


def test_log_json_summary_lists_the_files_and_the_printed_seconds(data, tmp_path, capsys):
    """log.json's summary says what was written and the time that was printed.

    Its files were {} though four files were written, and its seconds (18.7) were not the
    printed ones (23.0).
    """
    import json
    import re

    out = tmp_path / "run"
    assert main(_args(data, out)) == 0
    printed = capsys.readouterr().out
    log = json.loads((out / "log.json").read_text())
    assert list(log) == ["config", "info", "summary", "history"]  # as the README says
    assert log["summary"]["files"] == {name: str(out / file) for name, file in (
        ("latest", "latest.pt"), ("world_model", "world_model.pt"), ("log", "log.json"),
        ("plot", "loss.png"))}
    shown = re.search(r"done        step 3/3 in ([0-9.]+) s", printed)[1]
    assert f"{log['summary']['seconds']:.1f}" == shown


def test_a_directory_in_the_way_of_an_output_file_is_refused_before_training(data, tmp_path,
                                                                             capsys):
    """Only the final rename of ``world_model.pt`` failed, after the whole run."""
    out = tmp_path / "out"
    (out / "world_model.pt").mkdir(parents=True)
    assert main(_args(data, out)) == 1
    err = capsys.readouterr().err
    assert err == (f"vjepa-ros train: --out {out}: {out / 'world_model.pt'} is a directory: "
                   "remove or rename it\n")
    assert sorted(p.name for p in out.iterdir()) == ["world_model.pt"]
