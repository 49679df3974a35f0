"""The trainer's files: the resumable checkpoint (``latest.pt``), its restore, the export.

Split from ``trainer`` (the loop): :class:`TrainerFiles` is a mixin of ``Trainer``, whose
attributes (``config``, ``files``, ``optimizer``, ``schedule``, ``generator``, ``sampler``,
``history``, ``info``, the banks, ``step``, ``saved_step``, ``first_step``) it reads and sets.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch

from vjepa_ros.disk_full import writing
from vjepa_ros.models import save_world_model
from vjepa_ros.train.config import config_to_dict
from vjepa_ros.train.model_records import model_data, read_init_records, stored_init_records
from vjepa_ros.train.resume_checks import check_world_size, config_of_checkpoint, resumed_sampler
from vjepa_ros.train.schedule import resumed_schedule

CHECKPOINT_FORMAT = "vjepa_ros.train/1"


class _CastView:
    """A module's ``config`` and its state dict cast to a dtype, for :func:`save_world_model`."""

    def __init__(self, module: torch.nn.Module, dtype: torch.dtype):
        self.config = module.config
        self._module, self._dtype = module, dtype

    def state_dict(self) -> dict:
        return {name: value.to(self._dtype) if value.is_floating_point() else value
                for name, value in self._module.state_dict().items()}


class TrainerFiles:
    """Write and restore a :class:`trainer.Trainer`'s checkpoint; export its world model."""

    def save_checkpoint(self, path: str | Path | None = None, finished: bool = False) -> Path:
        """Write the resumable training checkpoint (default ``<out>/latest.pt``; return its path).

        Writing ``<out>/latest.pt`` sets ``saved_step`` (the step it holds). ``finished``: the
        run is complete, its world model exported with it (``--resume`` then refuses it,
        ``resume_checks.check_resumable``); a run stopped after its last step is not.
        """
        latest = self.files["latest"]
        path = Path(path).expanduser() if path else latest
        path.parent.mkdir(parents=True, exist_ok=True)
        rng = {"sampler": self.generator.get_state(), "torch": torch.get_rng_state()}
        if torch.cuda.is_available():
            rng["cuda"] = torch.cuda.get_rng_state_all()
        extra = {"format": CHECKPOINT_FORMAT, "step": self.step,
                 "world_size": self.topology.world_size,
                 "opt": self.optimizer.state_dict(), "scaler": None, "rng": rng,
                 "train_config": config_to_dict(self.config), "history": self.history,
                 "data": self.info.get("data_identity"),  # what --resume must find again
                 "held_out": self.info.get("held_out"),  # the validation split, by content
                 "schedule": self.schedule.phases(),  # a resume with other steps keeps it
                 "sampler": self.sampler,  # a resume draws its clips alike
                 "init_records": self.init_records,  # a resume never reads the init again
                 "export_step_recorded": True,  # world_model.pt says its step (check_resumable)
                 "finished": finished}
        with writing(path, self._disk_full_fix(path)):
            save_world_model(path, self.encoder, self.predictor, extra=extra,
                             data=self.model_data())  # --init RUN/latest.pt
        if path == latest:
            self.saved_step = self.step
        return path

    def restore(self, state: dict) -> str | None:
        """Continue from a loaded ``latest.pt`` (its predictor weights already loaded).

        Return a note ("; " between several) when the learning-rate schedule was extended to
        other ``steps`` (``schedule.resumed_schedule``: the warm-up keeps its steps), or a run
        from before clips were drawn per demonstration keeps its rule or gets other validation
        clips (``resume_checks.resumed_sampler``), else None.
        """
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"not a training checkpoint of vjepa-ros train (format "
                             f"{state.get('format')!r}, expected {CHECKPOINT_FORMAT!r})")
        check_world_size(state, self.topology.world_size, self.files["latest"])
        self.optimizer.load_state_dict(state["opt"])
        self.step = self.saved_step = self.first_step = int(state["step"])
        self.history = {"train": list(state["history"]["train"]),
                        "val": list(state["history"]["val"])}
        self.generator.set_state(state["rng"]["sampler"])
        torch.set_rng_state(state["rng"]["torch"])
        if "cuda" in state["rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng"]["cuda"])
        stored = state.get("schedule")
        if stored is None:  # a run from before latest.pt stored it: its settings' phases
            stored_config = config_of_checkpoint(state)
            warmup, decay = stored_config.phase_steps()
            stored = {"total": stored_config.steps, "warmup": warmup, "decay": decay}
        self.schedule, note = resumed_schedule(self.schedule, stored)
        self.init_records = stored_init_records(state, self.config)
        self.train_bank, self.sampler, notes = resumed_sampler(
            state, self.train_bank, self.val_bank, self.config.data.frames_per_clip)
        return "; ".join(([note] if note else []) + notes) or None

    def export(self, path: str | Path | None = None) -> Path:
        """Write the world model (encoder + predictor + config, no optimizer state).

        Its config records the training frames' sizes (``info["frame_sizes"]``, [height, width]
        px) when known, so planners can note a camera of another size; a model post-trained
        from ``predictor.init`` keeps the sizes that file records before them (user30: a demo
        model fine-tuned on 64x48 frames forgot its 128x128 ones). Its ``step`` entry: the
        training step it holds, which ``resume_checks.check_resumable`` compares with
        latest.pt's (an export that failed leaves an older world_model.pt: breaker60b).
        """
        path = Path(path).expanduser() if path else self.files["world_model"]
        dtype = torch.float16 if self.config.export_dtype == "float16" else torch.float32
        with writing(path, self._disk_full_fix(path)):
            save_world_model(path, _CastView(self.encoder, dtype),
                             _CastView(self.predictor, dtype), data=self.model_data(),
                             extra={"step": self.step})
        if path == self.files["world_model"]:
            self.exported_step = self.step
        return path

    def _disk_full_fix(self, path: Path):
        """Return what to do when ``path``'s write stops short (``disk_full.writing``'s fix).

        A function of what frees the write (free space, the quota, the file-size limit), saying
        what latest.pt still holds.
        """
        held = (f"{self.files['latest']} still holds step {self.saved_step}, resume from it"
                if self.saved_step is not None else "no latest.pt was saved yet")
        return lambda remedy: f"{remedy}, or give --out on another disk; {held}"

    def model_data(self) -> dict:
        """Return what a saved model records of its training data (``config["data"]``).

        ``frame_sizes`` ([height, width] px; the init's first, when known: :meth:`export`) and
        ``aspect_ratio_range`` (the ``data.aspect_ratio_min/max`` crop the predictor was trained
        on: ``load_world_model`` preprocesses with it).
        """
        records = self.init_records
        return model_data(self.config, self.info.get("frame_sizes"),
                          None if records is None else records.get("frame_sizes"),
                          self.info.get("labelled_at_tcp", True),
                          self.info.get("gripper_from_widths", True))

    @functools.cached_property
    def init_records(self) -> dict | None:
        """Return what ``predictor.init`` records that this run's saves keep recording.

        ``{"frame_sizes": [[height, width], ...]}`` (``model_records.init_records``), None
        without an init. Set when the run starts: ``prepare.build_trainer`` gives the records
        of the init it loaded, :meth:`restore` those latest.pt stored; never read from the init
        again (an init moved, deleted or replaced since must not change what the run records:
        breaker60b). A trainer made otherwise reads the file once, at its first save.
        """
        return read_init_records(self.config)
