"""bench_camera_check.py's summary table: one line per placement or frame error."""


def oracle_label(row) -> str:
    """Return an oracle row's label: true rotation [deg], a blind axis, the estimate's error."""
    fmt = ", ".join(f"{v:.0f}" for v in row["true_rpy_deg"]) + (
        "" if min(row["axis_gain"]) > 0 else f"; blind {'xyz'[row['axis_gain'].index(0.0)]}")
    return f"[{fmt}] (err {row['estimation_error_deg']:.1f}°)"


def print_rows(rows, seeds, no_reach, title, label) -> None:
    """Print the summary table: one line per row."""
    with_yaw = any("yaw_corrected" in row for row in rows)
    with_candidate = any("candidate_corrected" in row for row in rows)
    print(f"\n{title:<36} {'estimated rpy [deg]':<22} {'±95%':>6} {'RMS':>5} {'verdict':<20} "
          f"{'trial u / c':>11} {'check sim s':>11} {'uncorrected':>12} {'corrected':>10}"
          f"{' yaw-corrected' if with_yaw else ''}"
          f"{' candidate-corr.' if with_candidate else ''}")
    for row in rows:
        est = ", ".join(f"{v:.1f}" for v in row["estimated_rpy_deg"])
        reach_cells = "" if no_reach else (
            f" {row['uncorrected']['successes']:>9}/{len(seeds):<2} "
            f"{row['corrected']['successes']:>7}/{len(seeds):<2}")
        if with_yaw and not no_reach:
            reach_cells += f" {row['yaw_corrected']['successes']:>10}/{len(seeds):<2}"
        if with_candidate and not no_reach:
            reach_cells += f" {row['candidate_corrected']['successes']:>12}/{len(seeds):<2}"
        trial = row.get("trial") or {}
        progress = (f"{trial['progress_uncorrected']:.0%} / {trial['progress_corrected']:.0%}"
                    if "progress_corrected" in trial else "–")
        verdict = row["verdict"] if row.get("motions_verdict", row["verdict"]) == row["verdict"] \
            else f"{row['motions_verdict'].split()[0]} → {row['verdict']}"
        residual = min(row["residual_deg"].values())
        bound = row["uncertainty"]["bound_deg"]
        print(f"{label(row):<36} {'[' + est + ']':<22} {bound:>5.1f}° {residual:>4.0f}° "
              f"{verdict:<20} {progress:>11} "
              f"{row['check_sim_s']:>11.1f}{reach_cells}")
