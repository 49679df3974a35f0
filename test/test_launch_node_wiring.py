"""What ``vjepa-ros launch`` wires between the nodes it starts with the planner (no ROS)."""

from pathlib import Path

import pytest

DEMO_MODEL = Path(__file__).resolve().parent.parent / "vjepa_ros" / "data" / "demo_world_model.pt"


@pytest.fixture
def started(monkeypatch):
    """Capture the nodes ``launch`` would start instead of starting them: ``started["nodes"]``."""
    from vjepa_ros.nodes import launcher

    captured = {}

    def fake_launch(nodes, use_sim_time=False, **kwargs):
        captured.update(nodes=nodes)
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    return captured


def test_an_image_publisher_as_a_stand_in_camera_feeds_the_planner_s_camera_topic(started):
    """With qos sensor_data: the camera the planner hears (raw or compressed), not its goal."""
    from vjepa_ros.cli import main

    main(["launch", "--checkpoint", str(DEMO_MODEL), "--camera-topic", "/cam/rgb", "--node",
          "image_publisher", "--node", "image_publisher", "-p", "image_publisher.path:=g.png",
          "-p", "image_publisher.qos:=sensor_data"])
    names = [node.name for node in started["nodes"]]
    assert names == ["planner", "image_publisher"], names
    assert started["nodes"][1].remappings == {"image": "/cam/rgb", "image/compressed": "/cam/rgb"}


# review31: an image publisher the planner could not hear is refused before launch


def test_a_compressed_goal_image_publisher_goes_to_the_planners_compressed_goal_topic(
        started):
    """A compressed goal goes to ``~/goal_image/compressed``, beside the raw goal topic.

    Refused before breaker60d #1 (review31's rule, stale since the planner hears it).
    """
    from vjepa_ros.cli import main

    main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "image_publisher",
          "-p", "image_publisher.path:=g.png", "-p", "image_publisher.transport:=compressed"])
    assert started["nodes"][1].remappings == {
        "image": "/vjepa_planner/goal_image",
        "image/compressed": "/vjepa_planner/goal_image/compressed"}


def test_a_stand_in_camera_publishes_the_type_the_planner_takes(started):
    from vjepa_ros.cli import main

    code = main(["launch", "--checkpoint", str(DEMO_MODEL), "--camera-topic", "/cam/rgb",
                 "--image-transport", "compressed", "--node", "image_publisher",
                 "-p", "image_publisher.path:=g.png", "-p", "image_publisher.qos:=sensor_data"])
    if "nodes" not in started:  # refused: a usage error naming the transports
        assert code == 2
    else:
        publisher = started["nodes"][1]
        assert publisher.parameters.get("transport") == "compressed", publisher.parameters


@pytest.mark.parametrize("transport, code", [("raw", 2), ("compressed", None)])
def test_a_stand_in_cameras_own_transport_must_be_the_planners(started, capsys, transport,
                                                                code):
    from vjepa_ros.cli import main

    status = main(["launch", "--checkpoint", str(DEMO_MODEL), "--image-transport", "compressed",
                   "--node", "image_publisher", "-p", "image_publisher.path:=g.png",
                   "-p", "image_publisher.qos:=sensor_data",
                   "-p", f"image_publisher.transport:={transport}"])
    if code is None:  # the same transport: started (here: captured)
        assert started["nodes"][1].parameters["transport"] == "compressed"
    else:
        assert status == code and "nodes" not in started
        assert "--image-transport compressed" in capsys.readouterr().err


# breaker57f: a camera or simulator started with the planner is on the planner's topics


def test_a_simulator_follows_every_topic_option_relative_and_private_names_too(started):
    from vjepa_ros.cli import main

    main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim",
          "--camera-topic", "lab/cam/image_raw", "--target-topic", "~/target",
          "--joint-states-topic", "/franka/joint_states", "--gripper-topic", "gripper"])
    sim = started["nodes"][1]
    assert sim.remappings == {
        "goal_image": "/vjepa_planner/goal_image",
        "camera/camera/color/image_raw": "/lab/cam/image_raw",  # relative: the planner's (/)
        "camera/camera/color/camera_info": "/lab/cam/camera_info",  # beside its image
        "target_pose": "/vjepa_planner/target",  # the planner's own ~/target
        "joint_states": "/franka/joint_states", "gripper_command": "/gripper"}


@pytest.mark.parametrize("how", [["--camera"], ["--node", "camera"]])
def test_a_camera_publishes_on_the_planner_s_camera_topic_and_info_beside_it(started, how):
    from vjepa_ros.cli import main

    main(["launch", "--checkpoint", str(DEMO_MODEL), *how, "--camera-topic", "cam/rgb"])
    camera = next(node for node in started["nodes"] if node.name == "camera")
    assert camera.remappings == {"~/color/image_raw": "/cam/rgb",
                                 "~/color/camera_info": "/cam/camera_info"}


@pytest.mark.parametrize("started_by", [["--camera"], ["--node", "sim"]])
@pytest.mark.parametrize("transport, named", [
    (["--image-transport", "compressed"], "with --image-transport compressed"),
    (["-p", "planner.image_transport:=compressed"],
     "the planner's image_transport compressed (-p planner.image_transport)"),
    (["--params-file", "LAB"], "the planner's image_transport compressed (--params-file LAB)"),
])
def test_a_raw_publisher_beside_a_planner_on_compressed_images_is_refused(
        started, capsys, tmp_path, monkeypatch, started_by, transport, named):
    from vjepa_ros.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "LAB").write_text("/**:\n  ros__parameters:\n    image_transport: compressed\n")
    status = main(["launch", "--checkpoint", str(DEMO_MODEL), *started_by, *transport])
    err = capsys.readouterr().err.strip()
    assert status == 2 and "nodes" not in started, err
    assert err.startswith(f"vjepa-ros launch: {' '.join(started_by)} ") and named in err, err
    assert "publishes raw sensor_msgs/Image only" in err and "\n" not in err


def test_the_launch_file_camera_is_on_camera_topic_in_the_planner_s_namespace(monkeypatch):
    from test_launch_file_arguments import nodes

    for given, image in [({}, "/camera/camera/color/image_raw"),
                         ({"camera_topic": "/lab/cam/image_raw"}, "/lab/cam/image_raw"),
                         ({"camera_topic": "cam/image", "namespace": "arm1"}, "/arm1/cam/image"),
                         ({"camera_topic": "cam/image", "ros_namespace": "/lab"},
                          "/lab/cam/image")]:
        camera = nodes(monkeypatch, camera="true", **given)["camera_node"]
        assert dict(camera["remappings"]) == {
            "~/color/image_raw": image,
            "~/color/camera_info": image.rpartition("/")[0] + "/camera_info"}, given


def test_the_launch_file_refuses_its_camera_beside_compressed_images(monkeypatch, tmp_path):
    from test_launch_file_arguments import nodes

    from vjepa_ros.config import UsageError

    with pytest.raises(UsageError, match="^camera:=true with image_transport:=compressed: "):
        nodes(monkeypatch, camera="True", image_transport="compressed")
    lab = tmp_path / "lab.yaml"
    lab.write_text("vjepa_planner:\n  ros__parameters:\n    image_transport: compressed\n")
    with pytest.raises(UsageError, match=f"compressed \\(params_file {lab}\\): the node it "):
        nodes(monkeypatch, camera="1", params_file=str(lab))
    started = nodes(monkeypatch, params_file=str(lab))  # no camera: nothing to refuse
    assert set(started) == {"planner_node", "camera_node"}
