"""The image encoder a benchmark option names: ``demo``, a model file or pretraining settings.

For the benchmarks that compare encoders (``bench_encoder_rank``, ``bench_encoder_landscape``,
``bench_gripper_visibility``): every load error is one line naming the option, in the words
the commands use for an encoder-only option (``sim.run_command.load_run_model`` with
``need_predictor=False``: a missing or damaged file advises ``vjepa-ros pretrain``'s files too).
"""

from __future__ import annotations

from pathlib import Path


def load_encoder_model(spec: str, option: str = "--model"):
    """Return a CPU ``WorldModel`` with the encoder ``spec`` names.

    ``*.yaml``/``*.yml``: the seeded encoder of those pretraining settings (``PretrainConfig``;
    what ``vjepa-ros pretrain --config FILE --steps 0`` would save; no predictor); otherwise
    ``demo`` or a file (a world model, its predictor kept, or an encoder-only file). Raises
    ValueError naming ``option`` and ``spec`` in one line (``oracle``, which has no image
    encoder, included).
    """
    if spec == "oracle":
        raise ValueError(f"{option} oracle: the oracle has no image encoder; give demo, a "
                         "model file or a pretraining settings YAML")
    if Path(spec).suffix in (".yaml", ".yml"):
        from vjepa_ros.models.world_model import WorldModel
        from vjepa_ros.train.pretrain import load_pretrain_config, seeded_encoder

        try:
            config = load_pretrain_config(spec)
        except ValueError as exc:
            raise ValueError(f"{option} {spec}: {exc}") from None
        return WorldModel(seeded_encoder(config), None, device="cpu")
    from vjepa_ros.sim.run_command import load_run_model

    return load_run_model(spec, device="cpu", option=option, need_predictor=False)


def load_encoder_models(specs: list[str], option: str) -> list[tuple[str, object]]:
    """Return ``(spec, model)`` for each distinct encoder ``specs`` names (one load each).

    A file named twice is loaded once (``input_paths.distinct_files``, its note printed).
    Raises ValueError as :func:`load_encoder_model` does.
    """
    from vjepa_ros.input_paths import distinct_files

    return [(spec, load_encoder_model(spec, option))
            for spec in distinct_files(specs, option, keywords=("demo",))]
