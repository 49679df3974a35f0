"""``recorded_files.part_key``, ``parts_by_recording``: one grouping of a recording's parts."""

from pathlib import Path

from vjepa_ros.recordings.recorded_files import part_key, parts_by_recording


def test_a_part_compressed_or_not_has_one_key():
    assert part_key("bag_1.mcap.zstd") == (("bag", ".mcap"), 1)
    assert part_key("bag_1.mcap") == (("bag", ".mcap"), 1)
    assert part_key("run_2_10.db3") == (("run_2", ".db3"), 10)  # the last number is the part's
    assert part_key("bag.mcap") == (None, -1)
    assert part_key("bag_1.mcap.tmp") == (None, -1)


def test_parts_grouped_by_recording_and_suffix_the_first_of_a_number_kept():
    files = [Path(n) for n in ("a_0.mcap", "a_2.mcap.zstd", "a_0.db3", "notes.txt", "b_7.mcap",
                               "a_2.mcap")]
    assert parts_by_recording(files) == {
        ("a", ".mcap"): {0: Path("a_0.mcap"), 2: Path("a_2.mcap.zstd")},
        ("a", ".db3"): {0: Path("a_0.db3")}, ("b", ".mcap"): {7: Path("b_7.mcap")}}
