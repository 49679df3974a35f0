"""breaker37: defects found in bench_compiled_agreement.py and the listed-publisher window.

Each test reproduces a reported defect and fails on the code it was found on (strict xfail).
"""

from pathlib import Path

import numpy as np
import pytest

from benchmarks import bench_compiled_agreement as bench  # repository root on sys.path: conftest
from vjepa_ros.recordings.episode import Episode
from vjepa_ros.robot.publisher_window import PublisherWindow, crowd_problem

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "vjepa_ros" / "data" / "franka_example_traj.npz"
SMALL = ["--scenes", "1", "--goal-frame", "1", "--device", "cpu", "--samples", "8",
         "--iterations", "1", "--topk", "2", "--no-paper-size", "--variants", "eager-bf16"]


def _folder(tmp_path, **arrays) -> Path:
    """Return a folder holding one episode .npz of ``arrays`` (np.savez: any layout, dtype)."""
    folder = tmp_path / "episodes"
    folder.mkdir()
    np.savez(folder / "episode_000000.npz", **arrays)
    return folder


def _refused(capsys, argv, *words):
    """Assert ``argv`` ends in one ``error:`` line (exit status 2) holding ``words``."""
    with pytest.raises(SystemExit) as exit_info:
        bench.main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error:" in err, err
    for word in words:
        assert word in err, err


def _example():
    episode = Episode.load(EXAMPLE)
    return episode.frames[None], episode.states[None]  # [1, T, H, W, 3], [1, T, 7]


@pytest.mark.parametrize("kind", ["float 0..1", "int64"])
def test_bench_refuses_observations_that_are_no_uint8_rgb_frames_in_one_line(
        tmp_path, capsys, kind):
    frames, states = _example()
    frames = {"float 0..1": frames.astype(np.float32) / 255,
              "int64": frames.astype(np.int64)}[kind]
    folder = _folder(tmp_path, observations=frames, states=states)
    _refused(capsys, ["--episodes", str(folder), "--out", str(tmp_path / "o"), *SMALL],
             "episode_000000.npz")


def test_rgba_observations_are_read_as_their_rgb_frames(tmp_path):
    # fix55a: every .npz reader drops an alpha channel (what pybullet's getCameraImage returns),
    # as the bag decoder does for rgba8; this test refused RGBA before that rule
    frames, states = _example()
    folder = _folder(tmp_path, observations=np.concatenate([frames, frames[..., :1]], -1),
                     states=states)
    episode = Episode.load(folder / "episode_000000.npz")
    assert np.array_equal(episode.frames, frames[0])


def test_grey_observations_without_a_channel_axis_are_read_as_grey_rgb_frames(tmp_path):
    # m56t: every .npz reader reads grey saved without its channel axis ([1, T, H, W]) as grey
    # [T, H, W, 1], repeated into RGB as the bag decoder does for mono8 (refused before)
    frames, states = _example()
    grey = frames[..., 0]
    episode = Episode.load(_folder(tmp_path, observations=grey, states=states)
                           / "episode_000000.npz")
    assert np.array_equal(episode.frames, np.repeat(grey[0][..., None], 3, axis=-1))


def test_bench_reads_or_refuses_an_unbatched_episode(tmp_path, capsys):
    # Episode.load (and so training, demo --episode) reads [T, H, W, 3] / [T, 7] as well as
    # the published [1, T, ...]: the benchmark took observations[0] (one frame) as the episode
    frames, states = _example()
    folder = _folder(tmp_path, observations=frames[0], states=states[0])
    out = tmp_path / "o"
    try:
        assert bench.main(["--episodes", str(folder), "--out", str(out), *SMALL]) == 0
    except SystemExit as exc:  # or refused in one line, naming the file
        assert exc.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "episode_000000.npz" in err, err


@pytest.mark.parametrize("kind", ["no states", "3 wide", "nan", "strings", "0-d observations"])
def test_bench_refuses_bad_states_in_one_line(tmp_path, capsys, kind):
    frames, states = _example()
    arrays = {
        "no states": dict(observations=frames, states=np.zeros((1, 0, 7), np.float32)),
        "3 wide": dict(observations=frames, states=states[..., :3]),
        "nan": dict(observations=frames, states=np.full_like(states, np.nan)),
        "strings": dict(observations=frames, states=np.array([[["a"] * 7] * 2])),
        "0-d observations": dict(observations=np.array(5), states=states),
    }[kind]
    folder = _folder(tmp_path, **arrays)
    _refused(capsys, ["--episodes", str(folder), "--out", str(tmp_path / "o"), *SMALL],
             "episode_000000.npz")


@pytest.mark.parametrize("options, word", [
    (["--samples", "0"], "--samples"),
    (["--samples", "8", "--topk", "20"], "--topk"),
    (["--topk", "0"], "--topk"),
    (["--iterations", "0"], "--iterations"),
    (["--maxnorm", "0"], "--maxnorm"),
    (["--maxnorm", "nan"], "--maxnorm"),
    (["--samples", "1000", "--topk", "900", "--paper"], "--topk"),  # fits S 1000, not S 800
])
def test_bench_refuses_bad_cem_options_in_one_line(tmp_path, capsys, options, word):
    folder = tmp_path / "episodes"
    Episode.load(EXAMPLE).save(folder / "episode_000000.npz")
    argv = ["--episodes", str(folder), "--out", str(tmp_path / "o"), *SMALL]
    if options[-1] == "--paper":  # the S 800 I 10 settings on: --no-paper-size left out
        options = options[:-1]
        argv.remove("--no-paper-size")
    _refused(capsys, argv + options, word)


@pytest.mark.parametrize("options, word", [
    (["--device", "bogus"], "--device"),
    (["--checkpoint", "MISSING"], "--checkpoint"),
    (["--checkpoint", "NOT_A_MODEL"], "--checkpoint"),
    (["--backend", "bogus", "--variants", "compiled-fp32"], "--backend"),
])
def test_bench_refuses_a_bad_device_checkpoint_or_backend_in_one_line(
        tmp_path, capsys, options, word):
    folder = tmp_path / "episodes"
    Episode.load(EXAMPLE).save(folder / "episode_000000.npz")
    (tmp_path / "not_a_model.pt").write_text("hello")
    given = {"MISSING": str(tmp_path / "missing.pt"),
             "NOT_A_MODEL": str(tmp_path / "not_a_model.pt")}
    options = [given.get(option, option) for option in options]
    _refused(capsys, ["--episodes", str(folder), "--out", str(tmp_path / "o"), *SMALL,
                             *options], word)


def test_bench_refuses_an_out_folder_whose_result_name_is_a_folder_before_running(
        tmp_path, capsys):
    folder = tmp_path / "episodes"
    Episode.load(EXAMPLE).save(folder / "episode_000000.npz")
    out = tmp_path / "o"
    (out / "compiled_agreement.json").mkdir(parents=True)
    _refused(capsys, ["--episodes", str(folder), "--out", str(out), *SMALL],
             "compiled_agreement.json")


def test_the_crowd_line_does_not_say_within_1_s_of_a_publisher_silent_for_longer():
    gids = {"driver": b"\x01" * 16, "second": b"\x02" * 16}
    window = PublisherWindow(1.0, gids.get)
    window.set_listed(gids.values())
    window.saw("second", 0.0)
    line = crowd_problem(window, "driver", 5.0, "camera images on /cam")
    assert line.startswith("camera images on /cam come from 2 publishers"), line
    # the second has sent nothing for 5 s: it is counted because the graph lists it, and the
    # line sends the user looking for two publishers that both send (ros2 topic hz shows one)
    assert "within 1 s" not in line, line


def test_shadow_mode_plans_on_a_replay_relayed_onto_the_camera_beside_an_idle_live_camera(
        tmp_path):
    # The session-37 rule: while a bag player publishes the inputs the 1 s window alone decides,
    # "so shadow mode plans on the replay beside an idle live driver". A player behind a relay
    # (image_transport republish, topic_tools relay) is a bag player of the camera too
    # (recorded_inputs names it), but its gids are the upstream topic's: the exemption is off,
    # the idle live camera stays counted while listed and every relayed frame is refused.
    # Before session 37 (the window alone) shadow mode planned on it within seconds.
    import time

    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    import rclpy
    import torch
    from planner_harness import Harness, frame
    from rclpy.qos import qos_profile_sensor_data
    from sensor_msgs.msg import Image

    from vjepa_ros.images import rgb_to_image_fields
    from vjepa_ros.models import build_encoder, build_predictor, save_world_model
    from vjepa_ros.nodes.publisher_ids import gives_publisher_ids

    if not gives_publisher_ids():
        pytest.skip("this rclpy gives no publisher ids (Humble, Iron)")
    torch.manual_seed(0)
    checkpoint = str(save_world_model(
        tmp_path / "tiny.pt", build_encoder(img_size=64, embed_dim=64, depth=1, num_heads=2),
        build_predictor(img_size=64, embed_dim=64, predictor_embed_dim=64, depth=1,
                        num_heads=2)))
    h = Harness(checkpoint)
    player = relay = None
    try:
        assert h.pump(2.0, until=lambda: h.session.frame is not None)
        assert h.capture().success and h.enable().success
        assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= 3)
        assert h.enable(False).success  # shadow mode: replay the bag beside the idle robot
        player = rclpy.create_node("rosbag2_player", context=h.context)
        relay = rclpy.create_node("image_republisher", context=h.context)
        bag = player.create_publisher(Image, "/bag/image", qos_profile_sensor_data)
        relay.create_subscription(Image, "/bag/image", lambda msg: None, qos_profile_sensor_data)
        relayed = relay.create_publisher(Image, "/cam/image", qos_profile_sensor_data)
        h.extra = [(bag, Image(**rgb_to_image_fields(frame(78)))),
                   (relayed, Image(**rgb_to_image_fields(frame(77))))]
        h.pump(3.0, image=None)  # the live camera is idle (but listed) from now on
        assert "/image_republisher (relaying /bag/image from /rosbag2_player)" in \
            h.diagnostics()[1]["blocking"], "the planner knows the camera is a relayed replay"
        reports = len(h.got["report"])
        end = time.monotonic() + 8.0
        while time.monotonic() < end and len(h.got["report"]) < reports + 2:
            h.pump(0.5, image=None)
        assert len(h.got["report"]) >= reports + 2, h.diagnostics()[1]["refusal"]
    finally:
        for node in (player, relay):
            if node is not None:
                node.destroy_node()
        h.close()
