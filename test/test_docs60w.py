"""docs/bags_to_model.md: every ``vjepa-ros`` command of the walkthrough is one the CLI accepts.

The walkthrough's commands were run as written when it was made; this keeps them runnable as the
CLI changes: each command line of its ```bash blocks and each ``$ vjepa-ros ...`` line of its
```text outputs is parsed by the real parser (``vjepa_ros.cli.build_parser``), shell variables
given the values the walkthrough gives them. An option renamed or removed, a choice dropped, a
value type changed fails here naming the line. (test_cli_abbreviations checks only that each
option name of the docs exists; this parses the whole line, values and positionals included.)
"""

import re
import shlex

import pytest

from conftest import REPO_ROOT
from vjepa_ros.cli import build_parser

DOC = REPO_ROOT / "docs" / "bags_to_model.md"
BLOCK = re.compile(r"^```(bash|text)\n(.*?)^```", re.S | re.M)
# the shell variables of the walkthrough: the loop's seed and the working folder
VARIABLES = {"s": "900001", "PWD": "/tmp/b2m"}
WALKTHROUGH_COMMANDS = {"record", "inspect", "eval", "train", "launch", "planner"}


def shell_lines(body: str, first: int):
    """Yield (line number, line) of a block, a line ending in a backslash joined with the next."""
    pending, start = "", first
    for number, line in enumerate(body.splitlines(), first):
        start = start if pending else number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, pending + line
        pending = ""


def command_lines() -> list:
    """Return one pytest param per command: its argv after ``vjepa-ros``, id the doc's line."""
    text = DOC.read_text()
    found = []
    for block in BLOCK.finditer(text):
        kind, body = block.group(1), block.group(2)
        for number, line in shell_lines(body, text.count("\n", 0, block.start(2)) + 1):
            if kind == "text" and not line.startswith("$ vjepa-ros "):
                continue  # outputs: only the commands shown after their prompt
            for match in re.finditer(r"(?:^|[\s;])vjepa-ros\s+([^;#&|]*)", line):
                words = re.sub(r"\$(\w+)", lambda m: VARIABLES[m.group(1)], match.group(1))
                argv = shlex.split(words)
                found.append(pytest.param(argv, id=f"line {number}: {' '.join(argv[:2])}"))
    return found


def test_the_walkthrough_has_its_commands():
    """Each step of the walkthrough is there: bags, inspect, eval, train, the node."""
    commands = {param.values[0][0] for param in command_lines()}
    assert WALKTHROUGH_COMMANDS <= commands, WALKTHROUGH_COMMANDS - commands
    assert len(command_lines()) >= 12


@pytest.mark.parametrize("argv", command_lines())
def test_walkthrough_command_is_accepted_by_the_cli(argv, capsys):
    """The command parses: argparse neither exits (a usage error) nor leaves words unread."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        pytest.fail(f"vjepa-ros {' '.join(argv)}: refused ({stop.code}): "
                    f"{capsys.readouterr().err.strip()}")
    assert args.command == argv[0] and callable(args.func)
