"""mend50: an MCAP file's summary is parsed once per open of its bag, not up to three times.

Opening a folder holding an MCAP without message indexes asked for its summary three times
(``bag_files`` and ``data_file_parts`` each through ``mcap_summary.lacks_message_index``, then
``SalvagedMcap``'s schemas and channels); it is kept per (resolved path, size, mtime [ns]).
"""

import os

import mcap.reader
import pytest
from test_breaker49e import _mcap_writer_bag

from vjepa_ros.recordings import mcap_summary
from vjepa_ros.recordings.bag_files import open_reader

pytestmark = pytest.mark.usefixtures("one_thread")


def _counted_parses(monkeypatch) -> list:
    """Count the summary parses (``mcap.reader.make_reader(...).get_summary()``)."""
    parses = []
    real = mcap.reader.make_reader

    def make_reader(stream, *args, **kwargs):
        reader = real(stream, *args, **kwargs)
        get_summary = reader.get_summary
        reader.get_summary = lambda: parses.append(1) or get_summary()
        return reader

    monkeypatch.setattr(mcap.reader, "make_reader", make_reader)
    mcap_summary._summary.cache_clear()
    return parses


def _open_and_count_messages(path) -> int:
    reader = open_reader(path)
    try:
        return sum(1 for _ in reader.messages(connections=reader.connections))
    finally:
        reader.close()


def test_an_unindexed_mcap_folder_parses_its_summary_once_per_open_until_it_changes(
        tmp_path, monkeypatch):
    from mcap.writer import IndexType

    folder = tmp_path / "bag"
    folder.mkdir()
    data = _mcap_writer_bag(folder / "bag.mcap", index_types=IndexType.CHUNK)
    parses = _counted_parses(monkeypatch)
    assert _open_and_count_messages(folder) == 36  # read by the scan, every message
    assert len(parses) == 1
    assert _open_and_count_messages(folder) == 36
    assert len(parses) == 1  # the same file as it is on disk: not parsed again
    stat = data.stat()
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert _open_and_count_messages(folder) == 36
    assert len(parses) == 2  # the file as it is now, not the kept summary


def test_the_summary_of_a_file_given_by_itself_is_parsed_once(tmp_path, monkeypatch):
    from mcap.writer import IndexType

    data = _mcap_writer_bag(tmp_path / "x.mcap", index_types=IndexType.CHUNK)
    parses = _counted_parses(monkeypatch)
    assert _open_and_count_messages(data) == 36
    assert len(parses) == 1
