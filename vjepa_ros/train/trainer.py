"""The post-training loop: AdamW on the predictor over cached features, validation, checkpoints.

Files in ``<out>``:

- ``latest.pt`` every ``save_every`` steps and when a run stops: the official layout
  (``encoder``, ``predictor`` with ``module.`` prefixes, ``config``) plus ``opt`` (AdamW state),
  ``step``, ``rng`` (clip sampler and torch states), ``train_config`` and ``history``;
  :meth:`Trainer.restore` continues from it exactly (same batches, same updates).
- ``world_model.pt`` at the end: encoder + predictor + config only, optionally float16 weights
  (``export_dtype``); ``load_world_model`` and the planner node's ``model.checkpoint`` read it.
- ``log.json`` (keys ``config``, ``info``, ``summary``, ``history``: :meth:`Trainer.write_logs`)
  and ``loss.png``.

Compute: the predictor keeps float32 weights and AdamW state; with ``dtype`` bfloat16 (the CUDA
default) the forward runs under ``torch.autocast``; ``activation_checkpointing`` recomputes block
activations in the backward pass. Differences to the official trainer: optional gradient clipping
(official: none), no GradScaler (bf16 needs none), optional gradient accumulation. Features are
cached once: the official preprocessing is deterministic too (see ``objective``).

Many processes (``torchrun``, see ``distributed``): every rank holds the same sampler generator
and draws the same global batch of ``batch_size x world_size x grad_accum_steps`` clips per step
(for one process and no accumulation: exactly the draw of a single-process run); rank r takes its
own ``grad_accum_steps`` micro-batches of ``batch_size`` clips out of it (disjoint positions of
the global batch, never empty; the clips are drawn with replacement, as one process draws them,
so two ranks may get the same clip in a step, as one process may get it twice),
``DistributedDataParallel`` averages the gradients, so a step equals one process on the whole
global batch up to float rounding. Losses are averaged over ranks before they are logged; rank 0
alone writes files. A checkpoint records its world size; resuming under another one is refused.
Writing and restoring ``latest.pt`` and the export are ``trainer_files``'.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import torch
from torch import Tensor

from vjepa_ros.models import ACPredictor, VisionEncoder
from vjepa_ros.train.config import TrainConfig, config_to_dict
from vjepa_ros.train.distributed import (
    Topology,
    all_reduce,
    any_rank,
    barrier,
    current,
    max_over_ranks,
    rank_device,
)
from vjepa_ros.train.features import FeatureBank
from vjepa_ros.train.objective import prediction_losses
from vjepa_ros.train.report import plot_losses, write_json
from vjepa_ros.train.resume_checks import SAMPLER
from vjepa_ros.train.run_files import run_files
from vjepa_ros.train.schedule import LRSchedule, make_optimizer, set_lr
from vjepa_ros.train.stop_request import InterruptedMidStep, StopRequest, deferred_stop
from vjepa_ros.train.trainer_files import TrainerFiles


def compute_dtype(config: TrainConfig, device: torch.device) -> torch.dtype:
    """bfloat16 or float32: the configured one, else bfloat16 on CUDA, float32 elsewhere."""
    if config.dtype:
        return torch.bfloat16 if config.dtype == "bfloat16" else torch.float32
    return torch.bfloat16 if device.type == "cuda" else torch.float32


class Objective(torch.nn.Module):
    """The predictor and the loss as one module: one forward per backward, as DDP wants."""

    def __init__(self, predictor: ACPredictor, auto_steps: int):
        super().__init__()
        self.predictor = predictor
        self.auto_steps = auto_steps

    def forward(self, reps, actions, states):
        """(jloss, sloss) of :func:`prediction_losses`."""
        return prediction_losses(self.predictor, reps, actions, states, self.auto_steps)


class Trainer(TrainerFiles):
    """Train ``predictor`` on clips of ``train_bank``; ``encoder`` is only stored with it.

    ``topology``: this process's place in a torchrun group (default: the joined group, else one
    process); every rank builds its Trainer with the same config, banks and predictor.
    """

    def __init__(self, config: TrainConfig, encoder: VisionEncoder, predictor: ACPredictor,
                 train_bank: FeatureBank, val_bank: FeatureBank | None = None,
                 info: dict | None = None, topology: Topology | None = None):
        self.config = config
        self.topology = topology or current()
        self.out = Path(config.out).expanduser()
        self.files = run_files(self.out)  # name -> path of each file the run writes
        self.device = rank_device(config.device, self.topology)
        self.dtype = compute_dtype(config, self.device)
        self.encoder = encoder
        self.predictor = predictor.to(device=self.device, dtype=torch.float32).train()
        self.predictor.use_activation_checkpointing = config.activation_checkpointing
        self.model = Objective(self.predictor, config.auto_steps)
        if self.topology.distributed:
            from torch.nn.parallel import DistributedDataParallel

            # find_unused_parameters: extrinsics_encoder is in every official checkpoint but
            # gets no gradient without extrinsics.
            self.model = DistributedDataParallel(
                self.model, device_ids=[self.device] if self.device.type == "cuda" else None,
                find_unused_parameters=True)
        self.optimizer = make_optimizer(self.predictor, config.optim.weight_decay,
                                        config.optim.betas, config.optim.eps)
        warmup, decay = config.phase_steps()
        self.schedule = LRSchedule(config.steps, warmup, decay, config.optim.start_lr,
                                   config.optim.lr, config.optim.final_lr)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.sampler = SAMPLER  # how clips are drawn (resume_checks.resumed_sampler)
        self.step = 0
        self.first_step = 0  # the step this session began at (a resumed run's stored step)
        self.past_deadline = False  # the last train(deadline=...) call ended past its deadline
        self.saved_step: int | None = None  # the step <out>/latest.pt holds (None: none yet)
        self.exported_step: int | None = None  # the step world_model.pt holds (this session)
        self.history: dict[str, list] = {"train": [], "val": []}
        self.info = dict(info or {})
        self.train_bank = self._place(train_bank)
        self.val_bank = self._place(val_bank) if val_bank is not None else None
        self.val_firsts = None
        if self.val_bank is not None:
            self.val_firsts = self.val_bank.fixed_clips(config.data.frames_per_clip,
                                                        config.data.val_clips)
            self.info["val_clips"] = len(self.val_firsts)
            self.info["copy_baseline"] = self.copy_baseline()
        self.started = time.perf_counter()

    # -- data

    def _place(self, bank: FeatureBank) -> FeatureBank:
        """Keep the bank on the GPU when it takes under a quarter of the free memory."""
        if self.device.type != "cuda":
            return bank
        free, _ = torch.cuda.mem_get_info(self.device)
        size = bank.reps.numel() * bank.reps.element_size()
        return bank.to(self.device) if size < free / 4 else bank

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16,
                              enabled=self.dtype == torch.bfloat16)

    @property
    def global_batch(self) -> int:
        """Clips per optimizer step: batch_size x processes x grad_accum_steps."""
        return self.config.batch_size * self.topology.world_size * self.config.grad_accum_steps

    def my_micro_batches(self, firsts: Tensor) -> Tensor:
        """Return this rank's micro-batches [grad_accum_steps, batch_size] of a global batch."""
        config, topo = self.config, self.topology
        return firsts.view(topo.world_size, config.grad_accum_steps, config.batch_size)[topo.rank]

    # -- steps

    def train_step(self) -> dict:
        """One AdamW update on a random global batch; return its losses and learning rate.

        Losses are the means over the global batch (all ranks, all micro-batches).
        """
        config = self.config
        fpc = config.data.frames_per_clip
        firsts = self.train_bank.sample(self.global_batch, fpc, self.generator)
        lr = self.schedule(self.step + 1)
        set_lr(self.optimizer, lr)
        micro = self.my_micro_batches(firsts)
        sums = torch.zeros(3, dtype=torch.float64)
        for index, chunk in enumerate(micro):
            reps, actions, states = self.train_bank.gather(chunk, fpc, self.device)
            last = index == len(micro) - 1
            syncing = contextlib.nullcontext() if last or not self.topology.distributed \
                else self.model.no_sync()  # DDP: all-reduce the gradients once, at the last
            with syncing:
                with self._autocast():
                    jloss, sloss = self.model(reps, actions, states)
                    loss = jloss + sloss
                (loss if len(micro) == 1 else loss / len(micro)).backward()
            sums += torch.stack([loss, jloss, sloss]).detach().double().cpu()
        sums = all_reduce(sums.to(self.device), self.topology).cpu()
        values = (sums / (len(micro) * self.topology.world_size)).float().tolist()
        if not all(torch.isfinite(torch.tensor(values))):
            self.optimizer.zero_grad(set_to_none=True)
            raise RuntimeError(f"loss is {values[0]} at step {self.step + 1} (lr {lr:.3g}); "
                               "nothing was updated: lower optim.lr or check the data")
        grad_norm = None
        if config.optim.grad_clip > 0:
            grad_norm = float(torch.nn.utils.clip_grad_norm_(self.predictor.parameters(),
                                                             config.optim.grad_clip))
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        row = {"step": self.step, "loss": values[0], "jloss": values[1], "sloss": values[2],
               "lr": lr, "grad_norm": grad_norm}
        self.history["train"].append(row)
        return row

    @torch.no_grad()
    def validate(self) -> dict | None:
        """Mean losses over the fixed validation clips (None without validation data).

        Under torchrun each rank scores every world_size-th clip; the sums are all-reduced and
        divided by the count of all clips, so the mean is one process's. A rank left without a
        clip (fewer clips than ranks) scores nothing and adds 0.
        """
        if self.val_bank is None:
            return None
        config, topo = self.config, self.topology
        self.predictor.eval()
        sums = torch.zeros(2, dtype=torch.float64)
        mine = self.val_firsts[topo.rank::topo.world_size]
        for chunk in mine.split(config.batch_size) if len(mine) else ():  # split: 1 empty chunk
            reps, actions, states = self.val_bank.gather(chunk, config.data.frames_per_clip,
                                                         self.device)
            with self._autocast():
                jloss, sloss = prediction_losses(self.predictor, reps, actions, states,
                                                 config.auto_steps)
            sums += torch.stack([jloss, sloss]).double().cpu() * len(chunk)
        self.predictor.train()
        sums = all_reduce(sums.to(self.device), topo).cpu()
        jloss, sloss = (sums / len(self.val_firsts)).tolist()
        row = {"step": self.step, "loss": jloss + sloss, "jloss": jloss, "sloss": sloss}
        self.history["val"].append(row)
        return row

    @torch.no_grad()
    def copy_baseline(self) -> float:
        """Return the validation teacher-forcing L1 of 'nothing moves' (frame t as t+1)."""
        tokens, total = self.val_bank.tokens_per_frame, 0.0
        for chunk in self.val_firsts.split(self.config.batch_size):
            reps, _, _ = self.val_bank.gather(chunk, self.config.data.frames_per_clip,
                                              self.device)
            total += float((reps[:, tokens:] - reps[:, :-tokens]).abs().mean()) * len(chunk)
        return total / len(self.val_firsts)

    # -- the loop

    def train(self, until: int | None = None, deadline: float | None = None) -> dict:
        """Train up to step ``until`` (default: ``steps``); save, and export when done.

        ``deadline``: a ``time.monotonic()`` time; the first step that ends past it is the last
        (every rank stops after the same step), then the run saves as at ``until`` (a time-boxed
        run: benchmarks/device_posttrain.py). ``past_deadline`` (bool) says afterwards whether
        the last step ended past it, also when that step was ``until``'s.

        Ctrl-C (SIGINT) or SIGTERM finishes the current step, saves ``latest.pt`` and raises
        KeyboardInterrupt (``terminate.Terminated`` for SIGTERM); one during the final
        validation and writes (latest.pt, the export, the logs) lets them end, then raises
        (``exported_step``: the step world_model.pt was written at); a second Ctrl-C interrupts at
        once, except under torchrun (``stop_request.deferred_stop``): between steps (validation,
        saving) it saves too, within a step it raises ``stop_request.InterruptedMidStep`` and
        saves nothing (the model may be half updated; ``saved_step``: what latest.pt holds).
        """
        with deferred_stop(at_once_on_second=not self.topology.distributed) as stop:
            return self._train(until, stop, deadline)

    def _train(self, until: int | None, stop: StopRequest, deadline: float | None = None) -> dict:
        from tqdm import tqdm

        config, main = self.config, self.topology.is_main
        target = config.steps if until is None else min(until, config.steps)
        self.past_deadline = False
        if main:
            self.out.mkdir(parents=True, exist_ok=True)
        bar = tqdm(total=config.steps, initial=self.step, unit="step", dynamic_ncols=True,
                   disable=not (config.progress and main), desc="train")
        try:
            if self.val_bank is not None and not self.history["val"]:
                self.validate()  # the untrained predictor's loss, for reference
            last_val = self.history["val"][-1] if self.history["val"] else None
            while self.step < target:
                with stop.step(self.step + 1):
                    row = self.train_step()
                if config.eval_every and self.step % config.eval_every == 0:
                    last_val = self.validate() or last_val
                if config.save_every and self.step % config.save_every == 0 and \
                        self.step < target and main:
                    self.save_checkpoint()
                bar.update(1)
                shown = {"loss": f"{row['loss']:.4f}", "lr": f"{row['lr']:.2e}"}
                if last_val:
                    shown["val"] = f"{last_val['loss']:.4f}"
                bar.set_postfix(shown, refresh=False)
                # Every rank stops after the same step (torchrun signals them one by one).
                code = max_over_ranks(stop.code, self.topology, self.device)
                if code:  # a SIGTERM on any rank wins over a Ctrl-C (stop_request.code)
                    stop.stop(code)
                self.past_deadline = deadline is not None and any_rank(
                    time.monotonic() >= deadline, self.topology, self.device)
                if self.past_deadline:
                    break
        except KeyboardInterrupt as exc:
            bar.close()
            if main and not isinstance(exc, InterruptedMidStep):
                self.save_checkpoint()
                self.write_logs()
            barrier(self.topology)
            raise
        bar.close()
        if self.val_bank is not None and (not self.history["val"] or
                                          self.history["val"][-1]["step"] != self.step):
            self.validate()
        files = {"latest": self.files["latest"]}
        if self.step >= config.steps:
            files["world_model"] = self.files["world_model"]
        files.update(self.log_files())
        summary = self.summary(files)  # its seconds: the training's, printed and in log.json
        if main:
            self.save_checkpoint(finished="world_model" in files)
            if "world_model" in files:
                self.export()
            self.write_logs(summary)
        barrier(self.topology)  # the files exist for every rank once train() returns
        # A signal during the final validation or writes waited for them: said now, not
        # swallowed (exit 0 hid it; the caller's line says what was written: stop_line)
        stop.check()
        return summary

    def summary(self, files: dict | None = None) -> dict:
        """Return the run's summary: steps, losses, seconds, files.

        ``seconds``: since the Trainer was made (this session's, for a resumed run);
        ``steps_run``: the steps this session ran (``step`` less the step it resumed at);
        ``files``: name -> path of what the run writes.
        """
        train = self.history["train"]
        recent = train[-max(1, len(train) // 10):] if train else []
        return {
            "step": self.step, "steps": self.config.steps, "batch": self.global_batch,
            "steps_run": self.step - self.first_step,
            "train_loss": sum(r["loss"] for r in recent) / len(recent) if recent else None,
            "val": self.history["val"][-1] if self.history["val"] else None,
            "copy_baseline": self.info.get("copy_baseline"),
            "seconds": time.perf_counter() - self.started,
            "files": {name: str(path) for name, path in (files or {}).items()},
        }

    # -- files (latest.pt, its restore and the export: trainer_files.TrainerFiles)

    def log_files(self) -> dict[str, Path]:
        """Return the paths :meth:`write_logs` writes: ``log`` (log.json), ``plot`` (loss.png)."""
        return {key: self.files[key] for key in ("log", "plot")}

    def write_logs(self, summary: dict | None = None) -> dict[str, Path]:
        """Write ``log.json`` and ``loss.png``; return their paths.

        log.json's keys: ``config`` (the settings), ``info`` (data, features, notes),
        ``summary`` (default: now, with latest.pt and these two files) and ``history``
        (``train``: a row per step, ``val``: a row per validation).
        """
        self.out.mkdir(parents=True, exist_ok=True)
        files = self.log_files()
        if summary is None:
            summary = self.summary({"latest": self.files["latest"], **files})
        log = {"config": config_to_dict(self.config), "info": self.info,
               "summary": summary, "history": self.history}
        write_json(files["log"], log)
        plot_losses(self.history, files["plot"], self.info.get("copy_baseline"))
        return files
