"""fix55i: the families of breaker55i's defects (test_breaker55i.py holds the named inputs).

- zero-led digits rcl reads as octal: in a ``-p`` list, a ``--params-file`` list, with a sign;
  what rcl reads as written (``007``, ``0``, ``00.5``, ``08``, ``0x10``, a quoted ``'0100'``)
  is taken;
- the training-seed note: where the seed came from (reach), what it means (record); every
  benchmark refuses a scene seed past 2**32 as run does;
- a run ended by any error totals the episodes that finished; ENOSPC on a disk that shows room
  is not called full;
- a settings file's YAML 1.1-only numbers (base 60, binary) are text, refused by a number
  setting and taken by a string one; a string setting YAML read as a number says to quote it;
- the quoted form proposed for a ``-p`` value with a comment reads back as the value and its
  comment, whatever quotes or escapes the user typed.
"""

import argparse
import errno
import importlib.util
import re
import sys
from pathlib import Path

import pytest

from vjepa_ros.config import UsageError

ROOT = Path(__file__).resolve().parent.parent


# -- zero-led digits rcl reads as octal ---------------------------------------------------------

@pytest.mark.parametrize("raw, named, octal, decimal", [
    ("[1, 010]", "entry 2, 010", 8, 10),
    ("[0100, 0200]", "entry 1, 0100", 64, 100),
    ("+010", "+010", 8, 10),
    ("-000042", "-000042", -34, -42),
])
def test_octal_digits_in_a_p_value_are_refused_wherever_they_stand(raw, named, octal, decimal):
    from vjepa_ros.nodes.ros_args import check_param_item

    with pytest.raises(ValueError) as caught:
        check_param_item(f"planner.samples:={raw}")
    message = str(caught.value)
    assert message.startswith("-p planner.samples: ") and named in message, message
    assert f"the octal number {octal} " in message and f"write {decimal} " in message, message


@pytest.mark.parametrize("raw, value", [
    ("007", 7), ("0", 0), ("00", 0), ("00.5", 0.5), ("08", 8.0), ("0x10", 16),
    ("'0100'", "0100"), ('"010"', "010"), ("[1, 7]", [1, 7]),
])
def test_what_rcl_reads_as_its_digits_say_is_taken(raw, value):
    from vjepa_ros.nodes.launch_arguments import parse_overrides
    from vjepa_ros.nodes.ros_args import check_param_item

    check_param_item(f"planner.goal_frame:={raw}")  # no error
    if raw == "08":  # launch: zero-led digits for a name the node lacks say so (mend56q)
        return
    assert parse_overrides([f"planner.planner.goal_frame:={raw}"]) == {
        "planner": {"planner.goal_frame": value}}


def test_a_launch_p_list_with_octal_digits_is_a_usage_error():
    from vjepa_ros.nodes.launch_arguments import parse_overrides

    with pytest.raises(UsageError, match=r"^-p sim\.home_joints: entry 3, 011: rcl reads 011 as "
                                         r"the octal number 9 .*: write 11 \(or 9, "):
        parse_overrides(["sim.home_joints:=[1, 2, 011]"])


@pytest.mark.parametrize("text, line, said", [
    ("      samples: 0100\n", 4, "parameter 'planner.samples' of vjepa_planner (line 4): rcl "
     "reads 0100 as the octal number 64"),
    ("      seed: 8\n    goal_steps: [1, 010]\n", 5,  # (a name the planner declares: mend57a)
     "parameter 'goal_steps' of vjepa_planner (line 5): entry 2, 010: rcl reads 010 as the "
     "octal number 8"),
])
def test_a_params_file_with_octal_digits_is_refused_naming_file_parameter_and_line(
        tmp_path, text, line, said):
    from vjepa_ros.nodes.params_file import check_params_file

    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    planner:\n" + text)
    with pytest.raises(UsageError) as caught:
        check_params_file(str(path), nodes=["/vjepa_planner"])
    message = str(caught.value)
    assert message.startswith(f"--params-file {path}: {said}"), message
    assert f"(line {line})" in message and "\n" not in message, message


def test_a_params_file_with_quoted_or_decimal_digits_is_taken(tmp_path):
    from vjepa_ros.nodes.params_file import check_params_file

    path = tmp_path / "planner.yaml"
    path.write_text("vjepa_planner:\n  ros__parameters:\n    planner:\n      samples: 100\n"
                    "      frame: '0100'\n      seeds: [0, 7, 007]\n      scale: 00.5\n")
    said = []
    assert check_params_file(str(path), nodes=["/vjepa_planner"], say=said.append) == path
    assert said == []


# -- where a training seed came from, and what it means -----------------------------------------

@pytest.mark.parametrize("goal_seed, config, source", [
    (5, None, "--goal-seed"), (5, "reach.yaml", "--goal-seed"),
    (None, "reach.yaml", "goal_seed in reach.yaml"), (None, None, "the default goal_seed"),
])
def test_reach_names_the_source_of_its_goal_seed(goal_seed, config, source):
    from vjepa_ros.nodes.reach_command import goal_seed_source

    assert goal_seed_source(argparse.Namespace(goal_seed=goal_seed, config=config)) == source


def test_records_note_says_what_a_bag_on_a_training_seed_is():
    from vjepa_ros.eval.command import RECORD_SEED_MEANING
    from vjepa_ros.sim.choices import training_seeds_note

    note = training_seeds_note(7, 1, meaning=RECORD_SEED_MEANING)
    assert note.startswith("seed 7 (from --seed) is a training seed"), note
    assert "success measured" not in note and "eval or camera-check" in note, note
    assert training_seeds_note(900000, 1, meaning=RECORD_SEED_MEANING) == ""


def _bench(name: str, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location(f"{name}_fix55i",
                                                  ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name, argv", [
    ("bench_reach", ["--seed-start", "4294967295", "--goals", "2"]),
    ("bench_search", ["closed-loop", "--run", "cem:samples=16,iterations=2", "--world-model",
                      "oracle", "--seed-start", "4294967295", "--goals", "2"]),
    ("bench_subgoal_switching", ["--first-seed", "4294967295", "--seeds", "2"]),
])
def test_every_benchmark_refuses_scene_seeds_past_the_simulators_as_run_does(
        name, argv, monkeypatch, capsys):
    bench = _bench(name, monkeypatch)
    monkeypatch.setattr(sys, "argv", [f"{name}.py", *argv])
    with pytest.raises(SystemExit) as ended:
        bench.main()
    err = capsys.readouterr().err
    assert ended.value.code == 2, err
    assert "the seeds must lie in [0, 4294967295], the last would be 4294967296" in err, err


def test_bench_search_closed_loop_on_held_out_seeds_has_no_note(monkeypatch, capsys):
    bench = _bench("bench_search", monkeypatch)
    monkeypatch.setattr(bench, "closed_loop", lambda *args: None)
    monkeypatch.setattr(sys, "argv", ["bench_search.py", "closed-loop", "--run",
                                      "cem:samples=16,iterations=2", "--world-model", "oracle",
                                      "--goals", "3"])
    assert bench.main() == 0
    assert "training seed" not in capsys.readouterr().out


# -- a run ended by any error still totals the episodes that finished ---------------------------

def test_a_run_ended_by_a_refused_picture_write_totals_the_episodes_it_finished(
        tmp_path, monkeypatch, capsys):
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    import vjepa_ros.sim.reach_media as reach_media
    from vjepa_ros.cli import main

    calls = []

    def refused(out_dir, run, name):
        calls.append(name)
        raise PermissionError(errno.EACCES, "Permission denied", str(out_dir / f"{name}.gif"))

    monkeypatch.setattr(reach_media, "save_task_pictures", refused)
    status = main(["run", "--task", "grasp", "--world-model", "oracle", "--size", "32",
                   "--episodes", "2", "--seed", "900000", "--max-steps", "1", "--out",
                   str(tmp_path)])
    text = "".join(capsys.readouterr())
    assert status == 1 and len(calls) == 1, text[-800:]
    assert re.search(r"total: success \d+/1.*stopped after 1 of 2 episodes", text), text[-800:]


@pytest.mark.parametrize("free, said, unsaid", [
    (80 * 2**30, "the device reported no space (ENOSPC), 81920 MB free now: out of inodes",
     "it is full"),
    (5 * 2**20, "no space left on its disk, it is full, 5 MB free; FIX", "ENOSPC"),
])
def test_enospc_is_called_a_full_disk_only_where_the_disk_shows_none(
        tmp_path, monkeypatch, free, said, unsaid):
    from vjepa_ros import disk_full

    monkeypatch.setattr(disk_full, "_free_bytes", lambda folder: free)
    line = disk_full.full_disk_line(tmp_path / "x.gif", "FIX", errno.ENOSPC)
    assert said in line and unsaid not in line, line
    assert line.endswith("; FIX"), line


# -- YAML 1.1-only numbers in settings files ----------------------------------------------------

@pytest.mark.parametrize("line, text", [
    ("episode:\n  success_radius: 1:30.5", "1:30.5"), ("goal_seed: -0b101", "-0b101"),
    ("episode:\n  max_steps: 190:20:30", "190:20:30"), ("goal_seed: 0b1_1", "0b1_1"),
])
def test_yaml_11_only_numbers_are_text_a_number_setting_refuses(tmp_path, line, text):
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "reach.yaml"
    path.write_text(line + "\n")
    with pytest.raises(ValueError, match=rf"expected an? (integer|number), got '{text}'$"):
        load_reach_config(path)


def test_yaml_11_only_numbers_are_the_text_a_string_setting_takes():
    from vjepa_ros.yaml_keys import load_settings

    assert load_settings("a: 1:30\nb: 0b11\nc: 0x10\nd: 1.5\ne: 0100\n") == {
        "a": "1:30", "b": "0b11", "c": 16, "d": 1.5, "e": 100}


@pytest.mark.parametrize("text, kind", [("1.10", "a number"), ("2024-01-01", "a date"),
                                        ("True", "true/false")])  # yes: test_mend56z_settings
def test_a_string_setting_yaml_read_as_another_type_says_to_quote_it(tmp_path, text, kind):
    from vjepa_ros.sim.reach_config import load_reach_config

    plain, quoted = tmp_path / "plain.yaml", tmp_path / "quoted.yaml"
    plain.write_text(f"checkpoint: {text}\n")
    quoted.write_text(f"checkpoint: '{text}'\n")
    advice = f"(YAML reads the text as {kind}): write the string in quotes as typed"
    with pytest.raises(ValueError, match=re.escape(f'{advice} (checkpoint: "...")') + "$"):
        load_reach_config(plain)
    assert load_reach_config(quoted).checkpoint == text  # the quoted text, as typed


# -- the quoted form proposed for a -p value with a comment ------------------------------------

@pytest.mark.parametrize("raw, kept, meant", [
    ('"/data/goal 1.png" #2', "/data/goal 1.png", "/data/goal 1.png #2"),
    ("'it''s.png'  # mine", "it's.png", "it's.png  # mine"),
    ('"tab\\there.png" #x', "tab\there.png", "tab\there.png #x"),
    ("/data/goal.png #2", "/data/goal.png", "/data/goal.png #2"),
])
def test_the_proposed_form_reads_back_as_the_value_and_its_comment(raw, kept, meant):
    import shlex

    from vjepa_ros.nodes.ros_args import check_param_item
    from vjepa_ros.ros_values import yaml_value

    with pytest.raises(ValueError) as caught:
        check_param_item(f"path:={raw}")
    message = str(caught.value)
    assert f"rcl reads {kept!r} and drops the rest" in message, message
    proposed = shlex.split(message.rpartition("keep the '#': ")[2])
    assert proposed[0] == "-p" and proposed[1].startswith("path:="), proposed
    assert yaml_value("path", proposed[1].partition(":=")[2]) == meant
