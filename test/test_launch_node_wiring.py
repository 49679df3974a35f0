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
