"""Run a ``vjepa-ros`` command in-process: :func:`_run` returns (exit code, stdout, stderr).

First written for breaker45v. :func:`_stop_at_call` (breaker55d): Ctrl-C inside a run, at a
function's N-th call.
"""

from vjepa_ros.cli import main


def _run(capsys, *argv):
    code = main(list(argv))
    printed = capsys.readouterr()
    return code, printed.out, printed.err.strip()


def _stop_at_call(monkeypatch, module, name: str, call: int) -> None:
    """Make ``module.name`` raise KeyboardInterrupt (Ctrl-C) at its ``call``-th call."""
    real, calls = getattr(module, name), []

    def stopping(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, stopping)
