"""``bag_files.open_reader``: an unlisted split part is checked for read access like a listed one.

Found by review52r (read, not run: as root every file reads): with a part metadata.yaml does
not list (a recorder killed after a split), ``open_reader`` returned before its
``refuse_unreadable`` loop, so a part this user may not read got the library's words instead
of the package's chmod line. The permission refusal is faked by the check's ``open`` (the
libraries open the files themselves), so the test runs as any user.
"""

from __future__ import annotations

import pytest
from test_breaker52l import _list, _parts

from vjepa_ros.recordings import data_file_parts
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bags import read_recording

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("denied", ["bag_0.mcap", "bag_1.mcap"])
def test_a_part_this_user_may_not_read_is_named_with_its_chmod(denied, tmp_path, monkeypatch):
    """bag_0 listed, bag_1 not (read with it): either one unreadable is refused naming it."""
    folder = tmp_path / "bag"
    _list(folder, _parts(tmp_path, folder, [0, 3], 3), ["bag_0.mcap"])
    assert len(read_recording(folder).image_times) == 6  # both parts read when readable

    def check_open(file, *args):
        if file.name == denied:
            raise PermissionError(13, "Permission denied")
        return open(file, *args)

    monkeypatch.setattr(data_file_parts, "open", check_open, raising=False)
    with pytest.raises(BagError) as info:
        read_recording(folder)
    assert denied in str(info.value) and "chmod" in str(info.value), str(info.value)
