"""breaker41c: the README read and run as a new user (session 41).

Each test is a strict xfail: it asserts what should happen, and fails until the defect is fixed.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.cli import main


def _png(path) -> str:
    """Write a 64x64 colour PNG at ``path``; return it as a string."""
    import cv2

    rng = np.random.default_rng(0)
    assert cv2.imwrite(str(path), rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    return str(path)


def test_image_publisher_config_refuses_an_encoding_it_cannot_publish():
    # README, Other nodes: `encoding` is `rgb8` or `bgr8`. ImagePublisherConfig.__post_init__
    # checks rate_hz, qos and transport, not encoding: -p encoding:=mono8 passes, and with
    # transport compressed (where the encoding is never used) the node runs and publishes
    # JPEG as if nothing were wrong; with raw frames the refusal comes only after the file
    # loaded, as "can only publish rgb8 or bgr8, not 'mono8'", naming no parameter.
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig

    with pytest.raises(ValueError, match="encoding"):
        ImagePublisherConfig(encoding="mono8")


def test_launch_refuses_a_bad_image_publisher_encoding_as_a_usage_error(tmp_path, capsys):
    # README, Every command: "a launch -p value of its type that the node refuses" exits 2 and
    # the line names its source (`vjepa-ros launch: camera: -p camera.stamp_source: ...`, as
    # -p image_publisher.qos:=x or transport:=x are). encoding:=mono8 got status 1 and
    # `vjepa-ros launch: image_publisher: can only publish rgb8 or bgr8, not 'mono8'`.
    goal = _png(tmp_path / "g.png")
    try:
        status = main(["launch", "--checkpoint", "demo", "--node", "image_publisher",
                       "-p", f"image_publisher.path:={goal}",
                       "-p", "image_publisher.encoding:=mono8"])
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert "-p image_publisher.encoding" in err, err


def test_a_topics_entry_not_in_the_bag_is_named_after_topics_not_bag(tmp_path, capsys):
    # `vjepa-ros launch --node bag_player -p bag_player.bag:=B -p bag_player.topics:=/x` said
    # `vjepa-ros launch: bag_player: -p bag_player.bag: B: topic(s) /x not in the bag (...)`
    # (and `ros2 run ... bag_player` `bag_player: -p bag: ...`): the bag is right, the value to
    # fix is topics. README: a start-up error "names the parameter as given, after the source
    # of its value", as `-p bag_player.topics` is named when it holds /clock.
    from vjepa_ros.recordings import write_bag

    bag = tmp_path / "bag"
    frames = np.zeros((2, 32, 32, 3), np.uint8)
    states = np.tile(np.array([0.4, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0]), (2, 1))
    write_bag(bag, frames, states)
    try:
        status = main(["launch", "--checkpoint", "demo", "--node", "bag_player",
                       "-p", f"bag_player.bag:={bag}", "-p", "bag_player.topics:=/x"])
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err.strip()
    assert status in (1, 2), err
    assert "-p bag_player.topics" in err and "-p bag_player.bag" not in err, err


def test_the_bag_player_executable_names_topics_for_a_topic_not_in_the_bag(tmp_path, capfd,
                                                                            monkeypatch):
    # `ros2 run vjepa_ros bag_player --ros-args -p bag:=B -p topics:=/x` said `bag_player: -p
    # bag: ...`: the bag's path (.../bag) and the words "the bag" were read as naming `bag`.
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    from vjepa_ros.nodes import node_runner
    from vjepa_ros.nodes.bag_player import BagPlayer
    from vjepa_ros.recordings import write_bag

    bag = tmp_path / "bag"
    write_bag(bag, np.zeros((2, 32, 32, 3), np.uint8),
              np.tile(np.array([0.4, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0]), (2, 1)))
    monkeypatch.setattr(node_runner, "use_camera_profile", lambda: "")
    code = node_runner.run_node(BagPlayer, ["bag_player", "--ros-args", "-p", f"bag:={bag}",
                                            "-p", "topics:=/x,/y"])
    err = capfd.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith("bag_player: -p topics: parameter 'topics' names /x, /y, which "), err
    assert "-p bag" not in err and "/camera/camera/color/image_raw" in err, err


def test_a_path_or_topic_does_not_name_a_parameter_of_its_last_part():
    from vjepa_ros.nodes.param_sources import named

    names = ["bag", "clock", "topics"]
    assert named("/data/bag: cannot read", names) == []
    assert named("camera.width/height must be 32..1024 px", ["camera.width"]) == ["camera.width"]
    assert named("topics names /clock while clock:=true", names) == ["topics", "clock"]
    assert named("parameter 'bag' is empty", names) == ["bag"]


@pytest.mark.parametrize("argv, file_text, named", [
    # config/reach_demo.yaml has no gripper_clip: its 0.75 is the default (fix41c: it was
    # "gripper_clip of config/reach_demo.yaml (0.75)", a key that file does not hold)
    (["run", "--task", "grasp", "--gripper-round-threshold", "0.8"], None,
     "gripper_clip (0.75, the default: config/reach_demo.yaml does not set it)"),
    # a --config file: its own value is named after it, dotted or in its section; one it leaves
    # out is the default
    (["reach", "--samples", "5"], "planner:\n  iterations: 3\n",
     "topk (10, the default: CONFIG does not set it) must be less than --samples (5)"),
    (["reach", "--samples", "3"], "planner.topk: 4\n",
     "topk of CONFIG (4) must be less than --samples (3)"),
])
def test_a_setting_a_file_does_not_hold_is_named_the_default_not_the_files(
        argv, file_text, named, tmp_path, capsys):
    config = tmp_path / "reach.yaml"
    if file_text is not None:
        config.write_text(file_text)
        argv = [*argv, "--config", str(config), "--out", str(tmp_path / "out")]
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code
    err = capsys.readouterr().err.strip()
    assert status == 2 and "\n" not in err, err
    assert named.replace("CONFIG", str(config)) in err, err
    assert not (tmp_path / "out").exists()
