"""Keep the comment above each key of the shipped ROS parameter files its parameter's description.

Each key under ``ros__parameters`` of the files in :data:`PARAMS_FILES` gets, as the comment
block right above it, the description its dataclass field gives with :func:`vjepa_ros.config.param`
(what ``ros2 param describe`` and the README show), wrapped to :data:`WIDTH` columns. Values,
order, file and section comments and the commented-out empty-list keys
(``# goal_steps: []   (...)``, rcl cannot type an empty list) are kept. Rewrite the files with
``python -m vjepa_ros.params_comments`` (``--check``: list stale comments, exit 1 if any).
"""

from __future__ import annotations

import importlib
import re
import textwrap
from pathlib import Path

from vjepa_ros.config import flatten

# config/ file -> "module:Class" of its node's parameters (ROS-free modules: no rclpy imported)
PARAMS_FILES = {
    "planner.yaml": "vjepa_ros.robot.planner_config:PlannerNodeConfig",
    "camera.yaml": "vjepa_ros.robot.camera:CameraConfig",
    "bag_player.yaml": "vjepa_ros.eval.playback:PlaybackConfig",
    "image_publisher.yaml": "vjepa_ros.nodes.image_publisher_config:ImagePublisherConfig",
    "sim.yaml": "vjepa_ros.sim.node_config:SimNodeConfig",
}
WIDTH = 99  # the files' line width (comment lines; a long value line may exceed it)
FIX = "python -m vjepa_ros.params_comments"
# a key line: "  name: value", "  section:", or an empty list written as a comment "  # name: []"
KEY = re.compile(r"^(?P<indent>\s*)(?P<hash># )?(?P<key>[A-Za-z_][\w]*):(?P<rest>\s.*|)$")
COMMENTED_KEY = re.compile(r"^\s*# [A-Za-z_]\w*: \[\]")


def descriptions(spec: str) -> dict[str, str]:
    """Return ``{dotted parameter name: description}`` of the dataclass ``spec`` names.

    ``spec``: ``"module:Class"`` as in :data:`PARAMS_FILES`. Raises ImportError when the module
    cannot be imported.
    """
    module, _, name = spec.partition(":")
    cls = getattr(importlib.import_module(module), name)
    return {key: description for key, _, description in flatten(cls())}


def _keys(lines: list[str], described: dict[str, str]):
    """Yield ``(line index, dotted name)`` of each described key line under ros__parameters."""
    stack: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        match = KEY.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = [key for _, key in stack]
        inside = path[path.index("ros__parameters") + 1:] if "ros__parameters" in path else None
        name = ".".join([*(inside or []), match["key"]])
        rest = match["rest"].strip()
        if match["hash"]:
            if inside is not None and name in described and rest.startswith("[]"):
                yield i, name
        elif rest == "" or rest.startswith("#"):
            stack.append((indent, match["key"]))
        elif inside is not None and name in described:
            yield i, name


def _comment_above(lines: list[str], at: int) -> int:
    """Return where the comment block right above key line ``at`` starts (``at``: none)."""
    indent = len(lines[at]) - len(lines[at].lstrip())
    start = at
    while start > 0:
        line = lines[start - 1]
        if not line.lstrip().startswith("#") or len(line) - len(line.lstrip()) != indent:
            break
        if COMMENTED_KEY.match(line):  # the previous key, an empty list written as a comment
            break
        start -= 1
    return start


def _without_inline_comment(line: str) -> str:
    """Return key line ``line`` without a trailing ``# ...`` comment (quotes respected)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and i and line[i - 1].isspace() and line[:i].strip() and \
                not line[:i].lstrip().startswith("#"):
            return line[:i].rstrip()
    return line


def comment_text(lines: list[str], at: int) -> str:
    """Return the comment above key line ``at`` (and after its value), whitespace normalized."""
    parts = [line.strip()[1:] for line in lines[_comment_above(lines, at):at]]
    key_line = lines[at]
    if not key_line.lstrip().startswith("#"):
        parts.append(key_line[len(_without_inline_comment(key_line)):].strip()[1:])
    return " ".join(" ".join(parts).split())


def stale(text: str, described: dict[str, str]) -> list[str]:
    """Return the names whose comment in parameter file ``text`` is not their description.

    Compared with whitespace normalized; a described parameter with no key in the file is not
    listed (test_planner_params_docs checks that every key is written out).
    """
    lines = text.splitlines()
    return [name for at, name in _keys(lines, described)
            if comment_text(lines, at) != " ".join(described[name].split())]


def rewrite(text: str, described: dict[str, str]) -> str:
    """Return parameter file ``text`` with each described key's comment block its description.

    The block right above the key (same indentation) and a comment after its value are
    replaced by the description wrapped to :data:`WIDTH` columns; everything else is kept.
    """
    lines = text.splitlines()
    out: list[str] = []
    done = 0
    for at, name in _keys(lines, described):
        start = _comment_above(lines, at)
        out += lines[done:start]
        indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
        out += textwrap.wrap(described[name], WIDTH, initial_indent=indent + "# ",
                             subsequent_indent=indent + "# ", break_long_words=False,
                             break_on_hyphens=False)
        out.append(_without_inline_comment(lines[at]))
        done = at + 1
    out += lines[done:]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or with ``--check`` only report) the comments of the shipped parameter files.

    ``argv``: ``[--check] [CONFIG_DIR]`` (default: the source tree's ``config/``). Prints one
    line per file changed or per stale key; returns 1 when ``--check`` finds stale comments.
    """
    from vjepa_ros.cli_parser import ArgumentParser

    parser = ArgumentParser(
        prog="python -m vjepa_ros.params_comments",
        description="Rewrite the comment above each key of the shipped parameter files "
                    "(config/planner.yaml, camera, bag_player, image_publisher, sim) as the "
                    "parameter's description.")
    parser.add_argument("--check", action="store_true",
                        help="only list the keys whose comment is stale (status 1), write nothing")
    parser.add_argument("config_dir", nargs="?", type=Path,
                        default=Path(__file__).resolve().parent.parent / "config",
                        help="the folder holding the files (default: this checkout's config/)")
    args = parser.parse_args(argv)  # a mistyped option: usage and status 2
    check, folder = args.check, args.config_dir
    missing = [name for name in PARAMS_FILES if not (folder / name).is_file()]
    if missing:
        parser.error(f"{folder}: no {', '.join(missing)} there; give the folder holding the "
                     "shipped parameter files (a checkout's config/)")
    found = False
    for file_name, spec in PARAMS_FILES.items():
        path = folder / file_name
        text = path.read_text(encoding="utf-8")
        described = descriptions(spec)
        for name in stale(text, described):
            found = True
            print(f"{path}: {name}: comment is not its description")
        new = rewrite(text, described)
        if not check and new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path}")
    return 1 if check and found else 0


if __name__ == "__main__":
    from vjepa_ros.entry_points import end_after, run_stoppable

    end_after(lambda: run_stoppable("python -m vjepa_ros.params_comments", lambda: main))
