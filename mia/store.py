"""Atomic files and HDF5 stores with provenance attributes.

Every store carries the same attrs (format version, package version, seed and the
job's config as JSON) so a file found on disk says how it was made.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping

import h5py
import numpy as np

from mia import __version__

FORMAT_VERSION = 1


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path`; rename it onto `path` only on success.

    A job killed mid-write leaves a hidden temp file, never a file under the final
    name that looks complete to Snakemake or to a user.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


# Where a job ran: on a cluster this ties a file to its scheduler job and its log.
EXECUTION_ENV = ("SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_JOB_GPUS", "CUDA_VISIBLE_DEVICES")


def execution_record() -> dict[str, str]:
    """Host name and the scheduler/GPU environment variables that are set."""
    record = {"host": socket.gethostname()}
    record.update({k.lower(): os.environ[k] for k in EXECUTION_ENV if os.environ.get(k)})
    return record


def provenance_attrs(kind: str, config: Mapping[str, Any], seed: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "seed": int(seed),
        "config": json.dumps(config, sort_keys=True),
        "execution": json.dumps(execution_record(), sort_keys=True),
    }


def write_h5(
    path: str | os.PathLike,
    arrays: Mapping[str, np.ndarray],
    attrs: Mapping[str, Any],
) -> None:
    """Write named arrays and attrs to `path` atomically."""
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w") as f:
            for name, value in arrays.items():
                value = np.asarray(value)
                if value.dtype.kind == "U":
                    f.create_dataset(name, data=value.astype(object), dtype=h5py.string_dtype())
                elif value.ndim == 0:
                    f.create_dataset(name, data=value)
                else:
                    f.create_dataset(name, data=value, compression="gzip", compression_opts=1)
            for key, value in attrs.items():
                f.attrs[key] = value


def read_h5(
    path: str | os.PathLike, names: list[str] | None = None, select: Mapping[str, Any] | None = None
) -> tuple[dict, dict]:
    """Return (arrays, attrs) of an HDF5 store written by `write_h5`. `select` maps a
    dataset name to an index (e.g. one epoch) so only that part is read from disk."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"HDF5 store not found: {path}")
    with h5py.File(path, "r") as f:
        keys = list(f.keys()) if names is None else names
        missing = [k for k in keys if k not in f]
        if missing:
            raise KeyError(f"{path} lacks dataset(s) {missing}; it holds {sorted(f.keys())}")
        arrays = {}
        select = select or {}
        for k in keys:
            value = f[k][select[k]] if k in select else f[k][()]
            if f[k].dtype.kind == "O":
                value = np.array([v.decode() if isinstance(v, bytes) else v for v in value])
            arrays[k] = value
        attrs = {k: _plain(v) for k, v in f.attrs.items()}
    return arrays, attrs


def job_config(attrs: Mapping[str, Any]) -> dict:
    return json.loads(attrs["config"])


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value
