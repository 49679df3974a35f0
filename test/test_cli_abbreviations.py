"""Every command and benchmark takes whole option names only (vjepa_ros/cli_parser.py).

argparse's default ``allow_abbrev`` took a unique prefix as the option: ``vjepa-ros reach
--goal x.png`` set ``--goal-seed``. Each long option of each parser is given cut short by one
character (where that prefix names no other option) and must be refused as unrecognized.
"""

import argparse
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest

from vjepa_ros.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


def abbreviations(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    """Return (prefix, option): each long option minus its last character, unique as a prefix."""
    options = [o for o in parser._option_string_actions if o.startswith("--") and o != "--help"]
    return [(o[:-1], o) for o in options
            if sum(other.startswith(o[:-1]) for other in options) == 1 and len(o) > 4]


def required(parser: argparse.ArgumentParser) -> list[str]:
    """Values for the required arguments and options (so that the abbreviation is what fails)."""
    argv = []
    for action in parser._actions:
        if action.option_strings and not action.required or action.nargs in ("?", "*"):
            continue
        value = str(action.choices[0]) if action.choices else \
            "1" if action.type in (int, float) else "x"
        argv += [*action.option_strings[:1], value]
    return argv


def assert_refused(parser, argv_before: list[str], prefix: str, option: str, prog: str,
                   capsys) -> None:
    """Assert the refusal is one line from ``prog`` (the sub-command) suggesting the option."""
    with pytest.raises(SystemExit) as caught:
        parser.parse_args([*argv_before, f"{prefix}=1"])
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err == (
        f"{prog}: error: unrecognized arguments: {prefix}=1; {prefix} is no option of {prog}: "
        f"did you mean {option}? (run {prog} --help for its options)\n"), (prefix, err)


def sub_commands() -> dict[str, argparse.ArgumentParser]:
    root = build_parser()
    sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def nested_options(parser: argparse.ArgumentParser) -> set[str]:
    """Return ``parser``'s options and those of its own sub-commands (``planner status``)."""
    options = set(parser._option_string_actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                options |= nested_options(child)
    return options


def test_a_verb_of_vjepa_ros_planner_refuses_an_abbreviated_option(capsys):
    """The verbs are sub-commands of ``planner``: the rule holds one level down too."""
    root = build_parser()
    assert_refused(root, ["planner", "status"], "--follo", "--follow",
                   "vjepa-ros planner status", capsys)
    assert_refused(root, ["planner", "goal-pose", "1", "2", "3"], "--fram", "--frame",
                   "vjepa-ros planner goal-pose", capsys)


def test_every_sub_command_refuses_an_abbreviated_option(capsys):
    commands = sub_commands()
    assert {"reach", "run", "demo", "eval", "camera-check", "train", "collect"} <= set(commands)
    root = build_parser()
    checked = 0
    for name, parser in commands.items():
        for prefix, option in abbreviations(parser):
            assert_refused(root, [name, *required(parser)], prefix, option,
                           f"vjepa-ros {name}", capsys)
            checked += 1
    assert checked > 100  # every command's options, not a few


def test_the_reported_case_goal_for_goal_seed_is_refused(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["reach", "--goal", "x.png"])
    err = capsys.readouterr().err
    assert err == "vjepa-ros reach: error: unrecognized arguments: --goal x.png; --goal is no " \
        "option of vjepa-ros reach: did you mean --goal-seed? (run vjepa-ros reach --help for " \
        "its options)\n", "one line, from the sub-command, not the top"
    assert build_parser().parse_args(["reach", "--goal-seed", "3"]).goal_seed == 3


@pytest.mark.parametrize("argv, hint", [
    (["eval", "BAG", "--goal", "g.png"], None),  # eval has --goal itself: accepted
    (["eval", "BAG", "--goal-o", "3"], "--goal-o is no option of vjepa-ros eval: did you mean "
     "--goal-offset?"),
    (["eval", "BAG", "--momentum-s", "3"], "--momentum-s is no option of vjepa-ros eval: did you "
     "mean --momentum-std, --momentum-std-gripper?"),  # every option that starts so, sorted
    (["reach", "--samles", "64"], "--samles is no option of vjepa-ros reach: did you mean "
     "--samples?"),  # a typo: the closest names
    # no suggestion: the line ends as every other usage error (was "(see vjepa-ros reach --help)")
    (["reach", "--frobnicate"], "--frobnicate is no option of vjepa-ros reach"),
    (["check", "--foo"], "--foo is no option of vjepa-ros check"),
    # the same thing under a sister command's name: this command's own option
    (["reach", "--world-model", "m.pt"], "--world-model is no option of vjepa-ros reach: did "
     "you mean --checkpoint?"),
    (["run", "--task", "grasp", "--checkpoint", "m.pt"], "--checkpoint is no option of "
     "vjepa-ros run: did you mean --world-model?"),
    (["launch", "--model=m.pt"], "--model is no option of vjepa-ros launch: did you mean "
     "--checkpoint?"),
    (["reach", "stray"], ""),  # a stray positional: no option to suggest
])
def test_an_unknown_option_is_refused_by_its_sub_command_with_the_options_it_may_mean(
        argv, hint, capsys):
    if hint is None:
        assert build_parser().parse_args(argv).goal == "g.png"
        return
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    err = capsys.readouterr().err
    assert caught.value.code == 2 and err.count("\n") == 1, "one line, no usage"
    last = err.splitlines()[-1]
    assert last.startswith(f"vjepa-ros {argv[0]}: error: unrecognized arguments: "), last
    help_hint = f" (run vjepa-ros {argv[0]} --help for its options)"
    assert last.endswith(f"; {hint}{help_hint}" if hint else f"{argv[-1]}{help_hint}"), last


@pytest.mark.parametrize("typed, line", [
    ("raech", "vjepa-ros: unknown command 'raech'; did you mean 'reach'? (run vjepa-ros --help "
     "for the list)"),
    ("camera_check", "vjepa-ros: unknown command 'camera_check'; did you mean 'camera-check'? "
     "(run vjepa-ros --help for the list)"),
    ("frobnicate", "vjepa-ros: unknown command 'frobnicate' (run vjepa-ros --help for the list)"),
])
def test_a_mistyped_sub_command_is_one_line_with_the_command_it_may_be(typed, line, capsys):
    """The usage and every command name (argparse) came before the one useful word."""
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args([typed, "--samples", "3"])
    assert caught.value.code == 2
    assert capsys.readouterr().err == line + "\n"


@pytest.mark.parametrize("argv, line", [
    (["run", "--task", "foo"], "vjepa-ros run: error: argument --task: invalid choice: 'foo' "
     "(choose from 'grasp', 'reach-with-object', 'pick-and-place')"),
    (["demo", "--samples", "x"], "vjepa-ros demo: error: argument --samples: invalid int "
     "value: 'x'"),
    (["launch", "--image-transport", "jpeg"], "vjepa-ros launch: error: argument "
     "--image-transport: invalid choice: 'jpeg' (choose from 'raw', 'compressed')"),
    (["run", "--samples", "nan"], "vjepa-ros run: error: argument --samples: invalid int "
     "value: 'nan'"),
    (["run", "--dense-steps", "1", "2"], "vjepa-ros run: error: argument --dense-steps: "
     "expected 9 arguments"),
    (["reach", "--method", "nope"], "vjepa-ros reach: error: argument --method: invalid choice: "
     "'nope' (choose from 'cem', 'icem', 'mppi')"),
    ([], "vjepa-ros: error: the following arguments are required: command"),
])
def test_every_usage_error_is_one_line_without_the_usage(argv, line, capsys):
    """Argparse printed the command's usage (10-31 lines) before the one line that matters."""
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(argv)
    assert caught.value.code == 2
    prog = " ".join(["vjepa-ros", *argv[:1]])
    assert capsys.readouterr().err == f"{line} (run {prog} --help for its options)\n"


def test_a_benchmark_suggests_too(bench_parsers, capsys):
    parser = bench_parsers["bench_reach.py"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--goal", "3"])
    assert capsys.readouterr().err.splitlines()[-1] == "bench_reach.py: error: unrecognized " \
        "arguments: --goal 3; --goal is no option of bench_reach.py: did you mean " \
        "--goal-distance, --goals? (run bench_reach.py --help for its options)"


class _Captured(Exception):
    pass


def benchmark_parser(path: Path) -> argparse.ArgumentParser:
    """Return the parser a benchmark's ``main()`` builds, caught at its ``parse_args`` call."""
    caught = []

    def capture(self, *args, **kwargs):
        caught.append(self)
        raise _Captured

    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(ROOT / "benchmarks"))
        spec = importlib.util.spec_from_file_location(f"_abbrev_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        # registered as a normal import would be: dataclasses (string annotations) look it up
        patch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
        patch.setattr(argparse.ArgumentParser, "parse_args", capture)
        patch.setattr(sys, "argv", [str(path)])
        with pytest.raises(_Captured):
            module.main(*([None] if inspect.signature(module.main).parameters else []))
    return caught[0]


@pytest.fixture(scope="module")
def bench_parsers() -> dict[str, argparse.ArgumentParser]:
    return {path.name: benchmark_parser(path) for path in BENCHMARKS}


@pytest.mark.parametrize("name", [p.name for p in BENCHMARKS])
def test_every_benchmark_refuses_an_abbreviated_option(name, bench_parsers, capsys):
    parser = bench_parsers[name]
    prefixes = abbreviations(parser)
    assert prefixes, f"{name}: no option to abbreviate"
    for prefix, option in prefixes:
        assert_refused(parser, required(parser), prefix, option, parser.prog, capsys)


COMMAND_LINE = re.compile(r"vjepa-ros\s+(?P<command>[a-z-]+)(?P<rest>[^`|\n]*)"
                          r"|(?P<bench>bench_[a-z_]+\.py)(?P<bench_rest>[^`|\n]*)")


def test_documented_command_lines_use_whole_option_names(bench_parsers):
    """Each ``--option`` on a ``vjepa-ros CMD`` / ``bench_X.py`` line of the docs is CMD's own."""
    options = {name: nested_options(p) for name, p in sub_commands().items()}
    options.update({name: set(p._option_string_actions) for name, p in bench_parsers.items()})
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *BENCHMARKS]
    wrong, checked = [], 0
    for doc in docs:
        text = re.sub(r"\\\n\s*", " ", doc.read_text())  # shell line continuations
        for match in COMMAND_LINE.finditer(text):
            command = match["command"] or match["bench"]
            if command not in options:
                continue  # prose ("vjepa-ros is ...") or a command without options
            for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*",
                                     match["rest"] or match["bench_rest"] or ""):
                checked += 1
                if option not in options[command]:
                    wrong.append(f"{doc.name}: {command} {option}")
    assert wrong == [] and checked > 200, (wrong, checked)


def test_no_parser_is_made_without_the_package_class():
    """A new command or benchmark gets the rule by using ``vjepa_ros.cli_parser``."""
    sources = [*BENCHMARKS, *(ROOT / "vjepa_ros").rglob("*.py"), *(ROOT / "scripts").rglob("*.py")]
    offenders = [str(p.relative_to(ROOT)) for p in sources if p.name != "cli_parser.py"
                 and re.search(r"argparse\.ArgumentParser\(|parser_class=", p.read_text())]
    assert offenders == []
