"""breaker38: a new lab user's whole path (eval, train, run, reach, checkpoints, goal images).

Each test reproduces a defect found by using the commands as README.md describes them, and fails
on the code it was found on (strict xfail until fixed).
"""

import warnings
from pathlib import Path

import pytest
import torch

from conftest import rewritten_bag
from vjepa_ros.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "vjepa_ros" / "data" / "demo_world_model.pt"


def _one_line_error(capsys, argv) -> str:
    """Run ``vjepa-ros argv`` in-process; return its one stderr line (status 1 or 2 asserted)."""
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's refusal of an option's value
        status = exc.code
    err = capsys.readouterr().err.strip()
    assert status in (1, 2), (status, err)
    return err.splitlines()[-1]


def _torchscript_file(tmp_path) -> Path:
    path = tmp_path / "exported_model.pt"
    with warnings.catch_warnings():  # torch.jit is deprecated; labs still have such files
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    return path


def _encoder_only_file(tmp_path) -> Path:
    """Return a file of the demo model's encoder alone, without its config."""
    state = torch.load(DEMO, map_location="cpu", weights_only=True)
    path = tmp_path / "encoder_only.pt"
    torch.save({"encoder": state["encoder"]}, path)
    return path


def test_torchscript_file_as_checkpoint_is_named_as_such_without_a_warning(tmp_path):
    # A lab's exported model (torch.jit.save) given to --checkpoint / --init / --encoder /
    # --world-model: torch.load warns (two lines on stderr, a source line of ours among them)
    # before it refuses, and the refusal calls it "a zip archive torch.save did not write,
    # e.g. an .npz" instead of a TorchScript model.
    from vjepa_ros.models.checkpoint_file import read_checkpoint_file
    from vjepa_ros.models.errors import CheckpointError

    path = _torchscript_file(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(CheckpointError) as info:
            read_checkpoint_file(path)
    assert not [str(w.message) for w in caught]
    assert "torchscript" in str(info.value).lower() or "torch.jit" in str(info.value)


def test_run_with_an_encoder_only_file_says_it_holds_no_predictor(tmp_path, capsys):
    # reach says "holds no action-conditioned predictor (an encoder alone)"; run says "cannot
    # tell the number of attention heads ... --encoder-arg num_heads=N", and
    # `vjepa-ros run ... --encoder-arg num_heads=3` is then refused as an unknown option.
    path = _encoder_only_file(tmp_path)
    line = _one_line_error(capsys, ["run", "--task", "grasp", "--world-model", str(path),
                                    "--max-steps", "1", "--samples", "8", "--iterations", "1",
                                    "--topk", "2", "--out", str(tmp_path / "out")])
    assert "--encoder-arg" not in line, line
    assert "predictor" in line, line


def test_eval_with_an_encoder_only_file_says_it_holds_no_predictor(tmp_path, capsys):
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings.bag_writing import write_episode

    bag = write_episode(tmp_path / "bag", load_example())
    line = _one_line_error(capsys, ["eval", str(bag), "--checkpoint",
                                    str(_encoder_only_file(tmp_path)), "--samples", "8",
                                    "--iterations", "1", "--topk", "2", "--landscape-points",
                                    "0", "--no-plots", "--quiet", "--out",
                                    str(tmp_path / "ev")])
    assert "--encoder-arg" not in line, line
    assert "predictor" in line, line


def test_pretrain_names_the_source_whose_frames_differ_in_size(tmp_path, capsys):
    # A lab's data folder of many recordings, one taken at another camera resolution:
    # `vjepa-ros pretrain` ends with "the sources' frames differ in size: [(32, 32, 3),
    # (48, 48, 3)]; record them at one size" and the user cannot tell which of them it is
    # (`vjepa-ros train` reads the same folder, resizing each frame to the encoder's input).
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 2, frames=6, seed=0, size=32)
    odd = write_blob_episodes(data, 1, frames=6, seed=7, size=48)[0]
    status = main(["pretrain", "--data", str(data), "--out", str(tmp_path / "encoder.pt"),
                   "--steps", "1", "--batch-size", "2", "--threads", "1", "--quiet"])
    err = capsys.readouterr().err.strip()
    if status == 0:
        return  # read at one size, as train reads them: fine
    assert odd.name in err, err


def _example_bag(tmp_path) -> Path:
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.recordings.bag_writing import write_episode

    return write_episode(tmp_path / "franka_bag", load_example())


def _goal_png(tmp_path) -> Path:
    from vjepa_ros.example_episode import load_example
    from vjepa_ros.images import save_image_file

    return save_image_file(tmp_path / "goal.png", load_example().frames[-1])


SMALL_EVAL = ["--samples", "8", "--iterations", "1", "--topk", "2", "--landscape-points", "0",
              "--no-plots", "--quiet"]


def test_eval_refuses_goal_offset_with_a_goal_image(tmp_path, capsys):
    # --goal-offset N: "goal = frame this many steps later"; with --goal the goal is the image and
    # the offset does nothing, yet the run goes on and report.json says goal_offset N. Every
    # other command refuses an option the run would not use (run: "--refine-lr does nothing
    # while --refine-steps is 0"), naming it.
    out = tmp_path / "ev"
    status = main(["eval", str(_example_bag(tmp_path)), "--goal", str(_goal_png(tmp_path)),
                   "--goal-offset", "3", "--out", str(out), *SMALL_EVAL])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "--goal-offset" in err, (status, err)
    assert not out.exists()


def test_eval_refuses_no_gripper_with_a_gripper_topic(tmp_path, capsys):
    # --no-gripper: "the bag has no gripper state: closedness 0"; --gripper-topic T: read it from
    # T. Given both, eval reads T's closedness without a word: one of the two is ignored.
    out = tmp_path / "ev"
    status = main(["eval", str(_example_bag(tmp_path)), "--no-gripper", "--gripper-topic",
                   "/franka_gripper/joint_states", "--out", str(out), *SMALL_EVAL])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "--no-gripper" in err and "--gripper-topic" in err, (status, err)


def test_eval_receive_stamps_all_equal_names_the_cause(tmp_path, capsys):
    # A recorder on a stalled /clock (ros2 bag record --use-sim-time, simulator paused) or a
    # converter that stamps every message alike: every receive time is the same. With
    # --stamps receive (the advice eval itself gives for a camera on its own clock) eval
    # collapses the frames into one and says "its 0.00 s of frames with states give 1 step(s)
    # ... give a longer recording": the recording is long enough; its receive times are not
    # usable, and the header stamps are.
    def same_receive_time(entry, entries):
        entry[2] = entries[0][2]

    bag = rewritten_bag(_example_bag(tmp_path), tmp_path / "one_receive_time", same_receive_time)
    line = _one_line_error(capsys, ["eval", str(bag), "--stamps", "receive", "--out",
                                    str(tmp_path / "ev"), *SMALL_EVAL])
    assert "longer recording" not in line, line
    assert "--stamps header" in line or "receive time" in line, line


@pytest.mark.parametrize("topic", ["/camera/camera/color/image_raw",
                                   "/franka_robot_state_broadcaster/current_pose"])
def test_eval_frozen_header_stamps_name_the_topic_and_stamps_receive(tmp_path, capsys, topic):
    # Every message of one topic carries the first message's stamp (a driver that stamps once,
    # or copies a stale header). Unset stamps (0) fall back to the receive time with a note;
    # a frozen non-zero stamp collapses the topic into one instant and eval says the recording
    # is too short ("its 0.00 s of frames with states ... give a longer recording").
    def freeze(entry, entries):
        if entry[0] == topic:
            first = next(e for e in entries if e[0] == topic)[3].header.stamp
            entry[3].header.stamp.sec, entry[3].header.stamp.nanosec = first.sec, first.nanosec

    # Fixed (session 38) as unset stamps are: the topic is timed by receive times, with a note.
    bag = rewritten_bag(_example_bag(tmp_path), tmp_path / "frozen", freeze)
    assert main(["eval", str(bag), "--out", str(tmp_path / "ev"), *SMALL_EVAL]) == 0
    out = capsys.readouterr().out
    assert f"{topic}: header stamps stand still" in out, out
    assert "timed by when the recorder" in out, out


def test_train_frozen_camera_stamps_name_stamps_receive(tmp_path, capsys):
    # The same bag as above given to `vjepa-ros train`: "no 3 consecutive valid steps at 4 Hz
    # (longest run 1 of 1 steps; none dropped); leave BAG out" -- the recording holds 2 s of
    # frames at 4 Hz; only its camera's header stamps are unusable, and --stamps receive reads it.
    from vjepa_ros.eval.record import record_sim_bag

    topic = "/camera/camera/color/image_raw"

    def freeze(entry, entries):
        if entry[0] == topic:
            first = next(e for e in entries if e[0] == topic)[3].header.stamp
            entry[3].header.stamp.sec, entry[3].header.stamp.nanosec = first.sec, first.nanosec

    from vjepa_ros.sim.collector_config import CollectorConfig
    from vjepa_ros.sim.config import CameraConfig, SimConfig

    source, _ = record_sim_bag(tmp_path / "sim", seed=0,
                               sim_config=SimConfig(camera=CameraConfig(width=64, height=64)),
                               collector_config=CollectorConfig(frames=8))
    bag = rewritten_bag(source, tmp_path / "frozen", freeze)
    # Fixed (session 38): timed by receive times with a note, the 8 frames train.
    assert main(["train", "--data", str(bag), "--encoder", "demo", "--steps", "1",
                 "--batch-size", "2", "--frames-per-clip", "3", "--val-fraction", "0", "--quiet",
                 "--out", str(tmp_path / "run")]) == 0
    assert f"{topic}: header stamps stand still" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["eval", "demo"])
def test_a_seed_torch_cannot_take_is_refused_naming_seed(tmp_path, capsys, command):
    # train, pretrain, run and camera-check name the seed's range; eval and demo pass it to torch
    # and print torch's words (after reading the bag and loading the model).
    more = ([str(_example_bag(tmp_path)), "--out", str(tmp_path / "ev"), *SMALL_EVAL]
            if command == "eval" else [])
    line = _one_line_error(capsys, [command, *more, "--checkpoint", "demo", "--samples", "8",
                                    "--iterations", "1", "--topk", "2", "--seed", str(2 ** 64)])
    assert "--seed" in line, line


@pytest.mark.parametrize("option", ["--encoder-arg", "--predictor-arg"])
def test_a_head_count_against_the_files_config_is_refused_or_said(tmp_path, capsys, option):
    # The demo model records num_heads 3 (encoder) and 4 (predictor) in its config. Head count
    # changes no weight shape, so `eval --checkpoint demo --predictor-arg num_heads=8` loads the
    # same weights split into other heads: a different model, planned with silently (energies
    # 0.0578 instead of 0.0344 on a simulator bag). The options are for files that match no
    # preset and record no config (README, World model); against a recorded value they should be
    # refused, or at least said, naming num_heads.
    from vjepa_ros.models.checkpoint import read_checkpoint_file

    config = read_checkpoint_file(DEMO)["config"]
    key = "encoder" if option == "--encoder-arg" else "predictor"
    recorded = int(config[key]["num_heads"])
    other = 2 * recorded if key == "predictor" else 4  # both divide the width 192
    status = main(["eval", str(_example_bag(tmp_path)), "--checkpoint", "demo", option,
                   f"num_heads={other}", "--out", str(tmp_path / "ev"), *SMALL_EVAL])
    out = capsys.readouterr()
    said = [line for line in (out.out + out.err).splitlines() if "num_heads" in line]
    assert said, (status, out.out, out.err)


def test_two_publishers_on_the_pose_topic_are_refused_naming_it(tmp_path, capsys):
    # A second node publishes on current_pose with the header copied from the same source (e.g.
    # a flange pose and a TCP pose, or a simulator left running): every stamp carries two
    # different poses. eval reads the topic without a word (the simulator bag's plans changed:
    # a state 10 cm off was planned from), where the planner node names other publishers on its
    # topics.
    import copy

    topic = "/franka_robot_state_broadcaster/current_pose"

    def second_publisher(entry):
        if entry[0] != topic:
            return []
        other = copy.deepcopy(entry[3])
        other.pose.position.x += 0.10
        return [[topic, entry[1], entry[2] + 1000, other]]

    bag = rewritten_bag(_example_bag(tmp_path), tmp_path / "two_publishers",
                        extra=second_publisher)
    status = main(["eval", str(bag), "--out", str(tmp_path / "ev"), *SMALL_EVAL])
    err = capsys.readouterr().err.strip()
    assert status == 1 and topic in err, (status, err)


def test_a_joint_prefix_that_misses_the_fingers_is_named(tmp_path, capsys):
    # A Panda bag (panda_finger_joint1/2 on /franka_gripper/joint_states, states from the pose
    # topic) read with the FR3 setup's --joint-prefix fr3_: without --gripper-topic eval warns
    # "no gripper state in the bag ... name the topic with --gripper-topic" and reads closedness 0
    # throughout; with it, "it holds no finger joints (<prefix>finger_joint1/2)" -- it holds
    # two. The arm's joint path names the prefix ("--joint-prefix panda_ names none of them:
    # give --joint-prefix fr3_"); the finger path names neither the prefix nor the names there.
    line = _one_line_error(capsys, ["eval", str(_example_bag(tmp_path)), "--joint-prefix", "fr3_",
                                    "--gripper-topic", "/franka_gripper/joint_states", "--out",
                                    str(tmp_path / "ev"), *SMALL_EVAL])
    assert "--joint-prefix" in line and "panda_finger_joint1" in line, line


# test_eval_refuses_frames_the_planner_node_cannot_plan_on (16x16, 320x2): in test_fix38's
# test_eval_and_camera_check_refuse_frames_the_planner_node_refuses, with camera-check.


def test_train_encoder_key_refusal_names_the_option(tmp_path, capsys):
    # "--encoder ... has no 'target_encoder' entry; it has ['encoder']: choose it with
    # encoder_key='encoder' (the planner node: -p planner.model.encoder_key:=encoder)": the
    # command line's way, --encoder-key encoder, is not said.
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "episodes", 1, frames=6)
    line = _one_line_error(capsys, ["train", "--data", str(tmp_path / "episodes"), "--encoder",
                                    "demo", "--encoder-key", "target_encoder", "--steps", "1",
                                    "--val-fraction", "0", "--quiet", "--out",
                                    str(tmp_path / "run")])
    assert "--encoder-key encoder" in line, line


def test_two_cameras_on_the_image_topic_are_refused_naming_them(tmp_path, capsys):
    # Two RealSense drivers launched without their own namespaces both publish
    # /camera/camera/color/image_raw: the bag's camera topic interleaves two views, each frame's
    # header.frame_id naming its camera. eval (and train) take them as one camera; at --rate 8
    # a step plans from one camera's frame toward the other's (energies 1.06 instead of 0.03
    # on a simulator bag), with no note. The two frame_ids show it at once.
    import copy

    import numpy as np

    topic = "/camera/camera/color/image_raw"

    def second_camera(entry):
        from vjepa_ros.recordings import messages as m

        if entry[0] != topic:
            return []
        other = copy.deepcopy(entry[3])
        stamp = m.stamp_ns(entry[3].header) + 125_000_000
        other.header = m.make_header(stamp, "wrist_camera_color_optical_frame")
        other.data = (255 - np.asarray(entry[3].data)).astype(np.uint8)
        return [[topic, entry[1], entry[2] + 125_000_000, other]]

    bag = rewritten_bag(_example_bag(tmp_path), tmp_path / "two_cameras", extra=second_camera)
    status = main(["eval", str(bag), "--out", str(tmp_path / "ev"), *SMALL_EVAL])
    err = capsys.readouterr().err.strip()
    assert status == 1 and "wrist_camera_color_optical_frame" in err, (status, err)


def test_a_pose_topic_switching_frames_names_both(tmp_path, capsys):
    # The first half of current_pose in the arm's base frame, the rest in 'world' (a
    # republisher restarted with another frame). eval says "is in frame 'world' ... or name
    # the base frame with --base-frame world"; given that, "is in frame 'base' ... --base-frame
    # base": each advice refuses the other half. The topic changes frames; say so, with both.
    topic = "/franka_robot_state_broadcaster/current_pose"

    def switch_frame(entry, entries):
        poses = [e for e in entries if e[0] == topic]
        if entry[0] == topic and poses.index(entry) >= len(poses) // 2:
            entry[3].header.frame_id = "world"

    bag = rewritten_bag(_example_bag(tmp_path), tmp_path / "switch", switch_frame)
    first = _one_line_error(capsys, ["eval", str(bag), "--out", str(tmp_path / "ev"),
                                     *SMALL_EVAL])
    assert "'world'" in first and "'base'" in first, first
