"""The package's modules that turn a recording into training steps: found by their imports.

The feature cache keys its shards by a digest of this code (``feature_cache.reader_code_digest``):
a fix to the frame decoder (``images.py``), forward kinematics (``robot/kinematics.py``) or the
gripper's closedness (``robot/joint_states.py``) changes the frames or states read from the same
bag, so the features are computed again. A hand-made list of files missed those (breaker34a);
here every module the readers import, at the top or inside a function, is followed, so a module
imported later is covered without a word.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_NAME = "vjepa_ros"


def imported_modules(file: Path, package: Path, inside_functions: bool = True) -> list[Path]:
    """Return the files under ``package`` (the ``vjepa_ros`` folder) that ``file`` imports.

    ``import vjepa_ros.a.b``, ``from vjepa_ros.a import b`` (``a/b.py`` when it is a module, else
    ``a.py`` or ``a/__init__.py``) and relative imports; those inside functions and classes too
    when ``inside_functions``. ``from vjepa_ros.a import Name`` where ``a/__init__.py`` exports
    ``Name`` lazily (``lazy_exports``) imports the submodule that defines it too. A file that
    does not parse imports nothing (its bytes are digested all the same).
    """
    try:
        tree = ast.parse(file.read_bytes())
    except (SyntaxError, ValueError):
        return []
    names: list[str] = []
    for node in _statements(tree, inside_functions):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x / from ..a import b: relative to this file
                parts = [PACKAGE_NAME, *file.parent.relative_to(package).parts]
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]
    found = []
    for name in names:
        parts = name.split(".")
        if parts[0] != PACKAGE_NAME:
            continue
        inner = package.joinpath(*parts[1:])
        for candidate in (inner.with_suffix(".py"), inner / "__init__.py"):
            if len(parts) > 1 and candidate.is_file():
                found.append(candidate)
        init = inner.parent / "__init__.py"  # name = package.Name: a lazy export of package?
        submodule = lazy_exported(init).get(parts[-1]) if len(parts) > 2 else None
        if submodule and (inner.parent / f"{submodule}.py").is_file():
            found.append(inner.parent / f"{submodule}.py")
    return found


def lazy_exported(init: Path) -> dict[str, str]:
    """Return {exported name: submodule} of a package ``__init__.py`` using ``lazy_exports``.

    Read from its ``lazy_exports(__name__, {"submodule": ("Name", ...), ...})`` call; {} when it
    has none (or is absent or does not parse).
    """
    try:
        tree = ast.parse(init.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return {}
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "lazy_exports"
                and len(node.args) == 2):
            continue
        try:
            exports = ast.literal_eval(node.args[1])
        except ValueError:
            continue
        found.update({name: submodule for submodule, names in exports.items()
                      for name in names})
    return found


def _statements(tree: ast.AST, inside_functions: bool):
    """Yield the nodes of ``tree``; without ``inside_functions``, none in a def or class body."""
    if inside_functions:
        yield from ast.walk(tree)
        return
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        todo += [child for child in ast.iter_child_nodes(node) if not isinstance(
            child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)]


def code_files(package: Path, roots: tuple[str, ...]) -> list[Path]:
    """Return the files matching the globs ``roots`` under ``package`` and what they import.

    Sorted by their path under ``package``, each once: the roots (the readers), every module
    they import, at the top or inside a function (a reader's lazy import is part of reading),
    and every module those import at their top, on and on (:func:`imported_modules`). Imports
    inside the functions of modules beyond the roots are not followed: a path helper's import of
    the simulator's settings for its advice drew in the whole simulator.
    """
    found = [file for pattern in roots for file in sorted(package.glob(pattern))]
    seen: dict[Path, bool] = {}  # file -> read as a root (its functions' imports followed)
    todo = [(file, True) for file in reversed(found)]
    while todo:
        file, root = todo.pop()
        if file in seen and (seen[file] or not root):
            continue
        seen[file] = root
        todo += [(other, False) for other in imported_modules(file, package, root)
                 if other not in seen]
    return sorted(seen, key=lambda file: file.relative_to(package).as_posix())
