"""An environment ROS cannot start in is said as such: one line naming the variable (no ROS).

``vjepa_ros/ros_environment.py``'s reading of ``ROS_DOMAIN_ID`` and ``vjepa-ros check``; the same
reading against rcl itself, and the node executables' and launch's status 1:
``test_ros_environment_rcl.py``.
"""

import pytest

from vjepa_ros.ros_environment import domain_id_problem

NOT_A_NUMBER = "in the environment is not a whole number; set it to a whole number in 0..101"


@pytest.mark.parametrize("value, said", [
    ("", ""), ("0", ""), ("42", ""), ("232", ""),
    ("abc", f"ROS_DOMAIN_ID='abc' {NOT_A_NUMBER}"),
    # Python's int took these; rcl's strtoul reads '1_0' as domain 1, '010' as octal 8, and
    # refuses a blank one: the check and the nodes disagreed on the domain
    ("1_0", f"ROS_DOMAIN_ID='1_0' {NOT_A_NUMBER}"), ("  ", f"ROS_DOMAIN_ID='  ' {NOT_A_NUMBER}"),
    ("\uff15", f"ROS_DOMAIN_ID='\uff15' {NOT_A_NUMBER}"),  # a full-width 5: Python's int takes it
    ("5abc", f"ROS_DOMAIN_ID='5abc' {NOT_A_NUMBER}"), ("0x", f"ROS_DOMAIN_ID='0x' {NOT_A_NUMBER}"),
    # rcl (strtoul) skips white space and a '+' before the digits and ignores what follows a
    # number other than 0: these are the domain a person reads, to rcl and every ROS tool
    (" 5 ", ""), ("+5", ""), ("5\n", ""), ("5\r", ""),  # '5\r': a CRLF env file
    ("0\r", "ROS_DOMAIN_ID='0\\r' in the environment has '\\r' after its 0, which rcl refuses "
     "(a file with Windows line ends?): remove it, or set it to a whole number in 0..101"),
    ("010", "ROS_DOMAIN_ID='010' in the environment starts with 0: rcl reads it as an octal "
     "number (8); set it to a whole number in 0..101"),
    ("08", "ROS_DOMAIN_ID='08' in the environment starts with 0: rcl reads it as an octal "
     "number, which this is not; set it to a whole number in 0..101"),
    ("007", ""),  # octal 7 is 7
    ("0x10", "ROS_DOMAIN_ID='0x10' in the environment starts with 0x: rcl reads it as a "
     "hexadecimal number (16); write 16 for that domain, or set it to a whole number in 0..101"),
    ("999", "ROS_DOMAIN_ID=999 in the environment is outside 0..232"),  # DDS: exit 1, no word
    ("-5", "ROS_DOMAIN_ID=-5 in the environment is outside 0..232"),
])
def test_a_domain_id_is_taken_or_refused_naming_the_variable(value, said):
    problem = domain_id_problem({"ROS_DOMAIN_ID": value})
    assert problem.startswith(said) and bool(problem) == bool(said), problem


@pytest.mark.parametrize("value", ["00", "07"])
def test_a_zero_padded_domain_id_that_rcl_reads_alike_is_taken(value):
    # rcl: strtoul("07", &end, 0) is 7, as decimal 7; every other ROS tool runs in domain 7
    # while our nodes exit 2 with 'rcl reads it as an octal number (7)'
    assert domain_id_problem({"ROS_DOMAIN_ID": value}) == ""


@pytest.mark.parametrize("value, unusable", [("999", True), ("abc", True), ("42", False)])
def test_check_flags_a_domain_id_ros_cannot_start_in(value, unusable, monkeypatch, capsys):
    """user32: ``vjepa-ros check`` showed ROS_DOMAIN_ID=999 as fine while every node refused it."""
    from vjepa_ros.cli import main

    monkeypatch.setenv("ROS_DOMAIN_ID", value)
    status = main(["check"])
    lines = capsys.readouterr().out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("ROS_DOMAIN_ID"))
    said = lines[index + 1].strip()
    if unusable:
        assert status == 1 and said == f"UNUSABLE: {domain_id_problem()}", said
    else:
        assert "UNUSABLE" not in said and not any("UNUSABLE" in line for line in lines)


@pytest.mark.parametrize("value, warned", [("101", False), ("102", True), ("214", True),
                                           ("215", False), ("232", False), ("999", False)])
def test_check_warns_of_a_domain_id_outside_its_advice(value, warned, monkeypatch, capsys):
    """breaker49c: check took 102..214 silently while its advice (the refusals') says 0..101.

    ROS 2's "About Domain ID": 0..101 and 215..232 stay clear of Linux's ephemeral ports;
    102..214 start but can fail to open a port. Check warns for those (status 0), and the
    advice names both safe ranges; 999 is unusable (status 1), not warned.
    """
    from vjepa_ros.cli import main
    from vjepa_ros.ros_environment import domain_id_risk

    monkeypatch.setenv("ROS_DOMAIN_ID", value)
    status = main(["check"])
    out = capsys.readouterr().out
    assert ("WARNING: domain " in out) == warned, out
    assert bool(domain_id_risk()) == warned
    if warned:
        assert status == 0 and "use 0..101 (or 215..232)" in domain_id_risk()
    assert "0..101 (or 215..232)" in domain_id_problem({"ROS_DOMAIN_ID": "abc"})


@pytest.mark.parametrize("value, worker, domain", [("010", 1, 9), (" 5 ", 2, 7), ("0x10", 0, 16),
                                                   ("100", 1, 1)])
def test_test_workers_shift_the_domain_rcl_reads(value, worker, domain):
    # note32 item 9: conftest read ROS_DOMAIN_ID with int(): '010' was 10 (rcl: 8), so worker
    # gwK's domain was not the run's domain + K; '0x10' stopped every worker with a traceback
    from conftest import worker_domain

    assert worker_domain(value, worker) == domain
    with pytest.raises(pytest.UsageError, match="ROS_DOMAIN_ID='abc'"):
        worker_domain("abc", 1)


def test_ros_env_sh_keeps_a_domain_or_draws_one_and_the_readme_says_which():
    """mend62e: what ``scripts/ros_env.sh`` does with the domain, and the README saying it.

    The README's quick start said it gives "a free ROS_DOMAIN_ID"; it keeps the caller's, else
    draws one at random in 1..100 without looking whether anything runs there.
    """
    import os
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k != "ROS_DOMAIN_ID"}
    shell = 'source scripts/ros_env.sh; echo "$ROS_DOMAIN_ID"'
    drawn = {int(subprocess.run(["bash", "-c", shell], cwd=root, env=env, check=True,
                                capture_output=True, text=True).stdout) for _ in range(8)}
    assert all(1 <= d <= 100 for d in drawn), drawn
    kept = subprocess.run(["bash", "-c", shell], cwd=root, env={**env, "ROS_DOMAIN_ID": "7"},
                          check=True, capture_output=True, text=True).stdout
    assert kept == "7\n"
    line = next(line for line in (root / "README.md").read_text().splitlines()
                if "source scripts/ros_env.sh  #" in line)
    assert "a free ROS_DOMAIN_ID" not in line, line
    assert "ROS_DOMAIN_ID: yours, else a random 1-100 (not checked free)" in line, line
