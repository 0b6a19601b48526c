import json

import h5py
import numpy as np
import pytest

from mia import __version__
from mia.store import atomic_path, job_config, provenance_attrs, read_h5, write_h5


def test_hdf5_store_round_trips_arrays_and_attrs(tmp_path):
    arrays = {
        "logits": np.random.default_rng(0).normal(size=(1, 5, 3, 10)).astype(np.float32),
        "keep": np.array([True, False, True, False, True]),
        "labels": np.arange(5, dtype=np.int64),
        "attacks": np.array(["lira_online", "loss_threshold"]),
        "epochs": np.array([30]),
    }
    attrs = provenance_attrs("logits", {"query_shift": 1, "recipe": {"lr": 0.1}}, seed=7) | {"model_index": 3}
    path = tmp_path / "sub" / "store.h5"
    write_h5(path, arrays, attrs)
    back, back_attrs = read_h5(path)
    for k, v in arrays.items():
        np.testing.assert_array_equal(back[k], v)
        assert back[k].dtype == v.dtype or v.dtype.kind == "U"
    assert back_attrs["seed"] == 7 and back_attrs["model_index"] == 3
    assert back_attrs["package_version"] == __version__ and back_attrs["format_version"] == 1
    assert job_config(back_attrs) == {"query_shift": 1, "recipe": {"lr": 0.1}}
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind


def test_a_failed_write_leaves_no_file(tmp_path):
    target = tmp_path / "out.h5"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            with h5py.File(tmp, "w") as f:
                f["x"] = np.zeros(3)
            raise RuntimeError("job killed")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rewrite_keeps_the_old_complete_file(tmp_path):
    target = tmp_path / "out.json"
    target.write_text(json.dumps({"ok": 1}))
    with pytest.raises(ZeroDivisionError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            1 / 0
    assert json.loads(target.read_text()) == {"ok": 1}


def test_reading_names_missing_datasets(tmp_path):
    write_h5(tmp_path / "a.h5", {"x": np.zeros(2)}, {})
    with pytest.raises(KeyError, match="lacks dataset"):
        read_h5(tmp_path / "a.h5", ["y"])
    with pytest.raises(FileNotFoundError, match="nope.h5"):
        read_h5(tmp_path / "nope.h5")


def test_stores_record_where_they_were_made(tmp_path, monkeypatch):
    from mia.store import execution_record, provenance_attrs

    monkeypatch.delenv("SLURM_ARRAY_JOB_ID", raising=False)
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    record = execution_record()
    assert record["slurm_job_id"] == "4242" and record["cuda_visible_devices"] == "3"
    assert "slurm_array_job_id" not in record and record["host"]
    write_h5(tmp_path / "x.h5", {"a": np.zeros(2)}, provenance_attrs("x", {}, 0))
    _, attrs = read_h5(tmp_path / "x.h5")
    assert json.loads(attrs["execution"])["slurm_job_id"] == "4242"
