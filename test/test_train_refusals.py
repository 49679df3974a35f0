"""``vjepa-ros train`` refusals that say what to do: a cut bag, a complete run, --out among data.

Each was found by an adversarial pass (session 25): the damage of a cut bag hidden behind
"give --frames-per-clip 7"; a resumed run's throughput over all its steps; resuming a complete
run re-encoded the data and rewrote every output; --out inside the data wrote among the bags;
refusals that named an internal setting or no fix.
"""

import json
import shutil
import types

import pytest
import torch

from conftest import SHARED_DATA
from vjepa_ros.cli import main
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.train.command import summary_lines
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.data_banks import clip_fix
from vjepa_ros.train.episodes import ShortSourceError, find_sources, load_segments
from vjepa_ros.train.synthetic import blob_episode, write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")  # tiny models: 1 thread is fastest


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("refusals")
    write_blob_episodes(root / "episodes", 2, frames=6, seed=10)
    return {"episodes": root / "episodes", "encoder": write_tiny_encoder(root / "encoder.pt")}


def _args(data, out, *more, model=("--predictor-dim", "32", "--heads", "2")):
    return ["train", "--data", str(data["episodes"]), "--out", str(out), "--encoder",
            str(data["encoder"]), "--steps", "2", "--batch-size", "2", "--frames-per-clip", "4",
            *model, "--depth", "1", "--val-fraction", "0", "--quiet", *more]


def _error(capsys) -> str:
    printed = capsys.readouterr()
    assert printed.err.count("\n") == 1, printed.err
    return printed.err.removeprefix("vjepa-ros train: ").strip()


def test_a_cut_bag_too_short_for_a_clip_leads_with_its_damage_and_advises_on_it():
    """It said "...: no 8 consecutive valid steps ...; give --frames-per-clip 7", damage unsaid."""
    bag = SHARED_DATA / "field" / "truncated-mcap"  # 7 of 10 frames kept, 0.75 s lost
    with pytest.raises(ShortSourceError) as caught:
        load_segments(find_sources([bag])[0], DataConfig())
    for error in (caught.value, caught.value.with_fix(clip_fix(2))):  # train's own advice too
        text = str(error)
        assert text.startswith(f"{bag / 'recording_0.mcap'} is damaged (recorder killed "
                               "mid-write?): the file is truncated at "), text
        assert f"`mcap recover {bag / 'recording_0.mcap'} -o recovered.mcap`" in text
        assert (f". What is intact: {bag}: no 8 consecutive valid steps at 4 Hz (longest run 7 "
                "of 7 steps; none dropped); ") in text
        assert "--frames-per-clip" not in text, text
        assert text.endswith("the damage left too little of it for one clip: train on an intact "
                             f"copy of the recording if there is one, or leave {bag} out"), text


def test_a_resumed_runs_throughput_is_over_this_sessions_steps(data, tmp_path, capsys):
    """Resumed: "37.8 steps/s" for 25 steps (all the run's steps over this session's seconds)."""
    out = tmp_path / "run"
    assert main(_args(data, out)) == 0
    assert main(["train", "--out", str(out), "--resume", "--steps", "3", "--quiet"]) == 0
    assert "done        step 3/3 (1 since step 2, resumed) in " in capsys.readouterr().out
    summary = json.loads((out / "log.json").read_text())["summary"]
    assert summary["steps_run"] == 1 and summary["step"] == 3
    config = types.SimpleNamespace(batch_size=2, export_dtype="float32")
    line = summary_lines({**summary, "seconds": 2.0}, config)[0]
    assert line.endswith(" in 2.0 s (0.50 steps/s, 1.0 clips/s)"), line  # 1 step in 2 s


def test_resuming_a_complete_run_touches_nothing_and_says_what_to_do(data, tmp_path, capsys):
    """It encoded the data again and rewrote every output.

    A run stopped after its last step, not yet exported, still resumes (and exports).
    """
    out = tmp_path / "run"
    assert main(_args(data, out, "--steps", "3")) == 0
    capsys.readouterr()
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    stamps = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    for more in ([], ["--steps", "3"]):
        assert main(["train", "--out", str(out), "--resume", "--quiet", *more]) == 1
        assert _error(capsys) == (
            f"the run in {out} is already complete: 3 of 3 steps, world_model.pt written; "
            "nothing to resume: give --steps above 3 to train it further, or start a new run "
            f"from it with --init {out / 'world_model.pt'} --out NEW_DIR")
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == stamps

    # a run stopped after its last step, before the export, is resumed: it exports
    state = torch.load(out / "latest.pt", weights_only=True)
    assert state["finished"] is True
    torch.save({**state, "finished": False}, out / "latest.pt")
    (out / "world_model.pt").unlink()
    assert main(["train", "--out", str(out), "--resume", "--quiet"]) == 0
    assert (out / "world_model.pt").is_file()
    assert "done        step 3/3 (0 since step 3, resumed)" in capsys.readouterr().out


def test_resume_refusals_say_what_to_do(data, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), "--resume"]) == 1
    assert _error(capsys) == (f"nothing to resume: {out / 'latest.pt'} does not exist: give the "
                              "--out of the run to continue, or leave out --resume to start a "
                              "new run")
    assert main(_args(data, out)) == 0
    assert main(["train", "--out", str(out), "--resume", "--steps", "3", "--lr", "0.01"]) == 1
    assert _error(capsys).endswith(
        "may change; to train with other settings (a fresh learning-rate schedule) start a new "
        f"run from this one's predictor: --init {out / 'latest.pt'} --out NEW_DIR")


@pytest.mark.parametrize("where", ["is", "lies inside", "bag", "loose"])
def test_an_out_among_the_data_is_refused_naming_both(data, tmp_path, capsys, where):
    """--out the data folder, inside it, or a bag: train wrote its files among the recordings."""
    folder = tmp_path / "data"
    shutil.copytree(data["episodes"], folder)
    episode = blob_episode(frames=6, seed=3)
    bag = write_bag(tmp_path / "bag", episode.frames, episode.states, episode.timestamps)
    loose = tmp_path / "loose"  # a killed recorder's data file, no metadata.yaml
    loose.mkdir()
    shutil.copy(next(bag.glob("*.mcap")), loose / "rec_0.mcap")
    out = {"is": folder, "lies inside": folder / "run", "bag": bag, "loose": loose}[where]
    before = sorted(tmp_path.rglob("*"))
    assert main(_args({**data, "episodes": folder}, out)) == 1
    if where == "bag":
        assert _error(capsys) == (f"--out {bag} is a rosbag2 bag: the run would write its files "
                                  "into the recording; give an --out outside the data")
    elif where == "loose":
        assert _error(capsys) == (f"--out {loose} holds rosbag2 data files (rec_0.mcap): the run "
                                  "would write its files into the recording; give an --out "
                                  "outside the data")
    else:
        assert _error(capsys) == (f"--out {out} {where} the data folder --data {folder}: the run "
                                  "would write its files among the episodes; give an --out "
                                  "outside the data")
    assert sorted(tmp_path.rglob("*")) == before


def test_setting_refusals_name_the_options_and_the_fix(data, tmp_path, capsys):
    # --heads alone: the width is --predictor-dim's default, named by that option
    assert main(_args(data, tmp_path / "run", model=("--heads", "5"))) == 2  # a usage error
    assert _error(capsys) == ("--predictor-dim 256 is not divisible by --heads 5: give --heads 4 "
                              "(or 2), or --predictor-dim 250 (a multiple of 5) or 260 (heads "
                              "of 50 or 52)")
    # an odd head (13) is refused before any work, with widths whose heads the RoPE rotates
    assert main(_args(data, tmp_path / "run", model=("--predictor-dim", "65", "--heads",
                                                     "5"))) == 2
    assert _error(capsys) == ("--predictor-dim 65 over --heads 5 leaves heads of width 13, odd: "
                              "the 3D RoPE rotates a head's dims in pairs (needs an even width "
                              ">= 6): give --predictor-dim 60 (a multiple of 5) or 70 (heads of "
                              "12 or 14)")
    one = next(data["episodes"].glob("*.npz"))
    # a --val path inside a --data folder: known from the paths, a usage error (cli31)
    assert main(_args(data, tmp_path / "run", "--val", str(one))) == 2
    assert _error(capsys) == (f"--val {one} lies inside --data {data['episodes']}: a recording "
                              "validated on must not be trained on; give each recording to one "
                              "of --data and --val only")
    # --help documents the values --state-source takes: none (pretrain's camera alone) is not
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--state-source {auto,pose,joint_states} bags: where end-effector states come from: " \
           "auto (pose if recorded, else joint_states), pose or joint_states (default auto)" \
           in shown
    assert "none" not in shown.partition("--state-source {")[2].partition("--stamps")[0]
