"""user57u: ``launch --checkpoint run/world_model.pt --node sim`` renders at the model's size.

A model ``vjepa-ros train`` wrote records its frames' [height, width] (``config.data.
frame_sizes``); the sim got ``config/sim.yaml``'s 256 px for any model but the packaged demo,
and the planner warned of frames not of the trained size. Now every model that records a size
sizes the sim (unless ``-p sim.camera.*`` is given), and the start line says so; one that
records none (the official files) leaves the sim's 256 px.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vjepa_ros.models import build_encoder, build_predictor, load_world_model, save_world_model
from vjepa_ros.models.errors import CheckpointError
from vjepa_ros.nodes.launch_inputs import size_sim_for_model
from vjepa_ros.nodes.node_launch import NodeLaunch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def parts():
    torch.manual_seed(0)
    return (build_encoder(img_size=64, embed_dim=64, depth=1, num_heads=2),
            build_predictor(img_size=64, embed_dim=64, predictor_embed_dim=64, depth=1,
                            num_heads=2))


def _nodes(**sim_parameters):
    return [NodeLaunch("planner"), NodeLaunch("sim", parameters=dict(sim_parameters))]


@pytest.mark.parametrize("sizes, expected, which", [
    ([[96, 160]], (160, 96), "recorded frame size 160x96"),  # width and height apart
    ([[256, 256]], (256, 256), "recorded frame size 256x256"),  # sim.yaml's own: said too
    ([[120, 160], [240, 320]], (160, 120), "first of 2 recorded frame sizes 160x120"),
])
def test_a_trained_model_gives_the_sim_its_recorded_frame_size(tmp_path, parts, sizes,
                                                               expected, which):
    path = save_world_model(tmp_path / "world_model.pt", *parts, data={"frame_sizes": sizes})
    nodes = _nodes()
    note = size_sim_for_model(nodes, str(path), "--checkpoint")
    sim = nodes[1]
    assert (sim.parameters["camera.width"], sim.parameters["camera.height"]) == expected
    assert sim.sources()["camera.height"] == f"--checkpoint (world_model.pt's {which})"
    assert note.startswith(f"sim renders {expected[0]}x{expected[1]}, the "), note
    assert "world_model.pt" in note and "-p sim.camera.width" in note


def test_a_model_without_recorded_sizes_keeps_the_sims_file(tmp_path, parts):
    path = save_world_model(tmp_path / "official.pt", *parts)  # config without data
    nodes = _nodes()
    assert size_sim_for_model(nodes, str(path), "--checkpoint") == ""
    assert nodes[1].parameters == {}
    bare = save_world_model(tmp_path / "bare.pt", *parts, config=False)  # no config at all
    assert size_sim_for_model(nodes, str(bare), "--checkpoint") == ""


def test_a_size_given_wins_and_no_sim_reads_no_file(tmp_path, parts):
    path = save_world_model(tmp_path / "m.pt", *parts, data={"frame_sizes": [[96, 96]]})
    nodes = _nodes(**{"camera.width": 320, "camera.height": 200})  # (one alone: test_fix59g)
    assert size_sim_for_model(nodes, str(path), "--checkpoint") == ""
    assert nodes[1].parameters == {"camera.width": 320, "camera.height": 200}
    broken = tmp_path / "broken.pt"
    broken.write_text("not a model")
    assert size_sim_for_model([NodeLaunch("planner")], str(broken), "--checkpoint") == ""


@pytest.mark.parametrize("content", [b"not a model", b"PK\x03\x04 truncated", b""])
def test_a_file_that_is_no_checkpoint_is_left_to_the_planner_without_torch(tmp_path, content):
    """The planner refuses it as it loads; a refused -p comes first, torch unloaded."""
    broken = tmp_path / "broken.pt"
    broken.write_bytes(content)
    nodes = _nodes()
    assert size_sim_for_model(nodes, str(broken), "--checkpoint") == ""
    assert nodes[1].parameters == {}


def test_a_malformed_size_record_is_left_to_the_planner(tmp_path, parts):
    path = save_world_model(tmp_path / "m.pt", *parts, data={"frame_sizes": [[0, 128]]})
    with pytest.raises(CheckpointError, match="frame_sizes"):  # what the planner will say
        load_world_model(path)
    nodes = _nodes()
    assert size_sim_for_model(nodes, str(path), "--checkpoint") == ""


def test_the_record_is_read_without_torch(tmp_path, parts):
    path = save_world_model(tmp_path / "m.pt", *parts, data={"frame_sizes": [[96, 160]]})
    code = ("import sys; from vjepa_ros.nodes.launch_inputs import size_sim_for_model; "
            "from vjepa_ros.nodes.node_launch import NodeLaunch; "
            "n = [NodeLaunch('sim')]; print(size_sim_for_model(n, sys.argv[1], '--checkpoint')); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout.splitlines()
    assert out == [out[0], "False"] and out[0].startswith("sim renders 160x96"), out


@pytest.mark.parametrize("recorded", [(20, 2000), (32, 1024), (1000, 33), (32, 129)])
def test_a_recorded_shape_no_plan_takes_leaves_the_sim_s_size(tmp_path, parts, recorded):
    """fix59e: a recorded frame size more than 4:1 (``image_limits.camera_shape_problem``).

    Before: it was scaled and clamped into the simulator's range (2000x20 -> 1024x32) and given
    to sim_node, which now refuses that shape at start (``SimConfig.check``), or rendered frames
    the planner refuses every one of. Now the sim keeps its configured size and the note says why.
    """
    from vjepa_ros.sim.config import SimConfig

    path = save_world_model(tmp_path / "wm.pt", *parts, data={"frame_sizes": [list(recorded)]})
    nodes = _nodes()
    note = size_sim_for_model(nodes, str(path), "--checkpoint")
    sim = nodes[1]
    assert not {"camera.width", "camera.height"} & set(sim.parameters), sim.parameters
    assert note.startswith("sim keeps its camera size: wm.pt's recorded frame size "
                           f"{recorded[1]}x{recorded[0]} has its long side more than 4 "
                           "times"), note
    assert "-p sim.camera.width:=W -p sim.camera.height:=H" in note
    SimConfig().check()  # the size it keeps starts


@pytest.mark.parametrize("recorded, expected", [
    ((720, 1280), (576, 1024)),  # RealSense 1280x720 bags: 16:9 kept
    ((1080, 1920), (576, 1024)),
    ((1280, 720), (1024, 576)),  # a portrait camera
    ((16, 16), (32, 32)),  # blob bags' 16 px
    ((12, 20), (32, 53)),
    ((32, 128), (32, 128)),  # the range's low end at the 4:1 limit: as recorded
    ((256, 1024), (256, 1024)),  # its high end at 4:1
])
def test_a_recorded_size_outside_the_simulator_s_range_is_scaled_into_it(
        tmp_path, parts, recorded, expected):
    from vjepa_ros.sim.config import CAMERA_SIZE_PX, SimConfig

    path = save_world_model(tmp_path / "wm.pt", *parts, data={"frame_sizes": [list(recorded)]})
    nodes = _nodes()
    note = size_sim_for_model(nodes, str(path), "--checkpoint")
    sim = nodes[1]
    assert (sim.parameters["camera.height"], sim.parameters["camera.width"]) == expected
    low, high = CAMERA_SIZE_PX
    config = SimConfig()  # the node's own check accepts the size
    config.camera.width, config.camera.height = expected[1], expected[0]
    config.check()
    recorded_text = f"{recorded[1]}x{recorded[0]}"
    if expected == recorded:
        assert "scaled" not in note, note
    else:
        assert f"({recorded_text}) scaled into the simulator's {low}..{high} px" in note, note
        assert "-p sim.camera.width:=W -p sim.camera.height:=H" in note, note
        assert sim.sources()["camera.width"].endswith(f"{recorded_text} scaled into the "
                                                      f"simulator's {low}..{high} px)")
