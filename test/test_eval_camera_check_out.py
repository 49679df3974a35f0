"""A camera check's --out given again: another recording's or model's check is never replaced.

``vjepa-ros camera-check killed_run --out check1``, where check1 held sim_bag's check, once
replaced its camera_check.json and plot and removed its planner_camera_check.yaml, saying only
that it was removed. Now refused in one line, as ``vjepa-ros eval`` refuses another bag's report;
a rerun of the same check (same bag and model) overwrites quietly.
"""

import json
import re

import pytest

from vjepa_ros.eval.camera_check_out import LIVE, check_identity, refuse_other_check
from vjepa_ros.eval.camera_check_report import PARAMS_FILE, PLOT_FILE, REPORT_FILE
from vjepa_ros.eval.out_reuse import bag_identity

MODEL = "/models/world_model.pt"


def _saved_check(folder, bag="sim_bag", checkpoint=MODEL, **fields):
    """Write a camera check's files as write_check and the command leave them."""
    folder.mkdir(parents=True, exist_ok=True)
    report = {"verdict": "placement fine", "bag": str(bag),
              "check_of": check_identity(bag, checkpoint), **fields}
    (folder / REPORT_FILE).write_text(json.dumps(report))
    (folder / PLOT_FILE).write_bytes(b"png")
    (folder / PARAMS_FILE).write_text("# the earlier check's correction\n")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_a_folder_holding_another_recordings_check_is_refused_in_one_line(tmp_path):
    _saved_check(tmp_path / "check1", tmp_path / "sim_bag")
    with pytest.raises(ValueError) as refused:
        refuse_other_check(tmp_path / "check1", check_identity(tmp_path / "killed_run", MODEL))
    assert str(refused.value) == (
        f"--out {tmp_path / 'check1'} holds the camera check ({REPORT_FILE}, {PLOT_FILE}, "
        f"{PARAMS_FILE}) of another recording, {tmp_path / 'sim_bag'}: give another --out, or "
        f"remove {tmp_path / 'check1'} to replace it")


def test_another_world_model_on_the_same_bag_replaces_it_with_a_note(tmp_path):
    """Comparing models on one bag, or the live check after a model change: asked for."""
    _saved_check(tmp_path / "check", tmp_path / "bag")
    note = refuse_other_check(tmp_path / "check", check_identity(tmp_path / "bag", "/other.pt"))
    assert note == (f"--out {tmp_path / 'check'}: replacing the camera check ({REPORT_FILE}, "
                    f"{PLOT_FILE}, {PARAMS_FILE}) that another world model, {MODEL}, made of "
                    "this recording")
    _saved_check(tmp_path / "random", tmp_path / "bag", checkpoint="")
    note = refuse_other_check(tmp_path / "random", check_identity(tmp_path / "bag", MODEL))
    assert note.endswith("that another world model, random weights, made of this recording")


def test_a_rerun_of_the_same_check_reuses_the_folder_quietly(tmp_path, monkeypatch):
    """The same bag, given as its folder, its metadata.yaml or relative to the cwd."""
    bag = tmp_path / "sim_bag"
    _saved_check(tmp_path / "check", bag)
    monkeypatch.chdir(tmp_path)
    for given in (bag, bag / "metadata.yaml", "sim_bag", "./sim_bag/"):
        assert refuse_other_check(tmp_path / "check", check_identity(given, MODEL)) is None
    assert refuse_other_check(tmp_path / "empty", check_identity(bag, MODEL)) is None


def test_the_same_bag_through_a_symlink_or_its_data_file_is_the_same_recording(tmp_path):
    """``sim_link`` -> sim_bag, and sim_bag/sim_bag.mcap, were refused as "another recording"."""
    bag = tmp_path / "sim_bag"
    bag.mkdir()
    (bag / "metadata.yaml").write_text("rosbag2_bagfile_information: {}\n")
    (bag / "sim_bag.mcap").write_bytes(b"mcap")
    (tmp_path / "sim_link").symlink_to("sim_bag")
    _saved_check(tmp_path / "check", bag)
    link = tmp_path / "sim_link"
    for given in (link, bag / "sim_bag.mcap", link / "sim_bag.mcap", link / "metadata.yaml"):
        assert bag_identity(given) == bag
        assert refuse_other_check(tmp_path / "check", check_identity(given, MODEL)) is None
    linked = tmp_path / "linked_check"  # a check saved through the link, rerun on the folder
    _saved_check(linked, tmp_path / "sim_link")
    assert refuse_other_check(linked, check_identity(bag, MODEL)) is None
    lone = tmp_path / "lone.mcap"  # a data file with no bag folder stays a recording of its own
    lone.write_bytes(b"mcap")
    (tmp_path / "other.mcap").write_bytes(b"mcap")
    assert bag_identity(lone) == lone
    with pytest.raises(ValueError, match="of another recording"):
        refuse_other_check(tmp_path / "check", check_identity(lone, MODEL))


def test_a_check_written_before_check_of_is_judged_by_its_bag(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "check1"
    folder.mkdir()
    (folder / REPORT_FILE).write_text(json.dumps({"verdict": "move the camera",
                                                  "bag": "sim_bag"}))
    refuse_other_check(folder, check_identity("sim_bag", MODEL))  # no model recorded: same bag
    with pytest.raises(ValueError, match="of another recording, .*sim_bag: give another"):
        refuse_other_check(folder, check_identity("killed_run", MODEL))
    (folder / REPORT_FILE).write_text(json.dumps({"verdict": "fine", "source": "~/camera_check"}))
    with pytest.raises(ValueError, match=re.escape(f"of another recording, {LIVE}:")):
        refuse_other_check(folder, check_identity("sim_bag", MODEL))


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"summary": {}}'])
def test_a_report_that_is_no_camera_check_is_refused(tmp_path, text):
    (tmp_path / REPORT_FILE).write_text(text)
    with pytest.raises(ValueError, match=f"holds a {REPORT_FILE} that is not a camera check's: "
                       "give another --out, or move that file away"):
        refuse_other_check(tmp_path, check_identity("bag", MODEL))


@pytest.fixture
def demo_not_loaded(monkeypatch):
    """Return the demo model's path; loading it or a bag fails the test (a refusal comes first)."""
    import vjepa_ros.demo
    import vjepa_ros.eval.camera_check_command as command
    import vjepa_ros.recordings.bags
    from vjepa_ros.input_paths import world_model_path

    def loaded(*args, **kwargs):
        raise AssertionError("the bag or the model loaded before the refusal")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    monkeypatch.setattr(vjepa_ros.recordings.bags, "read_recording", loaded)
    monkeypatch.setattr(command, "check_inputs", lambda args: None)  # no bag file needed
    return str(world_model_path("demo").resolve())


def test_the_command_refuses_another_recordings_out_before_the_bag_or_model_loads(
        tmp_path, demo_not_loaded, capsys):
    from vjepa_ros.cli import main

    demo = demo_not_loaded
    check1 = tmp_path / "check1"
    before = _saved_check(check1, tmp_path / "sim_bag", demo)
    assert main(["camera-check", str(tmp_path / "killed_run"), "--checkpoint", "demo",
                 "--out", str(check1), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (f"vjepa-ros camera-check: --out {check1} holds the camera check "
                   f"({REPORT_FILE}, {PLOT_FILE}, {PARAMS_FILE}) of another recording, "
                   f"{tmp_path / 'sim_bag'}: give another --out, or remove {check1} to "
                   "replace it")
    assert {p.name: p.read_bytes() for p in check1.iterdir()} == before  # all kept
    # the same bag and model: no refusal (it goes on to read the bag)
    with pytest.raises(AssertionError, match="loaded before the refusal"):
        main(["camera-check", str(tmp_path / "sim_bag"), "--checkpoint", "demo",
              "--out", str(check1), "--quiet"])



def test_another_window_of_the_same_bag_is_refused_as_another_check(tmp_path):
    """``--start 0 --end 60`` then ``--start 60`` into one --out was taken as the same check.

    The second run replaced the first window's verdict and correction quietly; both windows
    share the default --out (camera_check_<bag name>). A rerun of the same window, and a check
    saved before the window was recorded, still reuse the folder.
    """
    bag, folder = tmp_path / "bag", tmp_path / "check"
    _saved_check(folder, bag, check_of=check_identity(bag, MODEL, (0.0, 60.0)))
    for window, words in [((60.0, 0.0), "60 s to its end"), ((0.0, 0.0), "the whole recording"),
                          ((0.0, 30.0), "0 to 30 s")]:
        with pytest.raises(ValueError) as refused:
            refuse_other_check(folder, check_identity(bag, MODEL, window))
        assert str(refused.value) == (
            f"--out {folder} holds the camera check ({REPORT_FILE}, {PLOT_FILE}, {PARAMS_FILE}) "
            f"of another part of this recording, 0 to 60 s (this check: {words}): give "
            f"another --out, or remove {folder} to replace it")
    assert refuse_other_check(folder, check_identity(bag, MODEL, (0, 60))) is None
    with pytest.raises(ValueError, match="another part of this recording"):  # not a model note
        refuse_other_check(folder, check_identity(bag, "/other.pt", (60.0, 0.0)))
    _saved_check(folder, bag, check_of={"recording": str(bag), "checkpoint": MODEL})
    assert refuse_other_check(folder, check_identity(bag, MODEL, (60.0, 0.0))) is None


def test_the_command_refuses_another_window_once_the_bag_is_read_and_takes_the_same_one(
        tmp_path, monkeypatch, capsys):
    """Windows are compared by the frames they cover: ``--end 60`` of a 3 s bag is all of it."""
    import vjepa_ros.demo
    from vjepa_ros.cli import main
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.recordings.bag_writing import write_bag

    def loaded(*args, **kwargs):
        raise AssertionError("the model loaded before the refusal")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    demo = str(world_model_path("demo").resolve())
    bag, check = write_bag(tmp_path / "sim_bag", *synthetic_episode(12, seed=1)), \
        tmp_path / "check"
    _saved_check(check, bag, demo, check_of=check_identity(bag, demo, (0.0, 60.0)))
    assert main(["camera-check", str(bag), "--checkpoint", "demo", "--out", str(check),
                 "--start", "1", "--quiet"]) == 1
    assert "of another part of this recording, 0 to 60 s (this check: 1 s to its end)" in \
        capsys.readouterr().err
    for window in (["--end", "60"], ["--end", "0"], ["--end", "1e300"]):  # the same frames
        with pytest.raises(AssertionError, match="loaded before the refusal"):
            main(["camera-check", str(bag), "--checkpoint", "demo", "--out", str(check),
                  *window, "--quiet"])


def test_a_window_with_no_frame_says_so_not_another_part(tmp_path, capsys):
    """A window with no frame says so, not "another part of this recording".

    --start past the bag, with the whole bag's check in --out, said "... (this check: 5 s to its
    end)" rather than the bag's span.
    """
    from vjepa_ros.cli import main
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.recordings.bag_writing import write_bag

    demo = str(world_model_path("demo").resolve())
    bag, check = write_bag(tmp_path / "sim_bag", *synthetic_episode(12, seed=1)), \
        tmp_path / "check"
    _saved_check(check, bag, demo, check_of=check_identity(bag, demo))
    assert main(["camera-check", str(bag), "--checkpoint", "demo", "--out", str(check),
                 "--start", "5", "--quiet"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"vjepa-ros camera-check: {bag}: no camera frame with states from --start 5 s on: the "
        "bag has them from 0.00 to 3.00 s after its start: give a --start of at most 2.74 (a "
        "step needs 1 more after it at --rate 4)")  # eval's advice: one that holds a step
