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


class _Diagnostics:
    """The planner's ``/diagnostics`` as ``planner status --follow`` hears it, one status a call.

    ``client.node.create_subscription`` keeps the callbacks; each ``spin_until`` hands the next
    status to the ``/diagnostics`` one (a real ``diagnostic_msgs`` message) and, when none is
    left, stops the follow as Ctrl-C does.
    """

    target, timeout_s = "/vjepa_planner", 10.0

    def __init__(self, messages: list[str]):
        self.messages, self.callbacks, self.node = list(messages), {}, self

    def create_subscription(self, msg_type, topic, callback, qos):
        self.callbacks[topic] = callback

    def call_ready(self, name):
        return None

    def spin_until(self, condition, timeout_s):
        from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

        if not self.messages:
            raise KeyboardInterrupt
        values = [KeyValue(key=k, value=v) for k, v in (
            ("state", "shadow"), ("enabled", "False"), ("goal", "goal 1/1 (/tmp/b2m/goal.png)"),
            ("refusal_kind", ""))]
        status = DiagnosticStatus(level=DiagnosticStatus.WARN, name="/vjepa_planner: mpc",
                                  message=self.messages.pop(0), values=values)
        self.callbacks["/diagnostics"](DiagnosticArray(status=[status]))
        return condition()


def test_follow_does_not_repeat_a_warning_whose_only_change_is_its_count(capsys):
    """``planner status --follow`` repeats a waiting warning each second (docs60w #1).

    What the user does: runs ``vjepa-ros planner status --follow`` while the planner waits for a
    bag replay to start (docs/bags_to_model.md, step 7), 20 s of it at the node's 2 Hz.
    What happens: the planner's message counts the wait (``no camera image on ... in 9 s``,
    ``... in 10 s``, ...), the follow compares whole messages, so it prints the warning anew every
    second: 20 lines in 20 s, burying the plan reports it is there to show (``--help``: "print
    changes"). What should happen: a line when the level, state, goal or what is missing changes,
    not when only the count of seconds went up (here: none after the first status shown).
    Fixed (fix60w): ``robot/status_changes.py`` compares the message without its numbers.
    """
    from vjepa_ros.nodes import planner_watch

    waiting = [f"no camera image on /camera/camera/color/image_raw in {n // 2} s: "
               "/camera/camera/color/image_raw has a publisher that sends nothing (not started "
               "yet, finished, or a QoS it does not offer)" for n in range(10, 50)]
    with pytest.raises(KeyboardInterrupt):
        planner_watch.status("vjepa-ros planner status", _Diagnostics(waiting), follow=True)
    followed = capsys.readouterr().out.split("plan report: none heard")[1].splitlines()[1:]
    assert followed == [], f"{len(followed)} lines, e.g. {followed[:2]}"
