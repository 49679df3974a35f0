"""fix60b: the families of breaker60b's defects in ``vjepa-ros train`` and its checkpoints.

test_breaker60b.py keeps the four cases as found; here the kinds around them:

1. what a run takes of its ``--init`` file (``model_records.init_records``) is read once, when
   the run starts, and stored in latest.pt: an init replaced by another file since changes
   nothing; a latest.pt written before it was stored gives the sizes it records itself.
2. world_model.pt records the step it holds (``step``); ``--resume`` re-exports one of another
   step, refuses a complete run as before (an older world_model.pt without the record too);
   a SIGTERM during the final writes lets them end, then exits 143 saying the run is complete.
3. a latest.pt that does not read (empty, cut short, a flipped byte): ``--resume`` and a new run
   into its folder say it is damaged and what to do with the run, in one line.
4. ``mlp_ratio_problem``: the smallest ratio it names works for every width, and one below it
   is refused.

Tiny runs only (the tiny encoder and blob episodes of ``train.synthetic``, a few steps).
"""

from __future__ import annotations

import shutil
import signal
import struct

import pytest
import torch
from test_breaker60b import RUN, TINY, data  # noqa: F401 (its episodes and encoder)

from vjepa_ros.cli import main

pytestmark = pytest.mark.usefixtures("one_thread")


def _load(path):
    return torch.load(path, weights_only=True, map_location="cpu")


def _new_run(data, out, steps=2, eps="eps"):  # noqa: F811
    assert main(["train", "--data", str(data[eps]), "--encoder", str(data["encoder"]),
                 "--out", str(out), "--steps", str(steps), *TINY]) == 0


@pytest.fixture(scope="module")
def init_run(data, tmp_path_factory):  # noqa: F811
    """Return a folder of two new runs: first/ of 48x48 frames, other/ of 32x32 ones."""
    root = tmp_path_factory.mktemp("f60b_init")
    _new_run(data, root / "first", eps="eps48")
    _new_run(data, root / "other")  # a model of 32x32 frames only
    return root


def _init_then(init_run, tmp_path, data):  # noqa: F811
    """Copy the 48x48 model to tmp_path/init.pt and train 2 steps from it; return (init, run)."""
    init, run = tmp_path / "init.pt", tmp_path / "run"
    shutil.copy(init_run / "first" / "world_model.pt", init)
    assert main(["train", "--data", str(data["eps"]), "--init", str(init), "--out", str(run),
                 "--steps", "2", *RUN]) == 0
    assert _load(run / "world_model.pt")["config"]["data"]["frame_sizes"] == [[48, 48], [32, 32]]
    return init, run


# -- 1. the init's records: read once, stored in latest.pt


def test_an_init_replaced_by_another_file_changes_nothing_the_run_records(init_run, data,  # noqa: F811
                                                                          tmp_path):
    """The init's place now holds a model of 32x32 frames only: the resumed run keeps 48x48."""
    init, run = _init_then(init_run, tmp_path, data)
    assert _load(run / "latest.pt")["init_records"] == {"frame_sizes": [[48, 48]]}
    shutil.copy(init_run / "other" / "world_model.pt", init)  # another file in its place
    assert main(["train", "--out", str(run), "--resume", "--steps", "3", "--quiet"]) == 0
    for name in ("world_model.pt", "latest.pt"):
        assert _load(run / name)["config"]["data"]["frame_sizes"] == [[48, 48], [32, 32]], name


def test_a_latest_written_before_the_records_were_stored_keeps_its_own_sizes(init_run, data,  # noqa: F811
                                                                             tmp_path):
    """An older latest.pt (no ``init_records``), its init gone: the sizes it recorded stand."""
    init, run = _init_then(init_run, tmp_path, data)
    state = _load(run / "latest.pt")
    del state["init_records"]
    torch.save(state, run / "latest.pt")
    init.unlink()
    assert main(["train", "--out", str(run), "--resume", "--steps", "3", "--quiet"]) == 0
    assert _load(run / "world_model.pt")["config"]["data"]["frame_sizes"] == \
        [[48, 48], [32, 32]]


# -- 2. world_model.pt and the finished mark


def test_the_export_records_its_step_and_a_complete_run_is_still_refused(data, tmp_path, capsys):  # noqa: F811
    """world_model.pt's ``step`` is latest.pt's; ``--resume`` of the run says it is complete.

    A world_model.pt of an older vjepa-ros (no ``step``) beside a ``finished`` latest.pt of
    that version too is taken for this step's, as before; beside a latest.pt of this version
    (``export_step_recorded``) it is an export that did not happen: the resume exports.
    """
    run = tmp_path / "run"
    _new_run(data, run)
    model, latest = _load(run / "world_model.pt"), _load(run / "latest.pt")
    assert model["step"] == 2 == latest["step"] and latest["export_step_recorded"]
    for older in (False, True):
        if older:
            del model["step"], latest["export_step_recorded"]
            torch.save(model, run / "world_model.pt")
            torch.save(latest, run / "latest.pt")
        capsys.readouterr()
        assert main(["train", "--out", str(run), "--resume", "--quiet"]) == 1
        assert "already complete: 2 of 2 steps" in capsys.readouterr().err
    latest["export_step_recorded"] = True  # latest.pt of this version, world_model.pt older
    torch.save(latest, run / "latest.pt")
    assert main(["train", "--out", str(run), "--resume", "--quiet"]) == 0
    assert _load(run / "world_model.pt")["step"] == 2


def test_a_sigterm_during_the_export_ends_it_then_exits_143_saying_the_run_is_complete(
        data, tmp_path, monkeypatch, capsys):  # noqa: F811
    """SIGTERM while world_model.pt is written: it was swallowed (exit 0, no word).

    Now the export ends (it is what the deferred stop protects), then the run exits 143 with
    one line saying that it is complete and what was written; ``--resume`` then refuses it.
    """
    from vjepa_ros.train import trainer_files

    save = trainer_files.save_world_model

    def killed_while_exporting(path, *args, **kwargs):
        if path.name == "world_model.pt":
            signal.raise_signal(signal.SIGTERM)
        return save(path, *args, **kwargs)

    monkeypatch.setattr(trainer_files, "save_world_model", killed_while_exporting)
    run = tmp_path / "run"
    capsys.readouterr()
    assert main(["train", "--data", str(data["eps"]), "--encoder", str(data["encoder"]),
                 "--out", str(run), "--steps", "2", *TINY]) == 143
    assert capsys.readouterr().err == (
        f"vjepa-ros train: terminated during the final writes, which were completed: the run "
        f"is complete at step 2: {run / 'world_model.pt'} and {run / 'latest.pt'} written\n")
    assert _load(run / "world_model.pt")["step"] == 2
    monkeypatch.undo()
    assert main(["train", "--out", str(run), "--resume", "--quiet"]) == 1
    assert "already complete" in capsys.readouterr().err


# -- 3. a latest.pt that does not read


def _flip_a_tensor_byte(path):
    """Flip one byte of a tensor's data in the zip (its CRC-32 then fails), not its records."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        info = max(archive.infolist(), key=lambda entry: entry.file_size)  # a tensor's bytes
    with path.open("r+b") as file:
        file.seek(info.header_offset + 26)  # the local header's name and extra lengths
        name, extra = struct.unpack("<HH", file.read(4))
        offset = info.header_offset + 30 + name + extra + 8
        file.seek(offset)
        byte = file.read(1)
        file.seek(offset)
        file.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.parametrize("damage", ["empty", "cut", "flipped"])
def test_resume_of_a_damaged_latest_says_what_to_do_with_the_run(data, tmp_path, capsys, damage):  # noqa: F811
    """Empty, cut short, or a byte flipped (its checksum fails): one line, the run's advice.

    It names the file, says it is damaged and that --resume continues only from it, and
    points at a new run from the run's world_model.pt; no download, no Meta's checkpoint.
    """
    run = tmp_path / "run"
    _new_run(data, run)
    latest = run / "latest.pt"
    if damage == "flipped":
        _flip_a_tensor_byte(latest)
    else:
        with latest.open("r+b") as file:
            file.truncate(0 if damage == "empty" else latest.stat().st_size // 2)
    capsys.readouterr()
    assert main(["train", "--out", str(run), "--resume", "--steps", "3", "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith(f"vjepa-ros train: {latest} is damaged")
    assert "--resume continues a run only from its latest.pt" in err, err
    assert f"--init {run / 'world_model.pt'} --out NEW_DIR" in err, err
    assert "Meta's" not in err and "https://" not in err, err


def test_a_new_run_into_a_folder_of_an_empty_latest_says_it_is_damaged(data, tmp_path, capsys):  # noqa: F811
    """A new run into an --out holding an empty latest.pt: not "pass --resume" (it fails too)."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "latest.pt").touch()
    capsys.readouterr()
    assert main(["train", "--data", str(data["eps"]), "--encoder", str(data["encoder"]),
                 "--out", str(run), "--steps", "2", *TINY]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"vjepa-ros train: {run / 'latest.pt'} is damaged (an empty file) and "
                   "--resume continues a run only from its latest.pt: copy it again if it was "
                   "copied, else this run cannot be continued: start a new run with --out "
                   "NEW_DIR"), err
    assert (run / "latest.pt").stat().st_size == 0  # left as it was


# -- 4. MLP ratios that leave no hidden unit


def test_the_smallest_mlp_ratio_named_works_for_every_width():
    """For widths 1..3000 the ratio named gives 1 hidden unit and lies within 1 % of 1/width."""
    from vjepa_ros.models.head_width import mlp_hidden_dim, mlp_ratio_problem

    for width in range(1, 3001):
        problem = mlp_ratio_problem(width, 0.5 / width, "w", "r")
        least = float(problem.split("give r >= ")[1].split(" ")[0])
        assert mlp_hidden_dim(width, least) >= 1, (width, problem)
        assert least <= 1.01 / width, (width, problem)
        assert mlp_ratio_problem(width, least, "w", "r") is None


def test_a_config_is_refused_below_the_smallest_ratio_and_taken_at_it():
    """``TrainConfig.check``: predictor.mlp_ratio 1/64 refused for width 32, 1/32 taken."""
    from vjepa_ros.config import ConfigError
    from vjepa_ros.train.config import make_config

    def checked(ratio):
        return make_config({}, {"predictor.embed_dim": 32, "predictor.num_heads": 2,
                                "predictor.mlp_ratio": ratio}).check(need_paths=False)

    with pytest.raises(ConfigError, match=r"predictor\.mlp_ratio >= 0\.03125 \(1 / 32\)"):
        checked(1 / 64)
    assert checked(1 / 32).predictor.mlp_ratio == 1 / 32
