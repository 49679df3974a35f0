"""Settings of ``vjepa-ros pretrain`` that would run every step and train nothing: refused.

A run whose saved encoder is its seeded initialization, after all its steps and with exit 0
(breaker57b: ``ema_start: 1.0``), is refused before any data is read, as ``lr: 0`` is by its
range. Torch-free (``pretrain_config`` checks before torch loads). The saved file is the target
encoder, an EMA of the context encoder; it stays at the initialization when either

- the momentum is 1 at every update: the momentum rises from ``ema_start`` (the first update's)
  to ``ema_end``, so ``ema_start`` 1 alone does it (V-JEPA's ``ema`` [0.998, 1.0], V-JEPA 2's
  [0.99925, 0.99925]: an ``ema_end`` of 1 is the official end, never reached within the run as
  the ramp spans ``ipe_scale x steps``), or a ``1 - ema_start`` under float32's unit roundoff
  (2^-24), by which the target moves less than its weights' rounding;
- or the learning rate is 0 at every update (AdamW's step and its decoupled decay both scale
  with it): ``lr`` > 0 is the peak, reached unless the run is one update without a warm-up,
  whose lr is the cosine's end ``final_lr`` (``pretrain_schedule.peak_lr``).

``steps: 0`` is no such run: it saves the seeded initialization on purpose (documented), its
momenta and rates unused (not judged).
Also here: ``ipe_scale x steps`` beyond a float, whose schedule length ``int(inf)`` ended the
command in an OverflowError traceback after the data was read.
"""

from __future__ import annotations

import math

from vjepa_ros.train.pretrain_schedule import peak_lr, schedule_lengths, warmup_updates

# float32's unit roundoff: a weight moved by less than this share of the distance to its
# online copy (no farther than its own size) rounds back to itself
FLOAT32_ROUNDOFF = 2.0 ** -24


def run_problem(config) -> str:
    """Return why ``PretrainConfig`` ``config`` would train nothing or overflow ("" if neither).

    The text starts with the setting's name (``ema_start 1 ...``), for ``PretrainConfig.`` or a
    file's name before it.
    """
    try:
        span = config.ipe_scale * config.steps
    except OverflowError:  # an int steps beyond a float
        span = math.inf
    if not math.isfinite(span):
        return (f"ipe_scale {config.ipe_scale:g} x steps {config.steps} is beyond a float: the "
                "schedules (cosine lr, weight decay, momentum) span ipe_scale x steps updates; "
                "give an ipe_scale near V-JEPA's 1.25")
    if config.steps < 1:  # the seeded initialization, asked for: momenta and rates unused
        return ""
    if 1.0 - config.ema_start < FLOAT32_ROUNDOFF:
        moved = ("keeps the target encoder where it is" if config.ema_start >= 1 else
                 "moves the target encoder by less than float32's rounding (1 - ema_start under "
                 f"2^-24 = {FLOAT32_ROUNDOFF:.1e})")
        return (f"ema_start {config.ema_start!r}: a momentum of {config.ema_start!r} at the first "
                f"update (rising to ema_end after it) {moved}, so the file saved after every "
                "step would be the seeded initialization; give ema_start below 1 (V-JEPA: 0.998, "
                "V-JEPA 2: 0.99925)")
    total, _ = schedule_lengths(config.steps, config.ipe_scale)
    warmup = warmup_updates(config.warmup_fraction, config.steps)
    if peak_lr(config.steps, warmup, total, config.start_lr, config.lr, config.final_lr) <= 0:
        return (f"final_lr {config.final_lr:g} with lr {config.lr:g}: the learning rate is "
                f"0 at every update of this run ({config.steps} step(s), warm-up {warmup}: "
                "a lone update without a warm-up gets the cosine's end), so no weight would "
                "move and the file saved would be the seeded initialization; give final_lr "
                "> 0 or more steps")
    return ""
