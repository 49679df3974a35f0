"""low28b: an output is kept out of a recording whose suffix is upper case (x.MCAP, EP0.NPZ).

Every reader refuses such a file until it is renamed (``bag_folders.upper_case_fix``), but the
``--out`` guards did not see it as a recording at all: ``train``/``eval``/``camera-check``
wrote into a folder holding ``x.MCAP``, ``pretrain`` wrote ``enc.MCAP`` or into a bag of
``X.MCAP``, ``collect`` wrote beside ``episode_000000.NPZ`` (one file on a disk that ignores
case), and an eval report of ``data/x.mcap`` was overwritten by one of ``data``, a folder
holding ``Y.MCAP`` too. Each is refused now (``bag_folders.suffix_any_case``), nothing written.
"""

import json

import pytest

from vjepa_ros.cli import main
from vjepa_ros.train.synthetic import write_blob_episodes


def _refused(capsys, argv) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.split(": ", 1)[1].strip()  # after "vjepa-ros COMMAND: "


def _recording_folder(tmp_path, name="x.MCAP", metadata=False):
    """Make a folder holding one data file ``name`` (and ``metadata.yaml``): a recording."""
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / name).write_bytes(b"a recording")
    if metadata:
        (folder / "metadata.yaml").write_text("rosbag2_bagfile_information: {}\n")
    return folder


@pytest.mark.parametrize("name", ["x.MCAP", "x.Db3", "x_0.mcap.ZSTD"])
def test_train_out_in_a_folder_holding_an_upper_case_recording(tmp_path, capsys, name):
    write_blob_episodes(tmp_path / "episodes", 1, frames=4, seed=1)
    out = _recording_folder(tmp_path, name)
    text = _refused(capsys, ["train", "--data", str(tmp_path / "episodes"), "--out", str(out),
                             "--encoder", "demo", "--steps", "1", "--quiet"])
    assert text == (f"--out {out} holds rosbag2 data files ({name}): the run would write its "
                    "files into the recording; give an --out outside the data")
    assert [p.name for p in out.iterdir()] == [name]


@pytest.mark.parametrize("command, writer", [("eval", "eval"), ("camera-check", "camera-check")])
def test_eval_and_camera_check_out_in_a_folder_holding_an_upper_case_recording(
        tmp_path, capsys, command, writer):
    out = _recording_folder(tmp_path)
    text = _refused(capsys, [command, str(tmp_path / "bag"), "--out", str(out),
                             "--checkpoint", "demo"])
    assert text == (f"--out {out} holds rosbag2 data files (x.MCAP): {writer} would write its "
                    "files into the recording; give an --out outside the data")
    assert [p.name for p in out.iterdir()] == ["x.MCAP"]


@pytest.mark.parametrize("name, suffix", [("enc.MCAP", ".MCAP"), ("ep0.NPZ", ".NPZ"),
                                          ("x.mcap.ZSTD", ".mcap.ZSTD"),
                                          ("Metadata.YAML", "Metadata.YAML")])
def test_pretrain_out_named_like_an_upper_case_recording(tmp_path, capsys, name, suffix):
    write_blob_episodes(tmp_path / "episodes", 1, frames=4, seed=1)
    out = tmp_path / name
    text = _refused(capsys, ["pretrain", "--data", str(tmp_path / "episodes"), "--out", str(out),
                             "--steps", "0"])
    assert text == (f"--out {out} is named like a recording ({suffix}): a later --data search "
                    "of its folder would read it as one; give a name ending in .pt")
    assert not out.exists()


def test_pretrain_out_inside_a_bag_of_an_upper_case_data_file(tmp_path, capsys):
    write_blob_episodes(tmp_path / "episodes", 1, frames=4, seed=1)
    bag = _recording_folder(tmp_path, "X.MCAP", metadata=True)
    text = _refused(capsys, ["pretrain", "--data", str(tmp_path / "episodes"), "--out",
                             str(bag / "enc.pt"), "--steps", "0"])
    assert text == (f"--out {bag / 'enc.pt'} lies inside the rosbag2 bag {bag}: pretraining "
                    "would write its files into the recording; give an --out outside the data")
    assert sorted(p.name for p in bag.iterdir()) == ["X.MCAP", "metadata.yaml"]


def test_collect_out_holding_an_upper_case_episode(tmp_path, capsys, monkeypatch):
    import vjepa_ros.sim.collector as collector

    def no_simulation(*args, **kwargs):
        raise AssertionError("the simulator started")

    monkeypatch.setattr(collector, "collect", no_simulation)
    out = tmp_path / "episodes"
    out.mkdir()
    (out / "episode_000000.NPZ").write_bytes(b"earlier run")
    text = _refused(capsys, ["collect", "--out", str(out), "--task", "motion",
                             "--episodes", "1"])
    assert text == (f"--out {out} holds 1 episode file already (episode_000000.NPZ); collect "
                    "does not overwrite it: give another --out, or remove the folder")


def test_an_eval_report_of_a_file_is_not_one_of_its_folder_holding_another_recording(tmp_path):
    """``data`` holds x.mcap and Y.MCAP (another recording, read once renamed): two recordings."""
    from vjepa_ros.eval.out_reuse import REPORT, bag_identity, previous_report_note

    data = tmp_path / "data"
    data.mkdir()
    (data / "x.mcap").write_bytes(b"one recording")
    assert bag_identity(data / "x.mcap") == data  # its folder's only recording: one name
    (data / "Y.MCAP").write_bytes(b"another")
    out = tmp_path / "out"
    out.mkdir()
    report = {"recording": {"path": str(data / "x.mcap")}, "eval": {}}
    (out / REPORT).write_text(json.dumps(report))
    with pytest.raises(ValueError) as refused:
        previous_report_note(out, data, None)
    assert str(refused.value) == (
        f"--out {out} holds the eval report (and plots) of another recording, "
        f"{data / 'x.mcap'}: give another --out, or remove {out} to replace it")
    assert json.loads((out / REPORT).read_text()) == report
