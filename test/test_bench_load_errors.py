"""Every benchmark that loads a model a user names ends a bad file in one line (fix61c #2).

A damaged file (random bytes), a missing one, a folder and a ``torch.save`` file that holds no
model: each benchmark exits 2 (``parser.error``, as the others do for a value they refuse)
with one line ``SCRIPT: error: OPTION FILE ...`` in the commands' words
(``input_paths.world_model_path`` / ``world_model_error``): no traceback, no bare
``checkpoint not found: FILE`` (bench_encoder_rank, bench_encoder_landscape,
bench_compiled_agreement said that), no node exiting with its reason lost (bench_node_inputs:
``planner node exited (status 1) before it was ready``). An option that takes an encoder alone
(``--encoder``) advises ``vjepa-ros pretrain``'s files too, as train's ``--encoder`` does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from test_bench_options import STARTUP_PROBE

from vjepa_ros.train.synthetic import write_blob_episodes

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("damaged", "missing", "folder", "no_model")
# (script, option, the arguments besides it; EPISODES: a folder of 2 small episodes)
SCRIPTS = [
    ("bench_encoder_rank.py", "--encoder", ["--data", "EPISODES"]),
    ("bench_encoder_landscape.py", "--encoder", ["--poses", "4", "--goals", "2"]),
    ("bench_gripper_visibility.py", "--model", ["EPISODES"]),
    ("bench_compiled_agreement.py", "--checkpoint",
     ["--episodes", "EPISODES", "--scenes", "1", "--goal-frame", "1", "--device", "cpu",
      "--variants", "eager-bf16", "--out", "OUT"]),
    ("bench_node_inputs.py", "--checkpoint", []),
    ("bench_manipulation.py", "--checkpoint", ["--seeds", "1"]),
    ("bench_reach.py", "--checkpoint", []),
    ("bench_camera_check.py", "--checkpoint", []),
    ("bench_camera_motion_count.py", "--checkpoint", []),
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run every script with every kind of bad file, in one interpreter (STARTUP_PROBE)."""
    folder = tmp_path_factory.mktemp("load_errors")
    episodes = folder / "episodes"
    write_blob_episodes(episodes, 2, frames=4, size=32)
    files = {"damaged": folder / "damaged.pt", "missing": folder / "missing.pt",
             "folder": folder / "empty", "no_model": folder / "no_model.pt"}
    files["damaged"].write_bytes(os.urandom(3000))
    files["folder"].mkdir()
    torch.save({"x": 1}, files["no_model"])
    cases = []
    for script, option, argv in SCRIPTS:
        for kind in KINDS:
            words = [str(episodes) if w == "EPISODES" else str(folder / "out") if w == "OUT"
                     else w for w in argv]
            if option == "--model":  # bench_gripper_visibility: --model SPEC EPISODES...
                words = [option, str(files[kind]), *words]
            else:
                words = [*words, option, str(files[kind])]
            cases.append((str(ROOT / "benchmarks" / script), words))
    done = subprocess.run([sys.executable, "-c", STARTUP_PROBE, json.dumps(cases)],
                          capture_output=True, text=True, timeout=600, cwd=folder,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    keys = [(script, kind) for script, _, _ in SCRIPTS for kind in KINDS]
    return dict(zip(keys, found, strict=True)), files


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("script, option, argv", SCRIPTS)
def test_a_bad_model_file_is_one_line_naming_the_option(results, script, option, argv, kind):
    found, files = results
    done = found[script, kind]
    err = done["err"].strip()
    assert done["code"] == 2 and "Traceback" not in err and "\n" not in err, done
    assert err.startswith(f"{script}: error: {option} {files[kind]}"), err
    assert "checkpoint not found" not in err and "before it was ready" not in err, err
    assert " give " in err, err  # what to give instead
    # an option that takes an encoder alone names pretrain's files; a world model option not
    assert ("vjepa-ros pretrain" in err) == (option in ("--encoder", "--model")), err
