"""Hugging Face ``transformers`` VJEPA2 encoder format <-> official key names.

Key map (official -> HF), the encoder only (HF's ``predictor.*`` is the V-JEPA 2 mask predictor,
not the AC predictor, and is not used here):

- ``patch_embed.``          -> ``encoder.embeddings.patch_embeddings.``
- ``blocks.{i}.attn.qkv``   -> ``encoder.layer.{i}.attention.{query,key,value}`` (dim-0 thirds)
- ``blocks.{i}.attn.proj``  -> ``encoder.layer.{i}.attention.proj``
- other ``blocks.{i}.``     -> ``encoder.layer.{i}.`` (norm1, norm2, mlp.fc1, mlp.fc2)
- ``norm.``                 -> ``encoder.layernorm.``

An HF snapshot directory holds ``config.json`` and ``model.safetensors`` (or shards listed in
``model.safetensors.index.json``); keys may carry a ``vjepa2.`` prefix (classification models).
The hub cache's folder of a model (``models--facebook--vjepa2-.../``: ``snapshots/REV/`` of links
into ``blobs/``, ``refs/main`` naming a REV), or a folder of it, is read as the snapshot
``refs/main`` names, else its only one (:func:`hub_snapshot`); a part of it not there is
"download again" (:func:`unfinished`).
"""

import json
import re
from pathlib import Path

import torch
from torch import Tensor

from vjepa_ros.input_paths import missing
from vjepa_ros.name_lists import first_names

from .errors import CheckpointError
from .file_problems import check_fetched, check_not_lfs_pointer, folder_advice, readable

_QKV = ("query", "key", "value")
HF_OTHER_PARTS = ("predictor.", "pooler.", "classifier.")  # not the encoder: dropped


def official_to_hf_encoder(state_dict: dict[str, Tensor]) -> dict[str, Tensor]:
    """Official encoder state dict (no prefixes) -> ``transformers.VJEPA2Model`` encoder keys."""
    converted = {}
    for key, value in state_dict.items():
        if key == "pos_embed":
            continue
        if key.startswith("patch_embed."):
            converted["encoder.embeddings.patch_embeddings." + key[len("patch_embed."):]] = value
        elif key.startswith("norm."):
            converted["encoder.layernorm." + key[len("norm."):]] = value
        elif match := re.fullmatch(r"blocks\.(\d+)\.attn\.qkv\.(weight|bias)", key):
            layer, kind = match.groups()
            for name, part in zip(_QKV, value.chunk(3, dim=0), strict=True):
                converted[f"encoder.layer.{layer}.attention.{name}.{kind}"] = part.clone()
        elif match := re.fullmatch(r"blocks\.(\d+)\.(.+)", key):
            layer, rest = match.groups()
            rest = rest.replace("attn.", "attention.", 1)
            converted[f"encoder.layer.{layer}.{rest}"] = value
        else:
            raise CheckpointError(f"no HF name for official encoder key {key!r}")
    return converted


def hf_to_official_encoder(state_dict: dict[str, Tensor],
                           read: bool = True) -> dict[str, Tensor]:
    """HF VJEPA2 keys -> official encoder state dict.

    The mask predictor's (``predictor.``) and a classification model's (``pooler.``,
    ``classifier.``) keys are dropped; any other key outside ``encoder.`` (an official name
    mixed in: which of two weights is meant?) is a CheckpointError naming it. ``read`` False
    (a check of keys and shapes): each ``attn.qkv`` is a stand-in of the concatenation's shape,
    dtype and device holding no data (:func:`_concatenated`), so that no weight is read.
    """
    encoder, unknown = {}, []
    for key, value in state_dict.items():
        name = key.removeprefix("vjepa2.")
        if name.startswith("encoder."):
            encoder[name[len("encoder."):]] = value
        elif not name.startswith(HF_OTHER_PARTS):
            unknown.append(key)
    if unknown:
        raise CheckpointError(f"keys {first_names(sorted(unknown), 5, ' (+{count} more)')} are "
                              "no transformers' VJEPA2 names (official names mixed in?): save "
                              "the state dict of one model, in one naming")
    if not encoder:
        raise CheckpointError("no 'encoder.*' weights among the HF keys "
                              f"(first keys: {sorted(state_dict)[:5]})")
    converted, qkv_parts = {}, {}
    for key, value in encoder.items():
        if key.startswith("embeddings.patch_embeddings."):
            converted["patch_embed." + key[len("embeddings.patch_embeddings."):]] = value
        elif key.startswith("layernorm."):
            converted["norm." + key[len("layernorm."):]] = value
        elif match := re.fullmatch(r"layer\.(\d+)\.attention\.(query|key|value)\.(weight|bias)",
                                   key):
            layer, name, kind = match.groups()
            qkv_parts.setdefault((layer, kind), {})[name] = value
        elif match := re.fullmatch(r"layer\.(\d+)\.(.+)", key):
            layer, rest = match.groups()
            rest = rest.replace("attention.", "attn.", 1)
            converted[f"blocks.{layer}.{rest}"] = value
        else:
            raise CheckpointError(f"unexpected HF encoder key 'encoder.{key}'")
    for (layer, kind), parts in sorted(qkv_parts.items()):
        missing = [name for name in _QKV if name not in parts]
        if missing:
            raise CheckpointError(f"HF layer {layer} lacks attention {missing} {kind}")
        converted[f"blocks.{layer}.attn.qkv.{kind}"] = _concatenated(
            [parts[n] for n in _QKV], f"encoder.layer.{layer}.attention.*.{kind}", read)
    return converted


def _concatenated(parts: list[Tensor], name: str, read: bool) -> Tensor:
    """Return the query, key, value ``parts`` joined along dim 0 (the official ``qkv``).

    ``read`` False: ``torch.empty((), ...).expand(shape)``, the joined shape in the parts'
    dtype without their data (a memory-mapped file's weights stay unread: breaker54l, a ViT-L
    checked as +584 MiB); so too where a part holds no data (on ``meta``: the stand-in is
    there, for ``checkpoint_entries.check_dense`` to refuse, in check and load alike). Parts
    whose shapes do not join (other than dim 0), of several dtypes or not dense:
    CheckpointError naming ``name``, as for the load.
    """
    shapes = [tuple(part.shape) for part in parts]
    got = ", ".join(f"{n} {list(shape)} {part.dtype} {str(part.layout).removeprefix('torch.')}"
                    for n, shape, part in zip(_QKV, shapes, parts, strict=True))
    if any(len(shape) == 0 or shape[1:] != shapes[0][1:] for shape in shapes) or \
            len({part.dtype for part in parts}) > 1:
        raise CheckpointError(f"{name}: query, key and value do not join into one qkv ({got})")
    if any(part.layout != torch.strided for part in parts):
        raise CheckpointError(f"{name}: query, key and value are not all dense tensors ({got}): "
                              "re-save them dense (tensor.to_dense())")
    elsewhere = [part.device for part in parts if part.device.type != "cpu"]
    if read and not elsewhere:
        return torch.cat(parts, dim=0)
    shape = (sum(shape[0] for shape in shapes), *shapes[0][1:])
    device = elsewhere[0] if elsewhere else parts[0].device
    return torch.empty((), dtype=parts[0].dtype, device=device).expand(shape)


def hf_encoder_hyper_parameters(config: dict) -> dict:
    """Official encoder hyper-parameters from an HF VJEPA2 ``config.json`` dict."""
    if config.get("model_type") != "vjepa2":
        raise CheckpointError(f"config.json model_type is {config.get('model_type')!r}, "
                              "expected 'vjepa2'")
    checks = {"hidden_act": "gelu", "qkv_bias": True, "layer_norm_eps": 1e-6}
    for name, expected in checks.items():
        if name in config and config[name] != expected:
            raise CheckpointError(f"config.json {name}={config[name]!r} is not supported "
                                  f"(this implementation has {expected!r})")
    names = {"hidden_size": "embed_dim", "num_hidden_layers": "depth",
             "num_attention_heads": "num_heads", "mlp_ratio": "mlp_ratio",
             "patch_size": "patch_size", "tubelet_size": "tubelet_size",
             "crop_size": "img_size", "in_chans": "in_chans"}
    missing = [name for name in names if name in ("hidden_size", "num_hidden_layers",
                                                   "num_attention_heads") and name not in config]
    if missing:
        raise CheckpointError(f"config.json lacks {missing}")
    return {ours: config[theirs] for theirs, ours in names.items() if theirs in config}


HUB_PARTS = ("snapshots", "blobs", "refs")  # the folders of the hub cache's folder of a model


def download_again(path: Path) -> str:
    """Return the advice to download again the model ``path`` (a file or folder) is part of.

    The repository id comes from the hub cache's folder name above ``path``
    (``models--ORG--NAME``: ``ORG/NAME``); ``ORG/NAME`` stands for it elsewhere. The command is
    huggingface_hub's ``hf download``; older releases name it ``huggingface-cli download``.
    """
    repo = next((folder.name.split("--", 2) for folder in (path, *path.parents)
                 if folder.name.startswith("models--") and folder.name.count("--") >= 2), None)
    repo_id = f"{repo[1]}/{repo[2]}" if repo else "ORG/NAME"
    return (f"download the snapshot again (hf download {repo_id}; older huggingface_hub: "
            f"huggingface-cli download {repo_id})")


def unfinished(what: str, path: Path, *, or_else: str = "") -> CheckpointError:
    """Return the error for a hub download not all there: ``what`` (the file and its lack).

    One wording for every part of a hub cache folder that is not there: a snapshot's link to a
    blob not there, a snapshot without config.json or its weights, a revision ``refs/main``
    names without its snapshot, no snapshot at all. ``path``: the file or folder lacking (its
    hub folder names the repository to download, :func:`download_again`); ``or_else``: another
    way out, said after the download.
    """
    return CheckpointError(f"{what}: its download is unfinished or part of it was removed; "
                           f"{download_again(path)}{or_else}")


def _json_object(file: Path) -> dict:
    """Return the JSON object in ``file``; CheckpointError naming it when it holds none."""
    try:
        value = json.loads(file.read_text(encoding="utf-8"))
    except PermissionError:  # the file is fine: its permissions (file_problems.readable)
        raise
    except (OSError, ValueError) as err:  # JSONDecodeError and UnicodeDecodeError: ValueErrors
        why = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else \
            " ".join(str(err).split())
        raise CheckpointError(f"cannot read {file} ({why}): {download_again(file)}") from None
    if not isinstance(value, dict):
        raise CheckpointError(f"{file} holds a JSON {type(value).__name__}, not an object of "
                              f"settings: {download_again(file)}")
    return value


def _check_downloaded(file: Path) -> None:
    """Raise CheckpointError for a link to a file not there (a hub snapshot's unfinished blob).

    A git-annex link (a DataLad clone of a model repository): ``git annex get``
    (``file_problems.check_fetched``).
    """
    check_fetched(file)
    if file.is_symlink() and not file.exists():  # the hub links snapshots/REV/* to blobs/
        raise unfinished(f"{file} {missing(file)}", file)


def hub_snapshot(path: Path) -> Path:
    """Return the snapshot folder to read for ``path``: itself, or the hub cache's choice.

    A folder without ``config.json`` that holds ``snapshots/`` (huggingface_hub's cache folder
    of a model, ``models--ORG--NAME``), or one of its ``snapshots/``, ``blobs/``, ``refs/``
    (read as the model's folder): the snapshot its ``refs/main`` names, else its only one.
    CheckpointError naming the folder and the snapshots to choose from otherwise, and
    :func:`unfinished`'s for a ``refs/main`` naming a snapshot not there or no snapshot.
    """
    if path.name in HUB_PARTS and not (path / "config.json").exists() and \
            (path.parent / "snapshots").is_dir():
        path = path.parent  # a folder inside the model's cache folder: the model's
    snapshots = path / "snapshots"
    if (path / "config.json").exists() or not snapshots.is_dir():
        return path
    revisions = sorted(entry.name for entry in snapshots.iterdir() if entry.is_dir())
    try:
        main = (path / "refs" / "main").read_text(encoding="utf-8").strip()
    except (OSError, ValueError):  # no refs/main (a download by revision), unreadable
        main = ""
    if main in revisions:
        return snapshots / main
    others = first_names((snapshots / r for r in revisions), 5, " (+{count} more)")
    if main:  # another snapshot would be another model than the one main names
        older = f"; or give a snapshot that is there: {others}" if revisions else ""
        raise unfinished(f"{path}: refs/main names revision {main}, whose snapshot "
                         f"{snapshots / main} is not there", path, or_else=older)
    if len(revisions) == 1:
        return snapshots / revisions[0]
    if not revisions:
        raise unfinished(f"{path} is a Hugging Face cache folder without snapshots "
                         f"({snapshots} is empty)", path)
    raise CheckpointError(
        f"{path} is a Hugging Face cache folder of {len(revisions)} snapshots, none named by "
        f"refs/main: give one of them: {others}")


def read_hf_directory(path: Path) -> tuple[dict[str, Tensor], dict]:
    """(official encoder state dict, encoder hyper-parameters) from a local HF snapshot.

    ``path``: the snapshot folder, or the hub cache's folder of the model (:func:`hub_snapshot`).
    CheckpointError naming the file for a missing, unfinished (a link to a blob not there) or
    damaged file (empty, cut short, an error page: download it again; a Git LFS pointer: ``git
    lfs pull``), and for a file or folder this user may not read (``chmod``:
    ``file_problems.readable``); a folder that is no snapshot says what one holds.
    """
    with readable(path):
        return _read_snapshot(Path(path))


def _read_snapshot(path: Path) -> tuple[dict[str, Tensor], dict]:
    """:func:`read_hf_directory`, a PermissionError left to it."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = hub_snapshot(path)
    in_hub = path.parent.name == "snapshots"  # a hub cache's snapshot: a file not there is
    config_file = path / "config.json"        # a download not finished (--include, stopped)
    _check_downloaded(config_file)
    if not config_file.is_file():
        if in_hub:
            raise unfinished(f"{path} is a hub snapshot without config.json", path)
        advice = folder_advice(path)
        raise CheckpointError(f"{path} is a directory without config.json (not an HF snapshot)"
                              + (f": {advice}" if advice else ""))
    config = _json_object(config_file)
    index = path / "model.safetensors.index.json"
    if index.is_file():
        weight_map = _json_object(index).get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map or not all(
                isinstance(name, str) and name for name in weight_map.values()):
            raise CheckpointError(f"{index} has no weight_map of tensor names to safetensors "
                                  f"files: {download_again(index)}")
        files = [path / name for name in sorted(set(weight_map.values()))]
    else:
        files = [path / "model.safetensors"]
    state_dict = {}
    for file in files:
        _check_downloaded(file)
        if not file.is_file() and in_hub:
            raise unfinished(f"{file} is not in the hub snapshot", file)
        if not file.is_file():
            raise CheckpointError(f"{file} is missing (only safetensors HF snapshots are read)")
        check_not_lfs_pointer(file, download_again(file))
        if file.stat().st_size == 0:
            raise CheckpointError(f"{file} is empty (a download that never started?): "
                                  f"{download_again(file)}")
        try:
            state_dict.update(load_file(str(file), device="cpu"))
        except PermissionError:
            raise
        except (SafetensorError, OSError) as err:  # cut short, an error page, damaged bytes
            why = " ".join(str(err).split())
            raise CheckpointError(f"cannot read {file} (cut short, an error page or damaged: "
                                  f"{why}): {download_again(file)}") from err
    try:
        values = hf_encoder_hyper_parameters(config)  # another model_type: said first
        return hf_to_official_encoder(state_dict), values
    except CheckpointError as err:  # name the snapshot
        raise CheckpointError(f"{path}: {err}") from None
