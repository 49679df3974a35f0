"""The scripts a user runs keep the caller's folder for what they write.

`bash scripts/demo.sh --out relrun` must write ./relrun where the user stands (README: outputs
go to the current directory), not into the clone; WORK=<dir> of the model-making scripts is from
the caller's folder too. A small checkout (the real scripts) and a fake environment (from
test_bootstrap_venv: no network, no real install) whose `vjepa-ros` only records its folder and
arguments.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from test_bootstrap_venv import make_checkout, make_fake_venv

from conftest import REPO_ROOT

FAKE_CLI = '#!/bin/sh\necho "cwd=$PWD"\necho "args=$*"\nexit 1\n'


def run_script(tmp_path: Path, script: str, *args: str, **env) -> subprocess.CompletedProcess:
    checkout = make_checkout(tmp_path / "clone")
    for name in ("demo.sh", "ros_env.sh", "make_demo_model.sh", "train_to.sh",
                 "collect_manipulation_episodes.sh", "make_manipulation_model.sh"):
        shutil.copy(REPO_ROOT / "scripts" / name, checkout / "scripts")
    venv = make_fake_venv(tmp_path / "venv")
    cli = venv / "bin" / "vjepa-ros"
    cli.write_text(env.pop("fake_cli", FAKE_CLI))
    cli.chmod(0o755)
    caller = tmp_path / "caller"
    caller.mkdir()
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VJEPA_VENV": str(venv),
                   "VJEPA_TORCH": "skip", "PYTHON": sys.executable, **env}
    return subprocess.run(["bash", str(checkout / "scripts" / script), *args], cwd=caller,
                          env=environment, capture_output=True, text=True, timeout=120)


def test_demo_runs_reach_in_the_callers_folder(tmp_path):
    done = run_script(tmp_path, "demo.sh", "--out", "relrun")
    assert f"cwd={(tmp_path / 'caller').resolve()}" in done.stdout.splitlines(), done.stderr
    assert "args=reach --out relrun" in done.stdout.splitlines()


def test_make_demo_model_work_is_from_the_callers_folder(tmp_path):
    done = run_script(tmp_path, "make_demo_model.sh", WORK="mywork")
    out = f"{(tmp_path / 'caller').resolve()}/mywork/episodes/train"
    assert f"--out {out} " in done.stdout, done.stdout + done.stderr


# A collect that succeeds: writes its --episodes episode files into --out (and says so)
COLLECTING_CLI = ('#!/bin/sh\necho "args=$*"\nout=""; n=0; prev=""\nfor a in "$@"; do '
                  '[ "$prev" = "--out" ] && out="$a"; [ "$prev" = "--episodes" ] && n="$a"; '
                  'prev="$a"; done\nmkdir -p "$out"\ni=0; while [ "$i" -lt "$n" ]; do '
                  ': > "$out/episode_$i.npz"; i=$((i + 1)); done\n')


def test_the_manipulation_episodes_are_collected_once_into_work(tmp_path):
    done = run_script(tmp_path, "collect_manipulation_episodes.sh", WORK="mywork",
                      fake_cli=COLLECTING_CLI)
    assert done.returncode == 0, done.stderr
    work = (tmp_path / "caller" / "mywork").resolve()
    collects = [line for line in done.stdout.splitlines() if line.startswith("args=collect")]
    assert len(collects) == 12  # 6 sets x cup, box: make_manipulation_model.sh's episodes
    assert f"--task grasp --object cup --episodes 60 --seed 0 --width 128 --height 128 " \
        f"--out {work}/train/grasp_cup" in collects[0]
    assert collects[-1].endswith(f"--out {work}/train2/pick-and-place_box")
    partial = work / "train2" / "grasp_box"
    (partial / "episode_39.npz").unlink()  # an interrupted collection: 39 of its 40 episodes
    again = run_script(tmp_path / "again", "collect_manipulation_episodes.sh", WORK=str(work),
                       fake_cli=COLLECTING_CLI)
    redone = [line for line in again.stdout.splitlines() if line.startswith("args=collect")]
    assert redone == [f"args=collect --task grasp --object box --episodes 40 --seed 3000 "
                      f"--width 128 --height 128 --out {partial}"], again.stdout
    assert len(list(partial.glob("*.npz"))) == 40  # started again, not refused
    assert again.stderr.count("+ kept ") == 11


def test_make_manipulation_model_collects_into_its_work(tmp_path):
    model = tmp_path / "reach.pt"
    model.write_bytes(b"")
    episodes = tmp_path / "reach_episodes"
    episodes.mkdir()
    (episodes / "e.npz").write_bytes(b"")
    done = run_script(tmp_path, "make_manipulation_model.sh", WORK="w2", REACH_MODEL=str(model),
                      REACH_EPISODES=str(episodes))
    work = (tmp_path / "caller" / "w2").resolve()
    assert f"--out {work}/train/grasp_cup" in done.stdout, done.stdout + done.stderr
