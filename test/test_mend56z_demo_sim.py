"""mend56z: ``vjepa-ros launch --checkpoint demo --node sim`` renders at the demo model's size.

The sim's ``config/sim.yaml`` renders 256 px, the packaged demo model was trained on 128 px
renders: the planner warned at every such start. Now the sim gets 128x128 where the checkpoint is
the packaged demo's file and no ``-p sim.camera.width``/``height`` is given, with a label saying
why; a size given leaves the sim as it was (any trained model: test_user57u_sim_size.py; one
side alone is refused: test_fix59g.py).
"""

import pytest

from vjepa_ros.nodes.launch_inputs import size_sim_for_model
from vjepa_ros.nodes.node_launch import NodeLaunch
from vjepa_ros.sim.reach_config import demo_model_path


def _nodes(**sim_parameters):
    return [NodeLaunch("planner"), NodeLaunch("sim", parameters=dict(sim_parameters))]


@pytest.mark.parametrize("source", ["--checkpoint", "-p planner.model.checkpoint"])
def test_the_demo_checkpoint_gives_the_sim_its_frame_size_with_a_label(source):
    nodes = _nodes()
    note = size_sim_for_model(nodes, str(demo_model_path()), source)
    sim = nodes[1]
    assert (sim.parameters["camera.width"], sim.parameters["camera.height"]) == (128, 128)
    assert sim.sources()["camera.width"] == (
        f"{source} (demo_world_model.pt's recorded frame size 128x128)")
    assert note.startswith("sim renders 128x128, the recorded frame size of demo_world_model.pt")
    assert nodes[0].parameters == {}  # the planner untouched


def test_the_demo_file_named_through_another_path_is_the_demo(tmp_path):
    link = tmp_path / "demo.pt"
    link.symlink_to(demo_model_path())
    nodes = _nodes()
    size_sim_for_model(nodes, str(link), "--checkpoint")
    assert nodes[1].parameters["camera.height"] == 128


@pytest.mark.parametrize("given", [{"camera.width": 320, "camera.height": 240},
                                   {"camera.width": 256, "camera.height": 256}])
def test_a_size_the_user_gave_is_kept(given):
    nodes = _nodes(**given)
    size_sim_for_model(nodes, str(demo_model_path()), "--checkpoint")
    assert nodes[1].parameters == given


def test_a_path_that_is_no_file_leaves_the_sim_as_its_file_says(tmp_path):
    nodes = _nodes()
    assert size_sim_for_model(nodes, str(tmp_path / "vjepa2-ac-vitg.pt"), "--checkpoint") == ""
    assert nodes[1].parameters == {} and "camera.width" not in nodes[1].labels


def test_no_sim_no_change():
    nodes = [NodeLaunch("planner")]
    size_sim_for_model(nodes, str(demo_model_path()), "--checkpoint")
    assert nodes[0].parameters == {}
