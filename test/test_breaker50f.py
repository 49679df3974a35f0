"""breaker50f: will the next lent GPU's one posttrain call work the first time (second round).

The call: ``bash scripts/device_check.sh --stages posttrain --budget-s 420``, carry
``.device_data/manipulation.tar.xz``, on a fresh machine with the image's Python and torch, no
rclpy, pybullet, rosbags or mcap (docs/device_check.md). test_breaker44q, test_device_check and
test_device_posttrain already cover the tiny dry run with ROS blocked, the probe's rate, the
refusals of bad packs and runs, and a child stopped past its deadline; this file does not
repeat them.

Attacked on the CPU: every third-party import of the planned call's own (not tiny) path
against the device image's package list (every other top-level import blocked), a CUDA that
torch reports but cannot start, the carried archive missing, empty or corrupt, the time-box
at a chunk's end, at the parent's SIGTERM and at the tool's timeout, what the dry run goes
through, the output folder, the commit the results name, and scripts/device_check.sh without
python3 and with a fake nvidia-smi on PATH (``bash -n`` and shellcheck 0.11 found nothing in
it). Also tried, no defect: the CUDA path's bfloat16 autocast on the CPU (probe and a 6-step
run, exported), a child's start-up before its deadline is set (0.07 s: no torch import), a
.tar.gz damaged in its middle (refused in one line), the carry's size (tracked tree 16.4 MiB
+ the 38.5 MiB pack of docs/device_check.md: fits 64 MiB).

Defects (strict xfails until fix50f; each says the input, what happened and what should):

- torch says CUDA is there but the device cannot start (``get_device_properties`` raises):
  the script ends in a traceback and $OUT holds an empty log and no device_check.json;
- a .tar.xz damaged in its middle (length intact): ``lzma.LZMAError`` escapes ``unpacked``:
  a traceback, exit status 1, the half-unpacked temporary folder left behind;
- the planned call without its carry (no ``.device_data/manipulation.tar.xz``): exit status 0,
  one stage "skipped: no --posttrain-data given", the default path it looked for unnamed;
- a deadline that passes on a chunk's last step: the run does one step (and one validation,
  checkpoint and log writes) more before it stops;
- the parent's SIGTERM to a late run: the trainer stops at a step and saves, then the stage
  deletes the work folder and nothing of the run comes back;
- ``--dry-run --stages posttrain`` skips the probe, the fitting of the steps and the deadline:
  the lines that decide how long the GPU trains are not in the dry run;
- a call cut short mid-run (the tool's timeout_s) brings back no posttrain numbers: the
  children save their records after every chunk to the parent's temporary folder, and $OUT's
  device_check.json gets them (even the stage's name) only when every child has ended;
- an --out holding a folder named posttrain_<run>.pt passes the up-front check (only the JSON
  and the log are checked): the run trains its whole time and fails at its export;
- device_check.json's ``env.commit`` is HEAD's hash alone, also when the tree that ran (the
  tool copies the working tree) had uncommitted edits.

Held up (pins): the planned call's whole path (parent check, child, probe, fitted steps, export)
imports only packages the device image lists; an empty archive at the default path is refused
in one line before any stage; the shell wrapper without python3 ends in one line, and with
a fake nvidia-smi on PATH it runs the real script's dry run from another folder and records
the line the machine printed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch
from test_device_check import refusal
from test_device_posttrain import one_run

from benchmarks import device_check

device_posttrain = device_check.posttrain  # the module device_check runs (benchmarks/: its path)

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "device_check.py"

# The Python packages of the device image ('cuda'), as /work/.library/device/KINDS.md lists them
# (read on a machine running it on 2026-11-17), the names as pip spells them.
DEVICE_PACKAGES = set("""
absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal annotated-doc anyio attrs botorch
build certifi charset-normalizer chex click cloudpickle cmake colorama contourpy coverage
cuda-bindings cuda-core cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn
einops equinox etils execnet filelock flatbuffers flax fonttools formulaic frozenlist fsspec
gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize hypothesis idna imageio
iniconfig interface-meta jax jax-cuda13-pjrt jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib
kiwisolver lazy-loader lightning lightning-utilities linear-operator lineax llvmlite lxml
markdown markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack
multidict multipledispatch mypy-extensions nanobind narwhals networkx ninja numba numba-cuda
numpy numpyro nvidia-ml-py onnx onnx-ir onnxruntime onnxscript opencv-python-headless optax
opt-einsum opt-einsum-fx optimistix orbax-checkpoint packaging pandas pathspec patsy peft pillow
pip pluggy portalocker prometheus-client propcache protobuf psutil pyarrow pybind11 py-cpuinfo
pygments pyparsing pyproject-hooks pyre-extensions pytest pytest-benchmark pytest-cov
pytest-mock pytest-timeout pytest-xdist python-dateutil pytorch-lightning pyyaml regex requests
rich sacrebleu safetensors scikit-build-core scikit-image scikit-learn scipy seaborn
sentencepiece sentence-transformers setuptools shellingham simplejson six sortedcontainers
statsmodels sympy tabulate tensorboard tensorboard-data-server tensorstore threadpoolctl tifffile
tiktoken timm tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics
torchvision tqdm transformers treescope triton typer typing-extensions typing-inspect urllib3
uvloop wadler-lindig werkzeug wheel wrapt xarray xxhash yarl zipp
""".split())

ONLY_DEVICE = '''
import importlib.abc
import os
import sys

MISSING = set(os.environ["B50F_MISSING"].split(","))


class OnlyDevice(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in MISSING:
            raise ModuleNotFoundError(f"No module named {name!r} (not on the GPU machine)",
                                      name=name)
        return None


sys.meta_path.insert(0, OnlyDevice())
'''


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def only_device_env(tmp_path: Path) -> dict:
    """Return an environment whose Python finds no installed package the device image lacks.

    Every top-level module of this environment's distributions but the image's (rclpy, mcap,
    rosbags, pybullet, ament_index_python and the venv's other ROS wheels among them) raises
    ModuleNotFoundError, as an absent one does; the stdlib and the checkout stay.
    """
    missing = set()
    for top, dists in importlib.metadata.packages_distributions().items():
        if top in sys.stdlib_module_names or top in ("vjepa_ros", "benchmarks", "cv2",
                                                          "_distutils_hack"):
            continue
        if not any(_normal(dist) in DEVICE_PACKAGES for dist in dists):
            missing.add(top)
    assert {"rclpy", "pybullet", "ament_index_python"} <= missing
    block = tmp_path / "only_device"
    block.mkdir()
    (block / "sitecustomize.py").write_text(ONLY_DEVICE)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(block), str(ROOT)]),
            "CUDA_VISIBLE_DEVICES": "", "B50F_MISSING": ",".join(sorted(missing))}


def blob_pack(tmp_path: Path) -> Path:
    """Pack 4 blob episodes (8 frames of 64 px) into a .tar.xz, as device_pack.py does."""
    from vjepa_ros.train.synthetic import write_blob_episodes

    write_blob_episodes(tmp_path / "ep", 4, frames=8, size=64)
    out = tmp_path / "pack.tar.xz"
    assert device_check.posttrain  # (device_pack imports device_runs from benchmarks/)
    from benchmarks import device_pack

    assert device_pack.main(["--out", str(out), str(tmp_path / "ep")]) == 0
    return out


# ------------------------------------------------------------------------------------- pins


def test_the_planned_calls_own_path_imports_only_what_the_device_image_has(tmp_path):
    """Run the planned call's path with only the device image's packages: done, its model.

    The posttrain stage as the GPU runs it (not --tiny: a child process, the probe, the
    steps fitted to the time, the deadline, the export), with every top-level import outside
    the stdlib, the project and the device image's package list refused (rclpy, mcap, rosbags,
    pybullet, ament_index_python, the venv's ROS wheels all among them): it ends done with its
    model (the demo run's --init demo: the wrapper's test below). Capped at 5 steps: ~15 s.
    """
    env = only_device_env(tmp_path)
    probe = subprocess.run([sys.executable, "-c", "import rclpy"], env=env, capture_output=True,
                           text=True, check=False)
    assert "not on the GPU machine" in probe.stderr, probe.stderr
    archive = blob_pack(tmp_path)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(SCRIPT), "--allow-cpu", "--stages", "posttrain",
                           "--posttrain-data", str(archive), "--posttrain-runs", "64x1x2",
                           "--posttrain-batch", "2", "--posttrain-steps", "5", "--budget-s",
                           "60", "--threads", "1",
                           "--out", str(out)], env=env, capture_output=True, text=True,
                          check=False, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    record = json.loads((out / device_check.RESULTS).read_text())["stages"]["posttrain"]
    (run,) = record["runs"]
    assert record["status"] == "done" and run["complete"] and run["probe_s_per_step"] > 0
    assert run["steps_done"] == run["steps"] and (out / "posttrain_64x1x2.pt").is_file()
    assert "not on the GPU machine" not in done.stdout + done.stderr


def test_an_empty_archive_at_the_default_path_is_refused_in_one_line(tmp_path, capsys,
                                                                      monkeypatch):
    """Refuse an empty carried archive at once, in one line naming it.

    A .device_data/manipulation.tar.xz of 0 bytes (a failed copy): before any stage and before
    anything under --out.
    """
    default = tmp_path / device_posttrain.DATA
    default.parent.mkdir(parents=True)
    default.write_bytes(b"")
    monkeypatch.setattr(device_check, "ROOT", tmp_path)
    out = tmp_path / "out"
    err = refusal(capsys, ["--allow-cpu", "--stages", "posttrain", "--out", str(out)])
    assert str(default) in err and "cannot be unpacked" in err, err
    assert not out.exists()


def test_the_wrapper_without_python3_on_path_ends_in_one_line(tmp_path):
    """scripts/device_check.sh on a machine whose PATH has no python3: one line, status 127."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dirname").symlink_to(shutil.which("dirname"))
    done = subprocess.run([shutil.which("bash"), str(ROOT / "scripts" / "device_check.sh"),
                           "--stages",
                           "posttrain"], capture_output=True, text=True, check=False,
                          env={"PATH": str(bin_dir)}, timeout=30)
    assert done.returncode == 127
    assert len(done.stderr.strip().splitlines()) == 1 and "python3" in done.stderr


# ---------------------------------------------------------------------------------- defects


def test_a_cuda_that_cannot_start_is_recorded_not_a_traceback(tmp_path, monkeypatch):
    """Record a CUDA that torch reports but cannot start; no traceback.

    Torch reports CUDA (``is_available()`` True, as on a GPU held by another process or
    in exclusive mode) but ``get_device_properties`` raises ``RuntimeError: CUDA error:
    CUDA-capable device(s) is/are busy or unavailable``.

    Happened: ``environment()`` raises out of ``run_all``: a traceback, $OUT holds an empty
    device_check.log and no device_check.json, so the call brings back nothing that says why.
    Should: one line naming the error, device_check.json with it (``error``), exit status 1.
    """
    def unusable(*args, **kwargs):
        raise RuntimeError("CUDA error: CUDA-capable device(s) is/are busy or unavailable")

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_properties", unusable)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", unusable)
    out = tmp_path / "out"
    try:
        code = device_check.main(["--stages", "train", "--in-process", "--out", str(out)])
    except RuntimeError as exc:
        code = f"raised {exc}"
    assert code == 1
    results = json.loads((out / device_check.RESULTS).read_text())
    assert "busy or unavailable" in json.dumps(results)


def test_the_planned_call_without_its_archive_says_it_was_not_carried(tmp_path, capfd,
                                                                       monkeypatch):
    """Say that the default archive was not carried; do not end with status 0.

    The planned call (``--stages posttrain``, the default --posttrain-data) on a machine
    where ``.device_data/manipulation.tar.xz`` is not (the carry forgotten or misspelt).

    Happened: exit status 0 ("every stage gave numbers or was skipped"), the one stage asked
    for "skipped: no --posttrain-data given: pack the episodes ...", which neither names the
    path it looked for nor says it was not carried; the device call reads as a success.
    Should (docs/device_check.md: "a missing or truncated archive ... [is] refused in one line
    naming it"), as a --posttrain-data given and missing is: refused before any stage (exit 2)
    in one line naming .device_data/manipulation.tar.xz and that it was not carried.
    """
    monkeypatch.setattr(device_check, "ROOT", tmp_path)  # a checkout without .device_data
    out = tmp_path / "out"
    try:
        code = device_check.main(["--allow-cpu", "--stages", "posttrain", "--out", str(out)])
    except SystemExit as exited:
        code = exited.code
    printed = capfd.readouterr()
    text = printed.out + printed.err
    assert code != 0, text
    assert device_posttrain.DATA in text and "carried" in text, text


def _chunk_run(tmp_path: Path, monkeypatch) -> dict:
    """Run the stage's 64x1x2 run of 20 steps (chunks of 2); return its record.

    Its clock jumps past the deadline as the run's step 2 (a chunk's last) ends.
    """
    from vjepa_ros.train import trainer as trainer_module
    from vjepa_ros.train.synthetic import write_blob_episodes

    data = tmp_path / "episodes"
    write_blob_episodes(data, 3, frames=8, size=64)
    monkeypatch.setattr(device_posttrain, "PROBE_STEPS", 3)
    monkeypatch.setattr(device_posttrain, "PROBE_WARM", 1)
    monkeypatch.setattr(device_posttrain, "fitted_steps", lambda rate, left, cap: 20)
    late = {"now": False}
    original = trainer_module.Trainer.train_step

    def train_step(self):
        row = original(self)
        if self.out.name == "run" and self.step == 2:
            late["now"] = True
        return row

    real = time.monotonic
    clock = argparse.Namespace(monotonic=lambda: real() + (1e6 if late["now"] else 0.0),
                               perf_counter=time.perf_counter, time=time.time,
                               sleep=time.sleep)
    monkeypatch.setattr(trainer_module.Trainer, "train_step", train_step)
    monkeypatch.setattr(trainer_module, "time", clock)
    return one_run(tmp_path, data, 600)[0]  # its clock: this module's, not the trainer's


def test_a_deadline_on_a_chunks_last_step_ends_the_run_there(tmp_path, monkeypatch):
    """End a run at the first step past its deadline, also at a chunk's last step.

    A run fitted 20 steps trains in chunks of 2 (``train(until=...)``); its deadline passes
    as step 2 ends, the last of the first chunk.

    Happened: ``train(until=2)`` stops at step 2 (its target: not ``cut``), the loop starts
    the next chunk, ``train(until=4)`` does step 3 (then its validation, checkpoint, log.json
    and plot) and only then sees the deadline: ``steps_done`` 3, two post-deadline validations
    and log writes instead of one. Should (docs/device_check.md: "A run ends at the first step
    past its deadline"): ``steps_done`` 2, ``cut``, exported.
    """
    run = _chunk_run(tmp_path, monkeypatch)
    assert run["cut"] and not run["complete"] and (tmp_path / run["file"]).is_file()
    assert run["steps_done"] == 2, run


SIGTERM_RUN = '''
import argparse, os, signal, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(sys.argv[1]) / "benchmarks"))
import device_check
from vjepa_ros.train import trainer as trainer_module
original = trainer_module.Trainer.train_step


def train_step(self):
    row = original(self)
    if self.step == 5:  # the parent's stop of a late child (device_runs.run_children)
        os.kill(os.getpid(), signal.SIGTERM)
    return row


trainer_module.Trainer.train_step = train_step
out = Path(sys.argv[2])
args = argparse.Namespace(out=str(out), posttrain_batch=2, posttrain_steps=20)
ctx = device_check.stages.Context("cpu", True, time.monotonic() + 600, args)
record = {"rows": [], "runs": []}
try:
    device_check.posttrain.stage_posttrain_run(ctx, record, lambda: None, "64x1x2", out / "ep")
finally:
    print("RECORD", record["runs"], flush=True)
'''


def test_a_run_stopped_by_the_parents_sigterm_still_gives_its_model(tmp_path):
    """Export the model a run has when the parent's SIGTERM stops it.

    A post-training run still going GRACE_S past its deadline gets the parent's SIGTERM
    (device_runs.run_children); here at step 5 of 20.

    Happened: the trainer finishes the step, saves latest.pt and raises ``Terminated``
    (a KeyboardInterrupt, which neither ``_posttrain`` nor ``child_main`` catches);
    ``stage_posttrain_run``'s ``finally`` deletes the work folder with that latest.pt: no
    posttrain_<run>.pt under --out, the record's ``file`` None, the minutes it trained lost,
    though the SIGKILL is 15 s away. Should: the run exports what it has to
    posttrain_<run>.pt (``cut``), as a run past its own deadline does.
    """
    from vjepa_ros.train.synthetic import write_blob_episodes

    out = tmp_path / "out"
    write_blob_episodes(out / "ep", 3, frames=8, size=64)
    done = subprocess.run([sys.executable, "-c", SIGTERM_RUN, str(ROOT), str(out)],
                          capture_output=True, text=True, check=False, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    assert "RECORD" in done.stdout, done.stderr[-3000:]
    assert (out / "posttrain_64x1x2.pt").is_file(), done.stdout[-2000:] + done.stderr[-2000:]


def test_the_dry_run_goes_through_the_probe_and_the_fitted_steps(tmp_path):
    """Run the probe and the fitted steps in ``--dry-run --stages posttrain``.

    The CPU check before the call (docs/device_check.md).

    Happened: --tiny gives each run ``--posttrain-steps`` or 3 steps and no deadline: no probe
    trainer, no ``probe.validate``, no ``fitted_steps``, no deadline-bound chunks: the lines
    that decide how long the GPU trains (and that broke before: test_breaker44q) are not run
    by the dry run, whose record has no ``probe_s_per_step``. Should: the dry run goes through
    them with tiny numbers (a probe of a few steps, a fitted count, the deadline), so that a
    green dry run means the GPU's path ran.
    """
    out = tmp_path / "out"
    code = device_check.main(["--dry-run", "--in-process", "--stages", "posttrain",
                              "--posttrain-runs", "64x1x2", "--out", str(out)])
    assert code == 0
    (run,) = json.loads((out / device_check.RESULTS).read_text())["stages"]["posttrain"]["runs"]
    assert run.get("probe_s_per_step", 0) > 0, run


def test_the_recorded_commit_says_when_the_tree_that_ran_had_edits(tmp_path, monkeypatch):
    """Say in the recorded commit that the tree that ran had uncommitted edits.

    The device tool copies the working tree, uncommitted edits included (its README), and
    the numbers are filed under device_check.json's ``env.commit`` (docs/device_check.md,
    "commit 0e53f5d").

    Input: a checkout whose tracked file was edited after its last commit. Happened:
    ``environment()`` records ``git rev-parse --short HEAD`` alone: the commit reads as the
    code that ran, though it is not. Should: say so (e.g. ``<hash>-dirty``, as ``git
    describe --dirty`` does, or a ``dirty`` field).
    """
    def git(*argv):
        subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *argv],
                       cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "stage.py").write_text("STEPS = 1\n")
    git("add", "stage.py")
    git("commit", "-q", "-m", "first")
    (tmp_path / "stage.py").write_text("STEPS = 2\n")  # edited, not committed
    monkeypatch.setattr(device_check, "ROOT", tmp_path)
    env = device_check.environment("cpu")
    assert env["commit"] and "dirty" in json.dumps(env), env


def test_a_call_cut_short_mid_run_brings_back_the_runs_numbers_so_far(tmp_path):
    """Keep $OUT's device_check.json up to date with each run's record while it trains.

    docs/device_check.md: "The script writes into $OUT ... after every measurement, so a call
    cut short still brings back what was measured". Input: the planned path (a child per run,
    not --tiny), stopped from outside (the device tool's timeout_s) once the run's child has
    saved its record after its first chunk. Happened: the child saves its record (steps done,
    validation, 'nothing moves', the command) to a file in the parent's temporary folder after
    every chunk, but the parent copies it into $OUT's device_check.json only when every child
    has ended: $OUT's JSON, last saved before the stage started, has no posttrain stage at all
    (not even "running") until then; the log has the run's command line only. Should: $OUT's
    JSON holds the run's record as of its last chunk.
    """
    archive = blob_pack(tmp_path)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--allow-cpu", "--stages", "posttrain", "--posttrain-data",
         str(archive), "--posttrain-runs", "64x1x2", "--posttrain-batch", "2", "--budget-s",
         "150", "--threads", "1", "--out", str(out)], cwd=tmp_path, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch)})
    try:
        child_record = None
        stop_at = time.monotonic() + 240
        while child_record is None and process.poll() is None and time.monotonic() < stop_at:
            time.sleep(0.5)
            for path in scratch.glob("device_check_*/posttrain_64x1x2.json"):
                with contextlib.suppress(ValueError, OSError):
                    runs = json.loads(path.read_text()).get("runs") or [{}]
                    if runs[0].get("steps_done", 0) > 0:
                        child_record = runs[0]
        assert child_record is not None, "the child saved no record with steps done"
        stages = json.loads((out / device_check.RESULTS).read_text())["stages"]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)  # this test's own process group: the script and its child
        process.wait()
    runs = stages.get("posttrain", {}).get("runs", [])
    assert [run.get("steps_done", 0) > 0 for run in runs] == [True], stages


def test_the_wrapper_runs_the_real_script_with_the_machines_nvidia_smi(tmp_path):
    """Run scripts/device_check.sh itself from another folder, a fake nvidia-smi on PATH.

    The dry run of the planned stage (both kinds of run: demo, a new predictor) through the
    wrapper, only the device image's packages found: --out relative to the caller's folder,
    the checkout put on PYTHONPATH by the wrapper, the nvidia-smi line recorded as printed.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    smi = bin_dir / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'NVIDIA H100 80GB HBM3, 580.159.04, 81559 MiB, 1980 MHz, "
                   "700.00 W'\n")
    smi.chmod(0o755)
    env = only_device_env(tmp_path)  # the wrapper puts the checkout before its PYTHONPATH
    env.update(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", PYTHON=sys.executable,
               PYTHONPATH=str(tmp_path / "only_device"))
    env.pop("OUT", None)
    done = subprocess.run(["bash", str(ROOT / "scripts" / "device_check.sh"), "--dry-run",
                           "--in-process", "--stages", "posttrain", "--posttrain-runs", "demo",
                           "64x1x2", "--out", "here"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "here" / device_check.RESULTS).read_text())
    assert results["env"]["nvidia_smi"].startswith("NVIDIA H100 80GB HBM3, 580.159.04")
    assert results["stages"]["posttrain"]["status"] == "done"
    for name in ("posttrain_demo.pt", "posttrain_64x1x2.pt"):
        assert (tmp_path / "here" / name).is_file()
    assert "not on the GPU machine" not in done.stdout + done.stderr


def test_a_folder_where_a_runs_model_goes_is_refused_before_any_stage(tmp_path, capsys):
    """Refuse, before any stage, an --out whose posttrain_<run>.pt is a folder.

    ``checked_out``'s docstring: "Only once it could be made and written and no folder is
    where its files go". Input: --out holding a folder ``posttrain_64x1x2.pt`` (a reused
    output folder). Happened: only device_check.json and device_check.log are checked; the run
    trains its whole time, then its export fails ("ReplaceError: ... is a directory"): the
    stage failed, the model lost, exit status 1. Should: exit 2 at once, one line naming it.
    """
    out = tmp_path / "out"
    (out / "posttrain_64x1x2.pt").mkdir(parents=True)
    err = refusal(capsys, ["--dry-run", "--in-process", "--stages", "posttrain",
                           "--posttrain-runs", "64x1x2", "--out", str(out)])
    assert "posttrain_64x1x2.pt" in err


def test_a_corrupt_archive_is_refused_in_one_line_and_its_unpacking_removed(tmp_path, capsys,
                                                                             monkeypatch):
    """Refuse a .tar.xz damaged in its middle in one line naming it, its unpacking removed.

    Input: the pack with 64 bytes in its middle inverted (a bad copy: its length intact, so
    not the truncated archive test_device_posttrain refuses). Happened: ``unpacked`` catches
    TarError, EOFError and OSError, but xz's ``lzma.LZMAError: Corrupt input data`` is none of
    them: a traceback, exit status 1, and the half-unpacked device_posttrain_* folder left in
    the temporary folder. Should: exit 2, one line "--posttrain-data ...: cannot be unpacked",
    nothing left behind.
    """
    archive = blob_pack(tmp_path)
    damaged = bytearray(archive.read_bytes())
    middle = len(damaged) // 2
    damaged[middle:middle + 64] = bytes(b ^ 0xFF for b in damaged[middle:middle + 64])
    archive.write_bytes(bytes(damaged))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(device_check.tempfile, "tempdir", str(temporary))
    capsys.readouterr()  # the packer's lines
    try:
        err = refusal(capsys, ["--allow-cpu", "--stages", "posttrain", "--posttrain-data",
                               str(archive), "--out", str(tmp_path / "out")])
    finally:
        left = list(temporary.iterdir())
    assert f"--posttrain-data {archive}" in err and "cannot be unpacked" in err, err
    assert not left, left
