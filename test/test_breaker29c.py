"""Breaker 29c: session 29's data and command-line changes (quoted names, split parts, options).

Each test was a strict xfail of a defect on main, fixed on branch fixdata29; its docstring
says what happened and what is expected. None starts ROS; one opens a tiny bag folder, the
others read file names, folder listings and parsers only.
"""

import re
import shutil
import subprocess

import pytest

from vjepa_ros.cli import build_parser
from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.recorded_files import missing_parts
from vjepa_ros.recordings.upper_case import upper_case_fix
from vjepa_ros.train.out_check import out_among_data

needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@needs_bash
@pytest.mark.parametrize("char", ["\u00a0", "\u00ad", "\u0085"])
def test_upper_case_advice_for_a_name_with_a_latin1_space_or_control_runs_in_bash(
        tmp_path, char):
    r"""Was a strict xfail on main, fixed on fixdata29.

    path_text.ansi_c writes a character U+0080..U+00FF that is not printable (a no-break space,
    a soft hyphen, a C1 control) as \xHH, which bash reads as that one raw byte, not the name's
    UTF-8 (c2 a0): the pasted `mv -n $'lab\xa0data.MCAP' ...` fails 'cannot stat'; expected its
    UTF-8 bytes (\xc2\xa0) or \u00a0.
    """
    upper = tmp_path / f"lab{char}data.MCAP"
    upper.write_bytes(b"recording")
    command = re.search(r"`([^`]+)`", upper_case_fix(upper)).group(1)
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"lab{char}data.mcap").read_bytes() == b"recording"


@needs_bash
def test_shown_path_of_a_no_break_space_reads_back_in_bash(tmp_path):
    r"""Was a strict xfail on main, fixed on fixdata29.

    the same: a message names lab\u00a0data.mcap as $'lab\xa0data.mcap', another file (one byte
    a0, no UTF-8); expected a quoting that bash reads back as the very name.
    """
    name = "lab\u00a0data.mcap"
    done = subprocess.run(["bash", "-c", f"printf %s {shown_path(name)}"],
                          capture_output=True)
    assert done.stdout == name.encode()


def _parts(folder, numbers):
    folder.mkdir()
    files = [folder / f"{folder.name}_{number}.mcap" for number in numbers]
    for file in files:
        file.write_bytes(b"part")
    return files


@pytest.mark.parametrize("numbers", [(0, 8), (3,), (10, 11)])
def test_parts_deleted_from_a_rosbag2_split_folder_are_named(tmp_path, numbers):
    r"""Was a strict xfail on main, fixed on fixdata29.

    GONE_PER_PART: a killed recorder's folder rec/ (`ros2 bag record -o rec`, no metadata.yaml)
    whose parts a user deleted, rec_0 and rec_8 left (or rec_10, rec_11; or a lone rec_3), gets
    no note (7 c. 1000 gone > 2 per part), where 7c79bef named the lost parts (and the gap in
    time between rec_0 and rec_8); expected: the note, at least where the folder is named as
    rosbag2 names it (rec_0..rec_2 before rec_3: 3 gone is no other numbering scheme than
    rec_2's 2).
    """
    files = _parts(tmp_path / "rec", numbers)
    notes = missing_parts(files)
    assert len(notes) == 1 and "rec_1.mcap" in notes[0], notes


def test_pretrain_out_refusal_beside_data_is_one_line(tmp_path):
    r"""Was a strict xfail on main, fixed on fixdata29.

    out_among_data(file=True), new in session 29, names the output's folder and the data file
    in it unquoted: a folder named with a line break makes the pretrain --out refusal two
    lines; expected one line (path_text.shown_path, as the discovery messages). (A loose
    ``x.mcap`` beside the file is allowed since cli30: a killed recorder's part here.)
    """
    folder = tmp_path / "lab\nday 2"
    folder.mkdir()
    (folder / "x_0.mcap").write_bytes(b"recording")
    data = tmp_path / "data"
    data.mkdir()
    problem = out_among_data(folder / "enc.pt", {"--data": [data]}, setting="--out",
                             writer="pretraining", file=True)
    assert problem and "\n" not in problem, problem


def _help(command, option):
    parser = build_parser()
    sub = next(action for action in parser._actions if action.choices and command in
               action.choices).choices[command]
    return next(action.help for action in sub._actions if option in action.option_strings)


@pytest.mark.parametrize("option,value", [("--samples", "64"), ("--iterations", "3")])
def test_camera_check_help_names_the_random_weights_search(option, value):
    r"""Was a strict xfail on main, fixed on fixdata29.

    camera-check --random-weights plans with RANDOM_MODEL_CEM (64 samples, 3 iterations:
    camera_check_command.checked_options), but the shared add_bag_planning_arguments is given
    no no_checkpoint_cem for it: --samples/--iterations help says 800/10 (the preset's) only;
    eval's help names 64/3. Expected camera-check's help to name them too.
    """
    assert f"without --checkpoint {value}" in _help("eval", option)  # eval's says it
    assert re.search(rf"\b{value}\b", _help("camera-check", option))


def test_a_metadata_problem_is_still_said_beside_an_empty_last_part(tmp_path):
    r"""Was a strict xfail on main, fixed on fixdata29.

    bag_files.open_reader keeps rosbags' words only when no last part was left out
    (len(reader.files) == len(files)), as if rosbags could fail only on that part: a bag whose
    metadata.yaml rosbags refuses for another reason (here storage_identifier sqlite3 over
    .mcap parts: 'Cannot open database x_0.mcap: file is not a database') and whose last part
    is empty now reads with that reason dropped; 7c79bef said it. Expected: rosbags' note
    dropped only when it is about the left-out part.
    """
    import yaml
    from test_discovery_low28 import _killed

    from vjepa_ros.recordings.bag_files import open_reader

    folder = _killed(tmp_path, (0, 1, 2), True)
    (folder / "x_2.mcap").write_bytes(b"")
    info = yaml.safe_load((folder / "metadata.yaml").read_text())
    info["rosbag2_bagfile_information"]["storage_identifier"] = "sqlite3"
    (folder / "metadata.yaml").write_text(yaml.safe_dump(info))
    reader = open_reader(folder)
    try:
        notes = reader.notes
    finally:
        reader.close()
    assert any("not a database" in note for note in notes), notes
    assert sum("x_2.mcap" in note for note in notes) == 1, notes


def test_a_loader_error_for_an_episode_named_with_a_line_break_names_it_once(tmp_path):
    r"""Was a strict xfail on main, fixed on fixdata29.

    train.episodes._npz_segment keeps a loader's message only when shown_path(path) is in it,
    but Episode.load (and bags.py's BagErrors, via bag_segments) still name the path raw: an
    episode named 'ep\n0.npz' whose frames and states differ now reads "$'.../ep\n0.npz':
    .../ep<LF>0.npz: 6 frames but 5 states": named twice and still two lines (7c79bef: once).
    Expected one line naming it once.
    """
    import numpy as np

    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import EpisodeError, Source, load_segments

    path = tmp_path / "ep\n0.npz"
    np.savez(path, observations=np.zeros((6, 16, 16, 3), np.uint8),
             states=np.zeros((5, 7), np.float32))
    with pytest.raises(EpisodeError) as caught:
        load_segments(Source(path, "npz"), DataConfig())
    message = str(caught.value)
    assert "\n" not in message and message.count("0.npz") == 1, message


def test_a_bag_note_for_a_name_with_a_line_break_is_not_prefixed_again(tmp_path):
    r"""Was a strict xfail on main, fixed on fixdata29.

    train.data_banks.read_notes tells a note that names its source by the raw path or name, but
    session 29's bag notes name it by shown_path ($'a\nb.mcap': N steps dropped ...): for a bag
    named with a line break each note is prefixed with the raw path again, the name twice and
    two lines (7c79bef: once). Expected one line naming it once.
    """
    from vjepa_ros.train.data_banks import read_notes
    from vjepa_ros.train.episodes import Source

    source = Source(tmp_path / "lab\nrun.mcap", "bag")
    note = f"{shown_path(source.name)}: 3 of 20 steps dropped"  # as bag_segments writes it
    notes = read_notes([source], {source: {"notes": [note]}}, [], None)
    assert len(notes) == 1 and "\n" not in notes[0] and notes[0].count("run.mcap") == 1, notes


@pytest.mark.parametrize("out", ["eval_x", "run"])
def test_an_out_beside_a_loose_bag_file_in_a_plain_folder_is_allowed(tmp_path, out):
    r"""Was a strict xfail on main, fixed on fixdata29.

    pre-existing (7c79bef too), judged a defect: out_among_data takes the folder of ANY data
    file given as 'the recording folder', so in a plain folder holding a loose x.mcap (no
    metadata.yaml, no split part name: no bag) the plainest calls are refused: `vjepa-ros eval
    x.mcap` (its default --out ./eval_x) and `vjepa-ros train --data x.mcap --out run`, 'would
    write its files among the episodes'; nothing they write is read as data, and train --data
    ep0.npz --out run there is allowed (data29). Expected: allowed; the bag folder of a data
    file (metadata.yaml beside it, or x_0.mcap parts) still guarded.
    """
    (tmp_path / "x.mcap").write_bytes(b"a recording")
    assert out_among_data(tmp_path / out, {"bag": [tmp_path / "x.mcap"]}) == ""
