"""breaker55i: fix55e (-p comments, zero-led numbers) and fix55d (seed rules) attacked.

Defects, each a strict xfail asserting the right behaviour (fixed by fix55i; the markers removed):

1. A zero-led whole number in a ROS parameter (``-p planner.samples:=0100``, a ``--params-file``
   ``samples: 0100``, ``vjepa-ros launch -p vjepa_planner.planner.samples:=0100``) is read by rcl
   as octal (64; checked against rclpy by hand: ``/vjepa_planner 64``) and starts without a word
   (``rcl_yaml.number_reading`` words it, but the note is only appended to an error naming the
   parameter), while the same ``samples: 0100`` in a settings file is 100 since fix55e.
2. ``vjepa-ros record`` (default ``--seed 0``, README's ``record sim_bag --frames 16 --seed 0``
   for ``eval``/``camera-check``) records collect's training episode (the demo model's
   ``collect --seed 0 --episodes 400``) with no training-seed note, where run, reach and the
   benchmarks note one (fix55d).
3. ``bench_search.py closed-loop --seed-start 0`` measures reach success on training seeds with
   no note (its docstring says "held-out goals"); the other benchmarks note it.
4. A settings file's YAML 1.1 sexagesimal and binary whole numbers (``max_steps: 1:30`` -> 90,
   ``goal_seed: 0b11`` -> 3) are taken silently, where the options (``--max-steps 1:30``) and
   rcl (a string) refuse them: fix55e's "as YAML 1.2 and the options read them" holds for
   zero-led digits only.
5. A quoted ``-p`` value followed by a comment (``-p 'path:="/data/goal 1.png" #2'``) is
   refused with a "quoted form that keeps the '#'" whose value holds the user's quote marks
   (``"/data/goal 1.png" #2`` with the ``"``): the advice publishes no such file.
6. ``run --episodes 3`` whose disk fills while episode 2's pictures are written ends with the
   full-disk line and no totals over the two episodes that ran (a Ctrl-C there totals them).
7. ``reach --config FILE`` with ``goal_seed: 5`` notes ``seed 5 (from --goal-seed)``: no such
   option was given (the note's source is wrong where the settings file set it).

What held (not repeated here): '#' without a space before it (``file:///a.png#x``), a quoted
'#' in a flow list, block scalars; a tab, CR or a new line before '#'; ``-r`` rules against
rclpy for 10 combinations (targeted ``__ns`` vs the new name, ``--remap``, ``__name``, another
node's rule, ``__ns:=/``, namespace given in code); ``__ns:=robot``/``/robot/``/``~/x`` refused as
rcl refuses them; the camera check's helper node ignores global ``-r``; collect's seed range
at 899999/900000 and past 2**32; timers: every create_timer in nodes/ is bounded, and
image_publisher's rate_hz set at run time (1e-10, 5) is refused; a --params-file section
(``/robot1/*``, ``robot1/image_publisher``, ``/**``, bare ``image_publisher`` under ``__ns``) is
taken or refused as rclpy takes or drops it; string settings given numbers/dates are refused.
"""

import shlex
import sys
from pathlib import Path

import pytest

from vjepa_ros.config import UsageError

ROOT = Path(__file__).resolve().parent.parent

# -- 1. zero-led whole numbers rcl reads as octal ---------------------------------------------

OCTAL = {"0100": 64, "010": 8, "-0100": -64, "000042": 34}  # -p text: what rcl reads


@pytest.mark.parametrize("text", sorted(OCTAL))
def test_a_node_p_value_rcl_reads_as_octal_is_refused_naming_both_readings(text):
    from vjepa_ros.nodes.ros_args import check_ros_args

    with pytest.raises(ValueError) as caught:
        check_ros_args(["planner_node", "--ros-args", "-p", f"planner.samples:={text}"],
                       "vjepa_planner")
    message = str(caught.value)
    assert "\n" not in message and "planner.samples" in message, message
    assert text in message and str(OCTAL[text]) in message and "octal" in message, message


@pytest.mark.parametrize("text", sorted(OCTAL))
def test_a_launch_p_value_rcl_reads_as_octal_is_refused(text):
    from vjepa_ros.nodes.launch_arguments import parse_overrides

    with pytest.raises(UsageError) as caught:
        parse_overrides([f"vjepa_planner.planner.samples:={text}"])
    message = str(caught.value)
    assert text in message and str(OCTAL[text]) in message and "octal" in message, message


@pytest.mark.parametrize("text", ["0100", "010"])
def test_a_params_file_number_rcl_reads_as_octal_is_refused_or_said(tmp_path, text):
    from vjepa_ros.nodes.params_file import check_params_file

    path = tmp_path / "planner.yaml"
    path.write_text(f"vjepa_planner:\n  ros__parameters:\n    planner:\n      samples: {text}\n")
    said = []
    try:
        check_params_file(str(path), nodes=["/vjepa_planner"], say=said.append)
    except ValueError as exc:
        said.append(str(exc))
    told = [line for line in said if text in line and "octal" in line]
    assert told and str(OCTAL[text]) in told[0] and "planner.samples" in told[0], said


# -- 2. record's seed: the demo model's training episode ----------------------------------------

def test_record_on_a_training_seed_says_so(tmp_path, capsys):
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.cli import main

    status = main(["record", str(tmp_path / "bag"), "--seed", "0", "--frames", "2",
                   "--width", "32", "--height", "32"])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert status == 0 and (tmp_path / "bag").is_dir(), text
    assert "seed 0" in text and "training seed" in text and "900000" in text, text


# -- 3. bench_search closed-loop on training seeds --------------------------------------------

def test_bench_search_closed_loop_on_training_seeds_notes_it(monkeypatch, capsys):
    import importlib.util

    benchmarks = ROOT / "benchmarks"
    monkeypatch.syspath_prepend(str(benchmarks))
    spec = importlib.util.spec_from_file_location("bench_search_55i",
                                                  benchmarks / "bench_search.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    ran = []
    monkeypatch.setattr(bench, "closed_loop", lambda runs, goals, seed, *rest: ran.append(
        (goals, seed)))
    monkeypatch.setattr(sys, "argv", ["bench_search.py", "closed-loop", "--run",
                                      "cem:samples=16,iterations=2", "--world-model", "oracle",
                                      "--goals", "3", "--seed-start", "0"])
    assert bench.main() == 0 and ran == [(3, 0)]
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "seeds 0..2 (from --seed-start) are training seeds" in text, text


# -- 4. YAML 1.1's other whole numbers in settings files --------------------------------------

@pytest.mark.parametrize("line", ["episode:\n  max_steps: 1:30", "goal_seed: 1:30",
                                  "goal_seed: 0b11", "planner:\n  samples: 1:40"])
def test_a_settings_number_in_yaml_11_only_form_is_refused(tmp_path, line):
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "reach.yaml"
    path.write_text(line + "\n")
    with pytest.raises(ValueError) as caught:
        load_reach_config(path)
    text = line.rpartition(": ")[2]
    assert text in str(caught.value), str(caught.value)


# -- 5. the quoted form proposed for a quoted value with a comment ----------------------------

@pytest.mark.parametrize("raw", ['"/data/goal 1.png" #2', "'/data/goal.png' # the cup"])
def test_the_proposed_form_for_a_quoted_value_holds_no_quote_marks(raw):
    from vjepa_ros.nodes.ros_args import check_param_item
    from vjepa_ros.ros_values import yaml_value

    with pytest.raises(ValueError) as caught:
        check_param_item(f"path:={raw}")
    proposed = shlex.split(str(caught.value).rpartition(": ")[2])
    assert proposed[0] == "-p" and proposed[1].startswith("path:="), proposed
    value = yaml_value("path", proposed[1].partition(":=")[2])
    assert isinstance(value, str) and '"' not in value and "'" not in value, value


# -- 6. a full disk while a finished episode's pictures are written ---------------------------

def test_a_run_ended_by_a_full_disk_still_totals_the_episodes_it_finished(tmp_path, monkeypatch,
                                                                          capsys):
    import errno
    import re

    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    import vjepa_ros.sim.reach_media as reach_media
    from vjepa_ros.cli import main

    real, calls = reach_media.save_task_pictures, []

    def filling(out_dir, run, name):
        calls.append(name)
        if len(calls) == 2:  # episode 2 finished; its pictures meet a full disk
            raise OSError(errno.ENOSPC, "No space left on device", str(out_dir / f"{name}.gif"))
        return real(out_dir, run, name)

    monkeypatch.setattr(reach_media, "save_task_pictures", filling)
    status = main(["run", "--task", "grasp", "--world-model", "oracle", "--size", "32",
                   "--episodes", "3", "--seed", "900000", "--max-steps", "1", "--out",
                   str(tmp_path)])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert status == 1 and len(calls) == 2, text[-800:]
    assert text.count("saved        ") == 1, text[-800:]  # episode 1's pictures
    assert re.search(r"total: success \d+/2", text), text[-800:]  # episodes 1 and 2 ran


# -- 7. reach's training-seed note names an option the user did not give ----------------------

def test_reach_names_where_its_training_goal_seed_came_from(tmp_path, monkeypatch, capsys):
    import vjepa_ros.nodes.reach_demo as reach_demo
    from vjepa_ros.cli import main

    def no_nodes(*_args, **_kwargs):  # the notes are said; the nodes are not started
        raise RuntimeError("breaker55i: nodes not started")

    monkeypatch.setattr(reach_demo, "demo_processes", no_nodes)
    settings = tmp_path / "reach.yaml"
    settings.write_text("goal_seed: 5\n")
    main(["reach", "--config", str(settings), "--out", str(tmp_path / "out")])
    printed = capsys.readouterr()
    notes = [line for line in (printed.out + printed.err).splitlines() if "training seed" in line]
    assert len(notes) == 1 and "seed 5 " in notes[0], printed
    assert "--goal-seed" not in notes[0] and "goal_seed" in notes[0], notes[0]
