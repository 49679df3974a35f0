"""Camera check verdicts against reach outcomes, from saved check rows (no model, no simulator).

Reads the ``--json`` files of ``bench_camera_check.py --checkpoint ... --reach-with-yaw`` (each
row: the check's ``executed`` and ``inferred`` motions, its per-axis ``explained`` shares, its
verdict, and reach success uncorrected / corrected / corrected by the check's yaw) and prints per
camera placement the statistics a verdict can rest on (``vjepa_ros.eval.camera_check_stats``):

- ``yaw``: the check's yaw estimate [deg]; ``loo``: how far leaving one motion out moves it
  (max |Δyaw|, deg: a stable estimate moves little);
- ``agree none / yaw / R``: mean cosine between executed and inferred directions uncorrected,
  after the yaw, after the verdict's rotation (``camera_check_stats.agreement``);
- ``RMS``: RMS angle after the best rotation (the old ``max_residual_deg`` rule's number);
- ``axis scale``: the smallest per-axis inferred/executed length ratio, and its axis;
- ``pairs``: the worst ± pair consistency [deg] (> 90°: the model infers the same way for +a
  and −a);
- ``expl``: the smallest per-axis explained share over the largest (the ``min_explained`` rule);
- ``±95%`` and ``p``: the uncertainty of the rotation the check chose (the half-width of its
  confidence region, deg) and the probability of an estimate this far from the identity if the
  model had no frame error (``vjepa_ros.eval.camera_check_noise``: the ``confidence`` rule);
- the verdict saved in the row and the verdict of the check as it is now (``check_motions``
  with ``--fine-deg`` etc., default ``CheckThresholds``), and the reach outcomes.

Each verdict is scored against reach as issue 19 measures it, with the reference success the
``default`` row's uncorrected one (or ``--reference``): "placement fine" is right when reach
uncorrected reaches 80 % of the reference; "correct by rotation" when reach corrected does (the
row's ``corrected`` if its verdict applied the rotation, else ``yaw_corrected``, marked ``~``);
"move the camera" when reach uncorrected stays below 80 % (``missed`` when the yaw correction
would have reached it); "undecided" advises nothing (its own count, neither right nor wrong).

The per-axis explained shares are saved as means per axis; the verdict needs no more (its rule
compares those means), so each motion gets its axis's mean back.

Run:  python benchmarks/bench_camera_verdict.py --rows a.json b.json [--reference 8]
          [--fine-deg 10] [--max-residual-deg 60] [--min-scale 0.3] [--min-explained 0.05]
          [--confidence 0.95] [--min-motion 0.01]
"""

import dataclasses
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.counts import counted  # noqa: E402
from vjepa_ros.eval.camera_check_options import (  # noqa: E402
    add_verdict_arguments,
    verdict_thresholds,
)
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds  # noqa: E402
from vjepa_ros.input_paths import distinct_files  # noqa: E402

# The check and its statistics (scipy: seconds under load) are imported where they are first
# needed, after the options are checked: --help and a bad option answer at once.

SHARE = 0.8  # issue 19: corrected success recovers to >= 80 % of the default placement's


def load_rows(paths) -> list[dict]:
    """Rows with motions from ``bench_camera_check.py --json`` files, each with its file.

    Raises ValueError naming the file: missing or unreadable (``input_paths.input_path``), not
    JSON, no ``rows``, or a row without ``executed`` / ``inferred`` motions (made before the
    rows kept them: rerun the check).
    """
    from vjepa_ros.input_paths import input_path

    rows = []
    for path in paths:
        path = input_path(path, "--rows", "bench_camera_check.py --json files")
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: not a bench_camera_check.py --json file ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
            raise ValueError(f"{path}: no 'rows' list: pass a bench_camera_check.py --json file")
        for k, row in enumerate(data["rows"]):
            if not isinstance(row, dict) or "executed" not in row or "inferred" not in row:
                raise ValueError(f"{path}: row {k} has no 'executed'/'inferred' motions (made "
                                 "before bench_camera_check.py kept them): rerun its check")
            rows.append({**row, "file": str(path)})
    return rows


def per_motion_explained(executed, explained: dict) -> np.ndarray | None:
    """Each motion's explained share back from the per-axis means (NaN off the counted ones)."""
    if not explained or any(explained.get(axis) is None for axis in "xyz"):
        return None
    from vjepa_ros.eval.camera_check_stats import axis_masks

    shares = np.full(len(executed), np.nan)
    for axis, mine in axis_masks(executed).items():
        shares[mine] = explained[axis]
    return np.nan_to_num(shares, nan=max(explained.values()))


def leave_one_out_yaw_deg(executed, inferred) -> float:
    """Largest |Δyaw| [deg] when one motion is left out of the closed-form yaw estimate."""
    from vjepa_ros.eval.camera_check_rotation import estimate_yaw

    yaw = math.degrees(estimate_yaw(executed, inferred))
    moved = [math.degrees(estimate_yaw(np.delete(executed, k, 0), np.delete(inferred, k, 0)))
             for k in range(len(executed))]
    return max(abs((y - yaw + 180) % 360 - 180) for y in moved)


def row_statistics(row: dict, thresholds: CheckThresholds) -> dict:
    """Return the statistics of one saved check row and the verdict the check gives now."""
    from vjepa_ros.eval.camera_check import check_motions
    from vjepa_ros.eval.camera_check_stats import agreement, axis_scale, pair_consistency_deg

    executed = np.asarray(row["executed"], dtype=np.float64)
    inferred = np.asarray(row["inferred"], dtype=np.float64)
    now = check_motions(executed, inferred, thresholds,
                        explained=per_motion_explained(executed, row.get("explained")))
    from scipy.spatial.transform import Rotation

    yaw = Rotation.from_euler("z", now.yaw_deg, degrees=True)
    fitted = Rotation.from_euler("xyz", now.rotation_rpy_deg, degrees=True)
    scales = {a: s for a, s in axis_scale(executed, inferred).items() if s is not None}
    pairs = [angle for _, angle in pair_consistency_deg(executed, inferred)]
    known = [v for v in (row.get("explained") or {}).values() if v is not None]
    return {
        "motions": now.motions, "yaw_deg": now.yaw_deg,
        "loo_yaw_deg": leave_one_out_yaw_deg(executed, inferred),
        "agree_none": agreement(executed, inferred),
        "agree_yaw": agreement(executed, inferred, yaw),
        "agree_rotation": agreement(executed, inferred, fitted),
        "rms_best_deg": min(now.residual_deg["yaw"], now.residual_deg["full"]),
        "axis_scale": min(scales.items(), key=lambda kv: kv[1]) if scales else (None, None),
        "worst_pair_deg": max(pairs) if pairs else None,
        "explained_ratio": (min(known) / max(known) if known and max(known) > 0 else None),
        "angle_deg": now.rotation_angle_deg if now.uncertainty["dof"] == 3 else abs(now.yaw_deg),
        "bound_deg": now.uncertainty["bound_deg"], "p_identity": now.uncertainty["p_value"],
        "verdict_saved": row.get("verdict"), "verdict_now": now.verdict,
        "why_now": now.explanation.split(":", 1)[1].split(";")[0].strip(),
    }


def successes(row: dict, key: str) -> int | None:
    value = row.get(key)
    return value.get("successes") if isinstance(value, dict) else None


def score(verdict: str, row: dict, reference: float) -> str:
    """``ok`` / ``wrong`` / ``missed`` / ``undecided`` for a verdict against the row's reach.

    (module docstring; "undecided" advises nothing: scored as that, whatever the reach)
    """
    from vjepa_ros.eval.camera_check_result import Verdict

    bar = SHARE * reference
    plain = successes(row, "uncorrected")
    applied = row.get("verdict") == Verdict.ROTATE  # the saved row's 'corrected' used a rotation
    corrected = successes(row, "corrected") if applied else successes(row, "yaw_corrected")
    proxy = "" if applied else "~"
    if plain is None:
        return "-"
    if verdict == Verdict.UNDECIDED:
        return "undecided"
    if verdict == Verdict.FINE:
        return "ok" if plain >= bar else "wrong"
    if verdict == Verdict.ROTATE:
        if corrected is None:
            return "?"
        return ("ok" if corrected >= bar else "wrong") + proxy
    if plain >= bar:
        return "wrong"
    return "missed" + proxy if corrected is not None and corrected >= bar else "ok"


def _short(verdict: str | None) -> str:
    from vjepa_ros.eval.camera_check_result import Verdict

    return {Verdict.FINE: "fine", Verdict.ROTATE: "rotation", Verdict.MOVE: "move",
            Verdict.UNDECIDED: "undecided"}.get(verdict, "-")


def _scored(verdict: str | None, row: dict, reference: float) -> str:
    """Return the table's cell: the verdict and its score ("fine ok"; "undecided" alone)."""
    judged = score(verdict, row, reference)
    return judged if judged == "undecided" else f"{_short(verdict)} {judged}"


def _num(value, fmt) -> str:
    return "-" if value is None else format(value, fmt)


def print_table(rows: list[dict], stats: list[dict], reference: float) -> None:
    """One line per placement: statistics, verdicts (saved / now), reach, scores."""
    print(f"{'placement':<30} {'n':>2} {'yaw':>6} {'loo':>4}  {'agree none yaw R':<16} "
          f"{'RMS':>4} {'axis scale':>10} {'pairs':>5} {'expl':>5} {'angle':>5} {'±95%':>5} "
          f"{'p':>4}  {'verdict saved':<15}"
          f"{'verdict now':<15}{'reach u/c/yaw':<14}")
    for row, s in zip(rows, stats, strict=True):
        axis, scale = s["axis_scale"]
        reach = "/".join(_num(successes(row, k), "d")
                         for k in ("uncorrected", "corrected", "yaw_corrected"))
        saved, now = (_scored(s[key], row, reference) for key in ("verdict_saved", "verdict_now"))
        print(f"{row['placement'][:30]:<30} {s['motions']:>2} {s['yaw_deg']:>+6.1f} "
              f"{s['loo_yaw_deg']:>4.0f}  {s['agree_none']:>4.2f} {s['agree_yaw']:>4.2f} "
              f"{s['agree_rotation']:>4.2f}   {s['rms_best_deg']:>4.0f} "
              f"{(axis or '-') + ' ' + _num(scale, '.2f'):>10} "
              f"{_num(s['worst_pair_deg'], '.0f'):>5} "
              f"{_num(s['explained_ratio'], '.2f'):>5} {s['angle_deg']:>5.1f} "
              f"{s['bound_deg']:>5.1f} {s['p_identity']:>4.2f}  {saved:<15}{now:<15}{reach:<14}")
    for row, s in zip(rows, stats, strict=True):
        print(f"  {row['placement'][:30]}: now {s['verdict_now']}: {s['why_now']}")
    for which in ("saved", "now"):
        scores = [score(s[f"verdict_{which}"], row, reference).rstrip("~")
                  for row, s in zip(rows, stats, strict=True)]
        counts = {kind: scores.count(kind) for kind in ("ok", "wrong", "missed", "undecided")}
        print(f"  verdict {which:<5}  {counts['ok']} right, {counts['wrong']} wrong, "
              f"{counts['missed']} missed, {counts['undecided']} undecided, "
              f"{len(scores) - sum(counts.values())} without reach")


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", required=True,
                        help="bench_camera_check.py --json files (rows with motions)")
    parser.add_argument("--reference", type=float,
                        help="reach successes at the reference placement (default: the "
                        "'default' row's uncorrected successes)")
    add_verdict_arguments(parser)
    args = parser.parse_args(argv)
    try:
        thresholds = verdict_thresholds(args)
    except ValueError as exc:
        parser.error(str(exc))
    args.rows = distinct_files(args.rows, "--rows")
    rows = load_rows(args.rows)  # a file missing or unreadable: exit status 1 (run_script)
    try:
        stats = [row_statistics(row, thresholds) for row in rows]
    except ValueError as exc:
        parser.error(str(exc))
    reference = args.reference
    if reference is None:
        defaults_rows = [r for r in rows if r["placement"] == "default"
                         and successes(r, "uncorrected") is not None]
        if not defaults_rows:
            parser.error("no 'default' row with reach: give --reference (reach successes at the "
                         "reference placement)")
        reference = successes(defaults_rows[0], "uncorrected")
    print(f"camera check verdicts against reach ({counted(len(rows), 'row')} from "
          f"{counted(len(args.rows), 'file')})")
    print(f"  thresholds     "
          f"{', '.join(f'{k} {v:g}' for k, v in dataclasses.asdict(thresholds).items())}")
    print(f"  reference      {reference:g} successes; right: fine when uncorrected >= "
          f"{SHARE * reference:g}, rotation when corrected >= {SHARE * reference:g}, move when "
          "uncorrected below it (~: reach corrected by the yaw alone)")
    print_table(rows, stats, reference)
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
