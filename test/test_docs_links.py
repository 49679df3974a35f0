"""Every relative link and ``#anchor`` in README.md and docs/*.md resolves.

A section renamed or moved between the README and ``docs/`` leaves links pointing at
nothing; GitHub shows them as dead links. Anchors follow GitHub's heading slugs (lower case,
punctuation dropped, spaces to hyphens, ``-1``, ``-2`` for repeated headings).
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
LINK = re.compile(r"\]\(([^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text (markdown links reduced to their text)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text())):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text())
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code is not a link
    return [m for m in LINK.findall(text) if not re.match(r"[a-z]+:", m)]


def test_slugs_follow_github():
    assert slug("Planner node (ROS 2)") == "planner-node-ros-2"
    assert slug("Installation without ROS (Python ≥ 3.10 and pip, nothing else)") == \
        "installation-without-ros-python--310-and-pip-nothing-else"
    assert slug("`camera_node`") == "camera_node"


def test_every_relative_link_and_anchor_resolves():
    broken, checked = [], 0
    for doc in DOCS:
        for target in links(doc):
            checked += 1
            file, _, anchor = target.partition("#")
            dest = (doc.parent / file).resolve() if file else doc
            where = f"{doc.relative_to(ROOT)}: ({target})"
            if not dest.exists():
                broken.append(f"{where} names a missing file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                broken.append(f"{where} names a missing heading")
    assert checked > 50, checked  # the pattern still finds the documents' links
    assert not broken, "\n".join(broken)
