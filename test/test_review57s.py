"""review57s: what the second read of fix57b..mend57r found, as strict xfails (no ROS)."""

import pytest
from test_launch_node_wiring import DEMO_MODEL, started  # noqa: F401 - the fixture

from conftest import write_test_bag


@pytest.mark.parametrize("other", [["--node", "sim"], ["--camera"]], ids=["sim", "camera"])
def test_a_bag_player_replaying_the_planner_s_inputs_beside_a_live_source_is_refused(
        started, capsys, tmp_path, other):  # noqa: F811
    """The bag and the simulator / camera node would both publish the planner's camera images.

    The bag's topics are BagTopics' defaults: the planner's default camera and joint states.
    """
    from vjepa_ros.cli import main

    bag = write_test_bag(tmp_path / "bag")
    code = main(["launch", "--checkpoint", str(DEMO_MODEL), *other, "--node", "bag_player",
                 "-p", f"bag_player.bag:={bag}"])
    err = capsys.readouterr().err
    assert "nodes" not in started and code == 2, err
    assert "bag_player" in err and "camera images" in err, err


@pytest.mark.parametrize("size", [[720, 1280], [16, 16]], ids=["1280x720", "16px"])
def test_a_recorded_frame_size_outside_the_simulator_s_range_never_stops_the_launch(
        started, tmp_path, size):  # noqa: F811
    """The simulator renders within its range (its default, or the size scaled into it)."""
    import torch

    from vjepa_ros.cli import main
    from vjepa_ros.sim.config import CAMERA_SIZE_PX

    model = tmp_path / "wm.pt"
    torch.save({"encoder": {}, "predictor": {}, "config": {"data": {"frame_sizes": [size]}}},
               model)
    main(["launch", "--checkpoint", str(model), "--node", "sim"])
    sim = started["nodes"][1]
    low, high = CAMERA_SIZE_PX
    for name in ("camera.width", "camera.height"):
        assert low <= sim.parameters.get(name, 256) <= high, sim.parameters
