"""Package exports resolve on first use (``vjepa_ros/lazy_exports.py``), as eager imports did."""

import importlib
import re

import pytest

PACKAGES = ("vjepa_ros.planning", "vjepa_ros.eval", "vjepa_ros.sim", "vjepa_ros.train",
            "vjepa_ros.models", "vjepa_ros.recordings")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_is_its_submodules_object(name):
    package = importlib.import_module(name)
    assert package.__all__ == sorted(package._exported_from) and len(package.__all__) >= 5
    for public, module in package._exported_from.items():
        importlib.import_module(f"{name}.{module}")  # sets package.<module>: the export stays
        assert getattr(package, public) is getattr(
            importlib.import_module(f"{name}.{module}"), public), public
        assert public in dir(package)
    with pytest.raises(AttributeError, match=f"module '{name}' has no attribute 'no_such_name'"):
        package.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", PACKAGES)
def test_every_name_the_docstring_calls_is_exported_or_a_method_of_an_export(name):
    """The package docstring's API list and its exports agree (sim listed eight it lacked)."""
    package = importlib.import_module(name)
    called = set(re.findall(r"(?<![\w.])([A-Za-z_]\w*)\(", package.__doc__))
    classes = [value for value in map(package.__getattribute__, package.__all__)
               if isinstance(value, type)]
    unexported = sorted(called - set(package.__all__)
                        - {n for n in called if any(hasattr(c, n) for c in classes)})
    assert called and unexported == [], unexported


def test_an_export_named_like_its_submodule_stays_the_export():
    import vjepa_ros.planning.energy  # noqa: F401
    import vjepa_ros.recordings.resample  # noqa: F401  (the import sets the package's attribute)
    from vjepa_ros.planning import energy
    from vjepa_ros.recordings import resample

    assert callable(resample) and resample.__name__ == "resample"
    assert callable(energy) and energy.__name__ == "energy"


def test_star_import_and_submodule_attributes_work():
    namespace = {}
    exec("from vjepa_ros.planning import *", namespace)
    assert {"make_planner", "CEMConfig", "METHODS"} <= set(namespace)
    planning = importlib.import_module("vjepa_ros.planning")
    assert planning.rollout.ImaginedRollout is planning.ImaginedRollout  # a submodule by name
