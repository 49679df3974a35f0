"""data28e: the pre-27 route walk, split part numbering, upper-case advice, broken links.

ROS-free, no training: each checks what breaker28b's holes left around the fixed line.
"""

import os
from pathlib import Path

import pytest

from conftest import write_test_bag


def _counted_listings(monkeypatch) -> list:
    from vjepa_ros.train import data_identity

    listings = []
    real_scandir = os.scandir

    def counted(path):
        listings.append(os.path.realpath(path))
        return real_scandir(path)

    monkeypatch.setattr(data_identity.os, "scandir", counted)
    return listings


def test_every_route_lists_the_pre_27_routes_listing_each_folder_once(tmp_path, monkeypatch):
    """The routes a run before session 27 digested, each real folder listed once.

    ``top/a`` links to ``b`` and ``b`` back to ``a`` (each followed once per route, never
    into a folder the route is in), ``f`` is a second route to ``a``, ``up`` a loop; forks
    count, ``*.partial`` files and broken links do not. The old walk listed a folder per route.
    """
    from vjepa_ros.train.data_identity import every_route

    top = tmp_path / "top"
    for folder in ("a", "b", "e"):
        (top / folder).mkdir(parents=True)
    (top / "a" / "x.mcap").write_bytes(b"x")
    (top / "a" / "._x.mcap").write_bytes(b"fork")
    (top / "b" / "y.db3").write_bytes(b"y")
    (top / "b" / "y.db3.partial").write_bytes(b"killed")
    os.symlink("../b", top / "a" / "c")
    os.symlink("../a", top / "b" / "d")
    os.symlink("a", top / "f")
    os.symlink("..", top / "a" / "up")
    os.symlink("/nonexistent/z.mcap", top / "e" / "z.mcap")
    listings = _counted_listings(monkeypatch)
    routes = ["a/._x.mcap", "a/c/y.db3", "a/x.mcap", "b/d/._x.mcap", "b/d/x.mcap", "b/y.db3",
              "f/._x.mcap", "f/c/y.db3", "f/x.mcap"]
    assert every_route(top) == [top / route for route in routes]
    assert sorted(listings) == sorted(os.path.realpath(top / name) for name in ("", *"abe"))


def test_every_route_refuses_a_mesh_of_links_with_files_in_bounded_listings(tmp_path,
                                                                              monkeypatch):
    """9 folders, each linking to the others and holding a file: 9! routes, 9 + 1 listings.

    The old walk listed a folder per route until its limit of files (130 s at 100 000).
    """
    from vjepa_ros.train.data_identity import every_route

    names = [f"f{i}" for i in range(9)]
    for name in names:
        (tmp_path / "top" / name).mkdir(parents=True)
        (tmp_path / "top" / name / "a.mcap").write_bytes(b"a")
        for other in names:
            if other != name:
                os.symlink(f"../{other}", tmp_path / "top" / name / other)
    listings = _counted_listings(monkeypatch)
    with pytest.raises(ValueError, match="over 1000 "):
        every_route(tmp_path / "top", limit=1000)
    assert len(listings) == 10, len(listings)


def test_parts_numbered_by_another_scheme_claim_no_lost_parts():
    """A first part numbered past 1000 or parts thousands apart: no rosbag2 split numbering.

    ``cam_3000``, ``cam_3060`` (numbered by the minute) claimed cam_0 ... (3058 parts) lost;
    ``x_0``, ``x_5000`` 4999 lost between. A killed split missing parts still says so.
    """
    from vjepa_ros.recordings.recorded_files import missing_parts

    cam = Path("/data/cam")
    assert missing_parts([cam / "cam_3000.mcap", cam / "cam_3060.mcap"]) == []
    assert missing_parts([cam / "x_0.mcap", cam / "x_5000.mcap"]) == []
    said = missing_parts([cam / "cam_2.mcap", cam / "cam_4.mcap"])
    assert len(said) == 1 and said[0].startswith(
        f"{cam}: cam_0.mcap, cam_1.mcap, cam_3.mcap of split recording cam missing before "
        "cam_2.mcap and between cam_2.mcap and cam_4.mcap"), said


def test_an_upper_case_part_on_a_disk_that_ignores_case_keeps_its_part_name(tmp_path,
                                                                            monkeypatch):
    """``x_0.MCAP`` on a disk where ``x_0.mcap`` is the same file: renamed to ``x_0.mcap``.

    The old advice saw the lower-case name taken and moved it onto ``x_0-1.mcap``: no part of
    ``x`` any more. Here the disk is case-sensitive; os.path.samestat says what such a disk's
    stat says (one file by both names).
    """
    from vjepa_ros.path_advice import shell_command
    from vjepa_ros.recordings.bag_folders import upper_case_fix

    upper = tmp_path / "x_0.MCAP"
    upper.write_bytes(b"x")
    (tmp_path / "x_0.mcap").write_bytes(b"x")
    monkeypatch.setattr(os.path, "samestat", lambda one, other: True)
    fix = upper_case_fix(upper)
    step = tmp_path / "x_0.MCAP.renaming"
    assert fix.endswith(f"`{shell_command('mv', '-n', upper, step)} && "
                        f"{shell_command('mv', '-n', step, tmp_path / 'x_0.mcap')}`"), fix
    assert "x_0-1" not in fix


def test_a_broken_link_is_left_out_of_the_digests_of_runs_before_v2_too(tmp_path):
    """A run stored before ``v2:`` digests: its resume digests the same way, link left out."""
    from vjepa_ros.train.data_identity import data_identity
    from vjepa_ros.train.episodes import Source

    bag = write_test_bag(tmp_path / "bag")
    os.symlink("/nonexistent/old.mcap", bag / "old.mcap")
    identity = data_identity({"--data": [Source(bag, "bag")]}, legacy=True)
    assert list(identity["--data"]) == [str(bag.resolve())]
