"""Every ``module.NAME`` constant or class named in README.md's and docs/*.md's code spans exists.

A constant or class moved to another module leaves the docs naming a place it is not
(breaker53d: ``targets.BRAKING_MARGIN``, defined in ``safety``). Checked: inline code spans
``stem.Name`` (``Name`` starting upper case, optionally ``.attribute`` or a call after it)
whose ``stem`` is the file name of a module of the package; the name must be an attribute
of one of the modules with that stem. Written in full (``vjepa_ros.robot.mpc.MPCSession``), the
dotted module (or package) must be the package's and define the name (breaker53l: a stale
``vjepa_ros.robot.targets.BRAKING_MARGIN`` passed). Lower-case names are left out:
``safety.max_step_m`` and the like are parameters, not module attributes.
"""

import importlib
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SPAN = re.compile(r"`([^`\n]+)`")
NAME = re.compile(r"((?:vjepa_ros\.)(?:[a-z_][a-z0-9_]*\.)*)?([a-z_][a-z0-9_]*)\."
                  r"([A-Z][A-Za-z0-9_]*)(?:\.([A-Za-z_]\w*))?(?:\(.*\))?")


def module_stems() -> dict[str, list[str]]:
    """Map each module file's stem to the dotted names of the package's modules with it."""
    stems = defaultdict(list)
    for path in sorted((ROOT / "vjepa_ros").rglob("*.py")):
        if path.name != "__init__.py":
            stems[path.stem].append(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return stems


def full_module(dotted: str) -> list[str]:
    """Return ``[dotted]`` when it names a module or package of the package, else []."""
    path = ROOT.joinpath(*dotted.split("."))
    return [dotted] if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file() \
        else []


def defined(modules: list[str], name: str, attribute: str | None) -> bool:
    for dotted in modules:
        value = getattr(importlib.import_module(dotted), name, None)
        if value is not None and (attribute is None or hasattr(value, attribute)):
            return True
    return False


def test_every_module_name_in_the_docs_exists():
    stems = module_stems()
    missing, checked = [], 0
    for doc in DOCS:
        for span in SPAN.findall(doc.read_text()):
            match = NAME.fullmatch(span.strip())
            if match is None:
                continue
            package, stem, name, attribute = match.groups()
            if package is None and stem not in stems:
                continue
            modules = stems[stem] if package is None else full_module(package + stem)
            checked += 1
            if not defined(modules, name, attribute):
                missing.append(f"{doc.relative_to(ROOT)}: `{span}`")
    assert checked >= 5, "the docs' module.NAME references were not found (pattern broken?)"
    assert not missing, "named in the docs, not defined there: " + "; ".join(missing)
