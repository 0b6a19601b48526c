"""One GPU per job on multi-GPU workstations.

Snakemake counts GPUs (`--resources gpu=N`) but does not say which one a job gets. Each
job therefore takes a free slot from a pool of lock files, one per visible device; the
operating system releases a slot when its job ends, even when the job is killed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path
from typing import Iterator, Sequence

DEFAULT_LOCK_DIR = Path(os.environ.get("MIA_GPU_LOCK_DIR", "/tmp/mia-gpu-slots"))


@contextlib.contextmanager
def gpu_slot(
    devices: Sequence[str], lock_dir: str | os.PathLike = DEFAULT_LOCK_DIR, timeout: float = 3600.0,
    poll: float = 0.5,
) -> Iterator[str]:
    """Hold the first free device of `devices` (e.g. ['cuda:0', 'cuda:1']) for the block.

    Waits (polling every `poll` s) while all are taken, up to `timeout` seconds.
    """
    if not devices:
        raise ValueError("no devices to choose from")
    lock_dir = Path(lock_dir)
    lock_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        for device in devices:
            handle = open(lock_dir / f"{device.replace(':', '_')}.lock", "a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield device
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"no free device among {list(devices)} after {timeout:.0f} s (locks in {lock_dir})")
        time.sleep(poll)


def visible_cuda_devices() -> list[str]:
    import torch

    return [f"cuda:{i}" for i in range(torch.cuda.device_count())]
