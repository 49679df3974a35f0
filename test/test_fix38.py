"""Session 38's fixes of breaker38's findings, each for the whole family of inputs.

- a TorchScript program (``torch.jit.save``) given where a checkpoint is read: one line that
  says so, no torch warning (read_checkpoint_file serves every command);
- a file without a predictor given to a command that plans: that, not the encoder's head count
  (load_world_model(need_predictor=True): run, eval, demo, the planner node);
- ``--no-gripper`` with ``--gripper-topic``: refused by every command that reads bag topics
  (eval, camera-check, train; train's YAML keys too);
- pretrain's sources of several frame sizes: named, the odd ones first.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from vjepa_ros.cli import main
from vjepa_ros.models.checkpoint import load_world_model
from vjepa_ros.models.errors import CheckpointError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.train.pretrain_data import frame_size_text

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "vjepa_ros" / "data" / "demo_world_model.pt"


@pytest.fixture(scope="module")
def torchscript_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ts") / "exported.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    return path


@pytest.fixture(scope="module")
def encoder_only_file(tmp_path_factory) -> Path:
    state = torch.load(DEMO, map_location="cpu", weights_only=True)
    path = tmp_path_factory.mktemp("enc") / "encoder_only.pt"
    torch.save({"encoder": state["encoder"]}, path)
    return path


def _last_error_line(capsys, argv, status=(1, 2)) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code in status, (code, err)
    assert "Traceback" not in err, err
    return err.splitlines()[-1]


@pytest.mark.parametrize("argv", [
    ["train", "--data", "DATA", "--init", "TS", "--out", "OUT", "--steps", "1"],
    ["train", "--data", "DATA", "--encoder", "TS", "--out", "OUT", "--steps", "1"],
    ["run", "--task", "grasp", "--world-model", "TS", "--max-steps", "1", "--out", "OUT"],
    ["demo", "--checkpoint", "TS"],
])
def test_a_torchscript_file_is_named_as_such_by_every_command(argv, torchscript_file, tmp_path,
                                                              capsys):
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "data"
    write_blob_episodes(data, 2, frames=6, seed=0, size=32)
    argv = [str(torchscript_file) if a == "TS" else str(data) if a == "DATA" else
            str(tmp_path / "out") if a == "OUT" else a for a in argv]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = _last_error_line(capsys, argv)
    assert "TorchScript" in line and str(torchscript_file) in line, line
    assert not [w for w in caught if "TorchScript" in str(w.message)], caught


def test_a_real_checkpoint_is_not_taken_for_torchscript():
    from vjepa_ros.models.checkpoint_file import is_torchscript_archive

    assert not is_torchscript_archive(DEMO)
    assert load_world_model(DEMO, device="cpu", need_predictor=True).predictor is not None


def test_need_predictor_refuses_an_encoder_alone_before_its_head_count(encoder_only_file):
    with pytest.raises(CheckpointError, match="holds no action-conditioned predictor"):
        load_world_model(encoder_only_file, device="cpu", need_predictor=True)
    # without the need, the head count is what stops it (no config in the file), as before
    with pytest.raises(CheckpointError, match="num_heads"):
        load_world_model(encoder_only_file, device="cpu")


def test_demo_with_an_encoder_only_file_says_it_holds_no_predictor(encoder_only_file, capsys):
    line = _last_error_line(capsys, ["demo", "--checkpoint", str(encoder_only_file)])
    assert "no action-conditioned predictor" in line and "--encoder-arg" not in line, line


def test_the_planner_node_loads_with_need_predictor():
    # the node's model loading (rclpy-free part): load_world_model is called with
    # need_predictor=True, so an encoder alone as model.checkpoint is named as such
    source = (ROOT / "vjepa_ros" / "nodes" / "planner_node.py").read_text()
    start = source.index("model = load_world_model(")
    assert "need_predictor=True" in source[start:source.index(")\n", start)]


def _bag(tmp_path) -> Path:
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings.bag_writing import write_episode

    return write_episode(tmp_path / "bag", load_example())


@pytest.mark.parametrize("command", ["eval", "camera-check"])
def test_no_gripper_with_a_gripper_topic_is_refused_by_bag_commands(command, tmp_path, capsys):
    out = tmp_path / "out"
    line = _last_error_line(capsys, [command, str(_bag(tmp_path)), "--no-gripper",
                                     "--gripper-topic", "/franka_gripper/joint_states",
                                     "--out", str(out)], status=(2,))
    assert "--no-gripper" in line and "--gripper-topic" in line, line
    assert not out.exists()


def test_train_refuses_no_gripper_with_a_gripper_topic(tmp_path, capsys):
    line = _last_error_line(capsys, ["train", "--data", str(_bag(tmp_path)), "--no-gripper",
                                     "--gripper-topic", "/franka_gripper/joint_states",
                                     "--out", str(tmp_path / "out"), "--steps", "1"])
    assert "--no-gripper" in line and "--gripper-topic" in line, line


def test_train_config_keys_no_gripper_with_a_gripper_are_refused(tmp_path, capsys):
    config = tmp_path / "train.yaml"
    config.write_text("data:\n  topics:\n    no_gripper: true\n"
                      "    gripper: /gripper/joint_states\n")
    line = _last_error_line(capsys, ["train", "--data", str(_bag(tmp_path)), "--config",
                                     str(config), "--out", str(tmp_path / "out"), "--steps", "1"])
    assert "data.topics.no_gripper" in line and "data.topics.gripper" in line, line


def test_gripper_conflict_only_when_both_are_given():
    assert BagTopics().gripper_conflict() == ""
    assert BagTopics(no_gripper=True).gripper_conflict() == ""
    assert BagTopics(gripper="/g").gripper_conflict() == ""
    assert BagTopics(no_gripper=True, gripper="  ").gripper_conflict() == ""
    assert "/g" in BagTopics(no_gripper=True, gripper="/g").gripper_conflict()


def test_frame_size_text_names_the_odd_sources_first_and_counts_the_rest():
    origins = {(32, 32, 3): [f"ep{i}.npz" for i in range(5)], (48, 64, 3): ["odd.npz"]}
    text = frame_size_text(origins)
    assert text.startswith("64x48 in odd.npz; 32x32 in ep0.npz, ep1.npz, ep2.npz and 2 more"), text


def test_frame_sizes_are_width_x_height_with_one_size_and_with_several():
    """Say a frame size as width x height however many sizes there are (user59w).

    The start line said 48x64 for a 64x48 px camera beside square frames (HxW), while its own
    note on small frames and a single size said 64x48 (WxH).
    """
    from vjepa_ros.train.pretrain_lines import frame_sizes_text

    assert frame_sizes_text([(48, 64, "cam.mcap")]) == "64x48"
    several = frame_sizes_text([(48, 64, "cam.mcap"), (128, 128, "sim.mcap")])
    assert "64x48 in cam.mcap" in several and "48x64" not in several, several


def test_pretrain_names_every_size_and_its_sources(tmp_path, capsys):
    """Two sizes pretrain together (fix55a, as train takes them); the line names each size."""
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 2, frames=6, seed=0, size=32)
    odd = write_blob_episodes(data, 1, frames=6, seed=7, size=48)[0]
    assert main(["pretrain", "--data", str(data), "--out", str(tmp_path / "enc.pt"), "--steps",
                 "1", "--batch-size", "2", "--threads", "1", "--quiet"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines()
                if line.startswith("pretraining on"))
    assert f"48x48 in {odd}" in line and "32x32 in" in line, line
    assert (tmp_path / "enc.pt").exists()


# -- clocks that stand still: frozen header stamps, one receive time for all (breaker38)

CAMERA = "/camera/camera/color/image_raw"
POSE = "/franka_robot_state_broadcaster/current_pose"


def test_a_clock_stands_still_when_one_time_is_held_over_0_2_s_of_the_other():
    from vjepa_ros.recordings.bag_stamps import still_run

    ms = 1_000_000
    received = np.arange(40, dtype=np.int64) * 250 * ms  # a 4 Hz topic
    assert still_run(np.full(40, 7 * ms, np.int64), received) == (0, 39)  # stamped once
    assert still_run(np.full(2, 7 * ms, np.int64), received[:2]) == (0, 1)  # 2 of one instant
    frozen_late = received.copy()
    frozen_late[26:] = frozen_late[25]  # stuck from frame 25 on
    assert still_run(frozen_late, received) == (25, 39)
    # kept: a 100 Hz sim /clock on 1 kHz joint states (ten per tick), arm and finger messages
    # of one update (pairs), a frame delivered twice
    fast = np.arange(1000, dtype=np.int64) * ms
    assert still_run(fast // (10 * ms) * (10 * ms), fast) is None
    assert still_run(np.repeat(received[:20], 2), np.repeat(received[:20], 2) + np.tile(
        [0, ms], 20)) is None
    camera = np.arange(90, dtype=np.int64) * 33 * ms  # 30 Hz
    twice = camera.copy()
    twice[5] = twice[4]
    assert still_run(twice, camera) is None
    assert still_run(received, received) is None and still_run(received[:1], received[:1]) is None


def test_header_timing_falls_back_for_unset_or_wholly_still_stamps_notes_a_part():
    from vjepa_ros.recordings.bag_stamps import header_timing

    step = 250_000_000
    received = np.arange(1, 9, dtype=np.int64) * step
    assert header_timing("/c", received, received) == (True, "")
    by_header, unset = header_timing("/c", np.zeros(8, np.int64), received)
    assert not by_header and unset.startswith("/c: header stamps are 0: timed by"), unset
    one_late = received.copy()
    one_late[6] = 0  # 1 of 8 stamped 0, received 1.75 s into the clock: the topic re-timed
    by_header, unset = header_timing("/c", one_late, received)
    assert not by_header and unset.startswith("/c: header stamps are 0 (1 of 8): "), unset
    one_late[5] = -1
    assert "0 or negative (1 of 8 0, 1 negative)" in header_timing("/c", one_late, received)[1]
    by_header, stale = header_timing("/c", np.full(8, 3 * step, np.int64), received)
    assert not by_header and "messages 1..8 of 8" in stale and "1.75 s" in stale, stale
    assert stale.endswith("timed by when the recorder received them")
    most = received.copy()
    most[:6] = most[0]  # 6 of 8 (a simulator paused at the start): kept, with a note
    by_header, note = header_timing("/c", most, received)
    assert by_header and "messages 1..6 of 8" in note
    part = received.copy()
    part[5:] = part[5]  # 3 of 8 stand still: kept, with a note
    by_header, note = header_timing("/c", part, received)
    assert by_header and "messages 6..8 of 8" in note and "0.50 s" in note
    assert "timed by when the recorder received them" not in note
    assert header_timing("/c", np.zeros(0, np.int64), received[:0]) == (False, "")


def _moving_bag(tmp_path) -> Path:
    from conftest import write_test_bag

    return write_test_bag(tmp_path / "moving", frames=8, moving=True)


def _freeze(topic):
    def change(entry, entries):
        if entry[0] == topic:
            first = next(e for e in entries if e[0] == topic)[3].header.stamp
            entry[3].header.stamp.sec, entry[3].header.stamp.nanosec = first.sec, first.nanosec
    return change


@pytest.mark.parametrize("topic", [CAMERA, POSE])
def test_a_topic_with_frozen_header_stamps_is_timed_by_receive_with_a_note(tmp_path, topic):
    from conftest import rewritten_bag
    from vjepa_ros.recordings.bags import read_recording

    bag = _moving_bag(tmp_path)
    source = read_recording(bag)
    frozen = read_recording(rewritten_bag(bag, tmp_path / "f", _freeze(topic)))
    assert any(note.startswith(f"{topic}: header stamps stand still (messages 1..8 of 8")
               for note in frozen.notes), frozen.notes
    # the frames keep their order and number, and each keeps its state (the receive times of
    # a bag written by our writer are its stamps)
    assert len(frozen.image_times) == len(source.image_times)
    np.testing.assert_allclose(frozen.states, source.states)


def test_eval_and_train_read_a_bag_with_a_frozen_camera_stamp(tmp_path, capsys):
    from conftest import rewritten_bag

    bag = rewritten_bag(_moving_bag(tmp_path), tmp_path / "f", _freeze(CAMERA))
    assert main(["eval", str(bag), "--out", str(tmp_path / "ev"), "--samples", "8",
                 "--iterations", "1", "--topk", "2", "--landscape-points", "0", "--no-plots",
                 "--quiet"]) == 0
    assert "header stamps stand still" in capsys.readouterr().out
    assert main(["train", "--data", str(bag), "--encoder", "demo", "--steps", "1",
                 "--batch-size", "2", "--frames-per-clip", "3", "--val-fraction", "0",
                 "--quiet", "--threads", "1", "--out", str(tmp_path / "run")]) == 0


@pytest.mark.parametrize("stamps", ["receive", "header"])
def test_one_receive_time_for_all_is_refused_naming_the_topic(tmp_path, capsys, stamps):
    from conftest import rewritten_bag

    def one_time(entry, entries):
        entry[2] = entries[0][2]
        if stamps == "header" and entry[0] == CAMERA:  # and stamps unset: neither clock
            entry[3].header.stamp.sec, entry[3].header.stamp.nanosec = 0, 0

    bag = rewritten_bag(_moving_bag(tmp_path), tmp_path / "r", one_time)
    line = _last_error_line(capsys, ["eval", str(bag), "--stamps", stamps, "--out",
                                     str(tmp_path / "ev"), "--quiet"])
    assert CAMERA in line and ("received at one time over" in line if stamps == "receive"
                               else "received at the time of the one before" in line), line
    assert "longer recording" not in line
    assert ("--stamps header" in line) == (stamps == "receive"), line
    assert stamps == "receive" or "are 0 and" in line, line


# -- what a bag's camera and pose topics must be to be planned on (breaker38)

def test_the_header_is_read_from_the_cdr_bytes_of_every_camera_message_type():
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_stamps import header_from_cdr

    store = m.typestore()
    image = store.types["sensor_msgs/msg/Image"](
        header=m.make_header(1_500_000_123, "wrist_camera_optical_frame"), height=1, width=1,
        encoding="rgb8", is_bigendian=0, step=3, data=np.zeros(3, np.uint8))
    compressed = store.types["sensor_msgs/msg/CompressedImage"](
        header=m.make_header(7, ""), format="jpeg", data=np.zeros(4, np.uint8))
    for msg, frame, stamp in ((image, "wrist_camera_optical_frame", 1_500_000_123),
                              (compressed, "", 7)):
        raw = store.serialize_cdr(msg, msg.__msgtype__)
        assert header_from_cdr(raw) == (stamp, frame)
    with pytest.raises(ValueError):
        header_from_cdr(b"\x00\x01\x00\x00" + b"\x00" * 8 + b"\xff\xff\xff\x7f")
    with pytest.raises(ValueError):
        header_from_cdr(b"\x00\x01\x00\x00" + b"\x00" * 8)  # no frame id


def _two_camera_bag(tmp_path, second_frame: str) -> Path:
    """Return the moving bag with every second frame named ``second_frame``."""
    from conftest import rewritten_bag

    topic = CAMERA

    def relabel(entry, entries):
        frames = [e for e in entries if e[0] == topic]
        if entry[0] == topic and frames.index(entry) % 2:
            entry[3].header.frame_id = second_frame

    return rewritten_bag(_moving_bag(tmp_path), tmp_path / f"two_{second_frame or 'none'}",
                         relabel)


def test_two_cameras_on_one_topic_are_refused_by_eval_and_train(tmp_path, capsys):
    bag = _two_camera_bag(tmp_path, "wrist_camera_optical_frame")
    line = _last_error_line(capsys, ["eval", str(bag), "--out", str(tmp_path / "ev"), "--quiet"])
    assert "'wrist_camera_optical_frame' (4 frames)" in line and CAMERA in line, line
    line = _last_error_line(capsys, ["train", "--data", str(bag), "--encoder", "demo",
                                     "--steps", "1", "--val-fraction", "0", "--out",
                                     str(tmp_path / "run")])
    assert "two cameras on one topic" in line, line


def test_a_camera_with_an_empty_frame_id_now_and_then_is_one_camera(tmp_path):
    from vjepa_ros.recordings.bags import read_recording

    recording = read_recording(_two_camera_bag(tmp_path, ""))  # unset frame ids: not a camera
    assert len(recording.image_times) == 8


@pytest.mark.parametrize("size", [(16, 16), (2, 320), (40, 200), (300, 64)])
def test_eval_and_camera_check_refuse_frames_the_planner_node_refuses(tmp_path, capsys, size):
    from conftest import rewritten_bag

    height, width = size

    def resize(entry, entries):
        if entry[0] == CAMERA:
            image = entry[3]
            image.height, image.width, image.step = height, width, width * 3
            image.data = np.full(height * width * 3, 100, np.uint8)

    bag = rewritten_bag(_moving_bag(tmp_path), tmp_path / "sized", resize)
    for command in ("eval", "camera-check"):
        out = tmp_path / command
        line = _last_error_line(capsys, [command, str(bag), "--checkpoint", "demo", "--out",
                                         str(out), "--quiet"])
        assert f"{width}x{height} px" in line and "planner node refuses" in line, line
        assert not out.exists()


def test_a_pose_topic_in_two_names_of_the_base_frame_is_read(tmp_path):
    from conftest import rewritten_bag
    from vjepa_ros.recordings.bags import read_recording

    def rename(entry, entries):  # both are the arm's base (base, <prefix>link0): no mixing
        poses = [e for e in entries if e[0] == POSE]
        if entry[0] == POSE:
            entry[3].header.frame_id = "base" if poses.index(entry) % 2 else "panda_link0"

    recording = read_recording(rewritten_bag(_moving_bag(tmp_path), tmp_path / "b", rename))
    assert len(recording.states) == 8


def test_a_bag_with_one_pose_jump_is_read_with_a_note(tmp_path):
    from conftest import rewritten_bag
    from vjepa_ros.recordings.bags import read_recording

    def teleport(entry, entries):  # a simulator reset after the 5th state: 1 m in a 4 Hz step
        poses = [e for e in entries if e[0] == POSE]
        if entry[0] == POSE and poses.index(entry) >= 5:
            entry[3].pose.position.x += 1.0

    recording = read_recording(rewritten_bag(_moving_bag(tmp_path), tmp_path / "j", teleport))
    assert any("jumps faster than an arm moves" in note and "1 time(s)" in note
               for note in recording.notes), recording.notes


def test_state_jumps_follow_the_planner_nodes_speed_rule():
    from vjepa_ros.recordings.state_jumps import jump_steps

    times = np.arange(5, dtype=np.int64) * 10_000_000  # 100 Hz
    xyz = np.zeros((5, 3))
    xyz[:, 0] = [0.0, 0.02, 0.04, 0.06, 0.30]  # 2 m/s is an arm; 24 cm in 10 ms is not
    assert list(jump_steps(times, xyz)) == [3]
    same = np.zeros(2, np.int64)
    assert list(jump_steps(same, np.array([[0, 0, 0], [0.005, 0, 0]]))) == []  # within 1 cm
    assert list(jump_steps(same, np.array([[0, 0, 0], [0.02, 0, 0]]))) == [0]


# -- smaller findings of breaker38: keyword spelling, outputs in recordings, a preset's horizon

@pytest.mark.parametrize("command,option,spec", [
    ("run", "--world-model", "Oracle"), ("run", "--world-model", "DEMO"),
    ("eval", "--checkpoint", "Demo")])
def test_a_keyword_in_other_letters_names_its_spelling(tmp_path, capsys, command, option, spec):
    argv = (["run", "--task", "grasp", option, spec, "--out", str(tmp_path / "o")]
            if command == "run" else ["eval", str(_moving_bag(tmp_path)), option, spec,
                                      "--out", str(tmp_path / "o")])
    line = _last_error_line(capsys, argv)
    assert f"{option} {spec.lower()}" in line and "lower case" in line, line


def test_a_file_named_like_a_keyword_is_still_read(tmp_path, monkeypatch):
    import shutil

    from vjepa_ros.input_paths import world_model_path

    monkeypatch.chdir(tmp_path)
    shutil.copy(DEMO, tmp_path / "Demo")
    assert world_model_path("Demo") == Path("Demo")


@pytest.mark.parametrize("command", ["run", "reach", "collect"])
def test_outputs_are_never_written_into_a_bag(tmp_path, capsys, command):
    bag = _moving_bag(tmp_path)
    before = sorted(p.name for p in bag.iterdir())
    for out in (bag, bag / "pictures"):
        argv = {"run": ["run", "--task", "grasp", "--world-model", "oracle"],
                "reach": ["reach"],
                "collect": ["collect", "--episodes", "1"]}[command] + ["--out", str(out)]
        line = _last_error_line(capsys, argv)
        assert "would write its files into the recording" in line and str(bag.name) in line, line
    assert sorted(p.name for p in bag.iterdir()) == before


def test_camera_check_says_a_presets_horizon_is_not_used(tmp_path, capsys):
    from vjepa_ros.eval.camera_check_command import horizon_note

    assert horizon_note("paper") == ""
    assert "horizon 2 is not used" in horizon_note("notebook")
    main(["camera-check", str(_moving_bag(tmp_path)), "--preset", "notebook", "--random-weights",
          "--out", str(tmp_path / "cc"), "--quiet", "--no-plots", "--samples", "8",
          "--iterations", "1", "--topk", "2"])
    assert "--preset notebook's horizon 2 is not used" in capsys.readouterr().out


def test_held_values_keep_each_sample_until_the_next():
    from vjepa_ros.recordings.bag_gripper import held_values

    samples = np.array([0, 2, 6], np.int64) * 10**9
    closed = np.array([0.0, 1.0, 0.0])
    times = np.array([-1, 0, 1, 2, 3, 5.9, 6, 8]) * 1e9
    assert list(held_values(times.astype(np.int64), samples, closed)) == \
        [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0]
