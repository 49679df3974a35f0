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


def test_a_compressed_goal_image_publisher_is_refused_before_launch(started, capsys):
    from vjepa_ros.cli import main

    code = main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "image_publisher",
                 "-p", "image_publisher.path:=g.png",
                 "-p", "image_publisher.transport:=compressed"])
    assert "nodes" not in started, "started a goal publisher the planner cannot hear"
    assert code == 2 and "transport" in capsys.readouterr().err


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
