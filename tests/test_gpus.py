import threading
import time

import pytest

from mia.gpus import gpu_slot

DEVICES = ["cuda:0", "cuda:1", "cuda:2", "cuda:3"]


def test_concurrent_jobs_get_distinct_devices_and_a_fifth_waits(tmp_path):
    held, release, got = [], threading.Event(), {}

    def job(name):
        with gpu_slot(DEVICES, tmp_path, timeout=10, poll=0.01) as device:
            held.append(device)
            got[name] = device
            release.wait(5)

    threads = [threading.Thread(target=job, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    while len(held) < 4:
        time.sleep(0.01)
    assert sorted(held) == DEVICES  # four jobs at once, each on its own device
    fifth = threading.Thread(target=job, args=(4,))
    fifth.start()
    time.sleep(0.2)
    assert 4 not in got  # all four slots are taken: the fifth waits
    release.set()
    fifth.join(5)
    for t in threads:
        t.join(5)
    assert got[4] in DEVICES


def test_a_slot_is_free_again_after_the_block_and_timeouts_name_the_devices(tmp_path):
    with gpu_slot(DEVICES[:1], tmp_path) as first:
        assert first == "cuda:0"
        with pytest.raises(TimeoutError, match=r"no free device among \['cuda:0'\]"):
            with gpu_slot(DEVICES[:1], tmp_path, timeout=0.05, poll=0.01):
                pass
    with gpu_slot(DEVICES[:1], tmp_path, timeout=0.05) as again:
        assert again == "cuda:0"
    with pytest.raises(ValueError, match="no devices"):
        with gpu_slot([], tmp_path):
            pass


def test_jobs_on_a_faked_four_gpu_machine_take_distinct_gpus(tmp_path, monkeypatch):
    import functools

    import torch

    from mia import devices

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.setattr(devices, "gpu_slot", functools.partial(gpu_slot, lock_dir=tmp_path, timeout=0.05))
    with devices.job_device("auto") as a, devices.job_device("cuda") as b:
        assert (a, b) == (torch.device("cuda:0"), torch.device("cuda:1"))
    with devices.job_device("cuda:3") as fixed:  # an explicit index bypasses the pool
        assert fixed == torch.device("cuda:3")
    with devices.job_device("cpu") as cpu:
        assert cpu == torch.device("cpu")
    with pytest.raises(ValueError, match="cuda:N"):
        devices.resolve_device("gpu")
