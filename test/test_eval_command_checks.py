"""`vjepa-ros eval` as a first user meets it: what it says before it works, and when it refuses.

Too short a bag for the settings names the option before the model loads; notes on the input come
before the results; costly CPU planning is said up front; a second run into the same --out never
replaces another bag's report; memory that the steps' representations would outgrow is refused.
"""

import json
import shutil

import pytest
import torch

from conftest import SHARED_DATA, write_test_bag
from vjepa_ros.cli import main
from vjepa_ros.models import WorldModel, build_encoder, build_predictor, save_world_model
from vjepa_ros.planning import preset

pytestmark = pytest.mark.usefixtures("one_thread")

FIELD = SHARED_DATA / "field"
FAST = ["--samples", "12", "--iterations", "1", "--landscape-points", "0", "--quiet"]


def _tiny_model():
    torch.manual_seed(0)
    size = dict(img_size=64, embed_dim=32, depth=1, num_heads=2)
    return WorldModel(build_encoder(**size), build_predictor(predictor_embed_dim=32, **size),
                      "cpu", torch.float32)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.pt"
    model = _tiny_model()
    save_world_model(path, model.encoder, model.predictor)
    return str(path)


def _eval(capsys, *argv):
    code = main(["eval", *argv])
    printed = capsys.readouterr()
    return code, printed.out, printed.err.strip()


@pytest.mark.parametrize("option, fix", [
    (["--goal-offset", "100000"], "(--goal-offset 100000); give a --goal-offset of at most 5, or "
     "a longer recording"),
    (["--rate", "0.1"], "give 1 step(s) at --rate 0.1, and a step is evaluated only with 1 more "
     "after it (the planner horizon --horizon 1); give a --rate of at least 0.81, or a longer"),
])
def test_a_bag_too_short_for_the_settings_names_the_option_before_the_model_loads(
        option, fix, capsys, tmp_path):
    code, out, err = _eval(capsys, str(FIELD / "camera-8uc3"), "--checkpoint", "demo",
                           "--out", str(tmp_path / "out"), *option)
    assert code == 1 and "\n" not in err
    assert "shorter than these settings need: its 1.25 s of frames with states" in err, err
    assert fix in err, err
    assert "world model" not in out, "refused before the model is loaded"


def test_notes_on_a_damaged_bag_come_before_the_results_and_stay_in_the_report(
        capsys, tmp_path, checkpoint):
    bag = tmp_path / "cut"
    shutil.copytree(FIELD / "camera-8uc3", bag)
    for file in bag.iterdir():
        file.chmod(0o644)
    with (bag / "bag-8uc3.mcap").open("r+b") as data:
        data.truncate(45000)
    code, out, err = _eval(capsys, str(bag), "--checkpoint", checkpoint,
                           "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    damage = out.index("bag-8uc3.mcap is damaged")
    assert damage < out.index("world model") < out.index("sign agree"), out
    assert out.count("is damaged") == 1, "said once, before the results"
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert any("is damaged" in note for note in report["recording"]["notes"])


def test_costly_cpu_planning_is_said_up_front_with_the_cheaper_settings(
        capsys, tmp_path, checkpoint):
    bag = str(write_test_bag(tmp_path / "bag", seed=0, moving=True))
    # S 101 x I 5: more than reach's CPU settings (100 x 5), cheap enough for a test
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), "--samples", "101", "--iterations", "5",
                           "--max-steps", "1", "--landscape-points", "0", "--quiet")
    assert code == 0, err
    (note,) = [line for line in out.splitlines() if "planning on the CPU" in line]
    from vjepa_ros.counts import counted
    from vjepa_ros.threads import cpu_threads

    # timed on the threads eval plans with: --threads left out, reach's (all cores but one)
    threads = counted(cpu_threads(0), "CPU thread")
    assert note.startswith("note          planning on the CPU with S 101, I 5 (508 imagined "
                           f"sequences a step) on {threads} takes about ")
    assert "for 1 step(s); --samples 100 --iterations 5 (what reach plans with on the CPU)" \
        in note
    assert out.index(note) < out.index("steps         1 evaluated")
    code, out, _ = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                         str(tmp_path / "out2"), *FAST)
    assert code == 0 and "planning on the CPU" not in out, "cheap settings: no note"


def test_the_cost_note_counts_what_a_step_imagines():
    from vjepa_ros.eval.cpu_cost import cpu_cost_note, sequences_per_step

    assert sequences_per_step(preset("paper")) == 800 * 10 + 3
    assert sequences_per_step(preset("paper", samples=100, iterations=5)) == 503
    model = _tiny_model()
    assert cpu_cost_note(model, preset("paper", samples=100, iterations=5), 5) == ""
    note = cpu_cost_note(model, preset("paper"), 5)
    assert note.startswith("planning on the CPU with S 800, I 10 (8003 imagined sequences")
    assert "for 5 step(s); --samples 100 --iterations 5" in note
    assert "landscape" not in note  # none asked for
    # eval's --landscape-points 11 (default): its 121 sequences, once, in the note too (mend51)
    note = cpu_cost_note(model, preset("paper"), 5, landscape_points=11)
    assert "; the energy landscape (11x11 = 121 sequences, once) about " in note, note


def test_the_cost_note_takes_a_topk_above_the_cheaper_samples():
    # breaker32p: the cheaper settings kept --topk 150 with samples 100, so eval refused a valid
    # --samples 800 --topk 150 ("--topk (150) must be less than --samples (100)") after loading
    from vjepa_ros.eval.cpu_cost import cheaper_settings, cpu_cost_note, is_costly_on_cpu

    model, config = _tiny_model(), preset("paper", topk=150)
    assert cheaper_settings(preset("paper")) == {"samples": 100, "iterations": 5}
    assert cheaper_settings(config) == {"samples": 100, "iterations": 5, "topk": 19}
    assert cheaper_settings(preset("paper", samples=2000, topk=101))["topk"] == 5
    assert cheaper_settings(preset("paper", samples=5000, topk=101))["topk"] == 2
    assert is_costly_on_cpu(model, config)
    note = cpu_cost_note(model, config, 5)
    assert "for 5 step(s); --samples 100 --iterations 5 --topk 19 (what reach" in note


def test_an_out_folder_holding_another_bags_report_is_refused(capsys, tmp_path, checkpoint):
    first = str(write_test_bag(tmp_path / "first", seed=0, moving=True))
    second = str(write_test_bag(tmp_path / "second", seed=1, moving=True))
    out = tmp_path / "out"
    assert _eval(capsys, first, "--checkpoint", checkpoint, "--out", str(out), *FAST)[0] == 0
    before = (out / "report.json").read_text()
    code, printed, err = _eval(capsys, second, "--checkpoint", checkpoint, "--out", str(out),
                               *FAST)
    assert code == 1
    assert err == (f"vjepa-ros eval: --out {out} holds the eval report (and plots) of another "
                   f"recording, {first}: give another --out, or remove {out} to replace it")
    assert (out / "report.json").read_text() == before and "world model" not in printed
    code, printed, err = _eval(capsys, first, "--checkpoint", checkpoint, "--out", str(out),
                               *FAST)
    assert code == 0, err
    assert f"note          --out {out} holds this bag's earlier eval report: it is overwritten" \
        in printed.splitlines()
    (out / "report.json").write_text("{}")
    code, _, err = _eval(capsys, first, "--checkpoint", checkpoint, "--out", str(out), *FAST)
    assert code == 1 and "holds a report.json that is not an eval report" in err


def test_steps_whose_representations_outgrow_the_memory_are_refused_naming_the_options(
        capsys, tmp_path, checkpoint, monkeypatch):
    from vjepa_ros.eval import rep_memory
    from vjepa_ros.planning import memory

    bag = str(write_test_bag(tmp_path / "bag", frames=8, seed=0, moving=True))
    # 8 frames of 16 x 32 float32 (2 KiB each) against 8 KiB free: one step and its goal fit
    monkeypatch.setattr(memory, "available_bytes", lambda device: 8 * 1024)
    code, out, err = _eval(capsys, bag, "--checkpoint", checkpoint, "--out",
                           str(tmp_path / "out"), *FAST)
    assert code == 1 and not (tmp_path / "out").exists()
    assert "the frame representations of 7 steps (8 frames x 2 KiB) need about 16 KiB, " \
           "more than half the 8 KiB free on cpu: evaluate at most 1 steps (--max-steps), or " \
           "give a lower --rate" in err, err
    assert rep_memory.representations_problem(_tiny_model(), 8, 7, 1 << 30) == ""
