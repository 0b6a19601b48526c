"""The stages as a user runs them by hand, on a small subset of digits."""

import numpy as np
import pytest
import torch

from mia import jobs
from mia.keep import keep_mask
from mia.models import build_model, count_parameters
from mia.store import job_config, read_h5

RECIPE = {"model": "small_cnn", "width": 8, "epochs": 2, "batch_size": 32, "lr": 0.05, "momentum": 0.9,
          "nesterov": False, "weight_decay": 5e-4, "augment": [{"op": "shift", "pad": 1}, {"op": "cutout", "size": 3}],
          "early_stopping": None, "save_epochs": []}


@pytest.fixture(scope="module")
def data_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "data.h5"
    jobs.run_prepare(str(path), "digits", 0.25, seed=1, subset=200)
    return path


def test_prepare_splits_without_overlap(data_store):
    arrays, attrs = read_h5(data_store)
    assert len(arrays["pool_labels"]) == 150 and len(arrays["holdout_labels"]) == 50
    assert not set(arrays["pool_source_index"]) & set(arrays["holdout_source_index"])
    assert arrays["pool_images"].dtype == np.uint8 and arrays["pool_images"].shape[1:] == (1, 8, 8)
    assert attrs["num_classes"] == 10 and not attrs["flip_ok"]
    assert job_config(attrs)["subset"] == 200


def test_train_is_deterministic_and_records_history(data_store, tmp_path, capsys):
    for name in ("a.pt", "b.pt"):
        jobs.run_train(str(data_store), str(tmp_path / name), model_index=1, recipe=RECIPE, seed=1, device="cpu")
    a, b = jobs.load_checkpoint(tmp_path / "a.pt"), jobs.load_checkpoint(tmp_path / "b.pt")
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])
    assert len(a["history"]["train_loss"]) == 2 and len(a["history"]["val_acc"]) == 2
    assert all(0.0 <= v <= 1.0 for v in a["history"]["train_acc"])
    np.testing.assert_array_equal(a["keep"].numpy(), keep_mask(1, 1, 150))
    log = capsys.readouterr().out
    assert "model 1" in log and "epoch 2/2" in log and "images/s" in log


def test_logits_store_holds_every_query_view(data_store, tmp_path):
    ckpt = tmp_path / "m.pt"
    jobs.run_train(str(data_store), str(ckpt), model_index=0, recipe=RECIPE, seed=1, device="cpu")
    out = tmp_path / "logits.h5"
    jobs.run_logits(str(data_store), str(ckpt), str(out), query_shift=1, query_flip=None, device="cpu")
    arrays, attrs = read_h5(out)
    assert arrays["logits"].shape == (1, 150, 9, 10)
    assert arrays["holdout_logits"].shape == (1, 50, 9, 10)
    assert arrays["query_plan"].shape == (9, 3) and not arrays["query_plan"][:, 0].any()  # no flips on digits
    np.testing.assert_array_equal(arrays["keep"], keep_mask(1, 0, 150))
    assert 0 <= arrays["train_acc"][0] <= 1 and 0 <= arrays["holdout_acc"][0] <= 1
    assert attrs["model_index"] == 0 and job_config(attrs)["query_flip"] is False
    # Eval mode makes the logits a function of the checkpoint alone.
    again = tmp_path / "again.h5"
    jobs.run_logits(str(data_store), str(ckpt), str(again), query_shift=1, query_flip=True, device="cpu")
    flipped, _ = read_h5(again)
    assert flipped["logits"].shape == (1, 150, 18, 10)
    np.testing.assert_array_equal(flipped["logits"][:, :, :9], arrays["logits"])


def test_attack_rejects_an_incomplete_model_set(data_store, tmp_path):
    with pytest.raises(ValueError, match="unknown attack"):
        jobs.run_attack([], str(tmp_path / "a.h5"), ["lira_magic"])
    ckpt, store = tmp_path / "m.pt", tmp_path / "1.h5"
    jobs.run_train(str(data_store), str(ckpt), model_index=1, recipe=RECIPE | {"epochs": 1}, seed=1, device="cpu")
    jobs.run_logits(str(data_store), str(ckpt), str(store), query_shift=0, query_flip=None, device="cpu")
    with pytest.raises(ValueError, match=r"models 0\.\.0 once each; got indices \[1\]"):
        jobs.run_attack([str(store)], str(tmp_path / "a.h5"), ["lira_online"])
    assert not (tmp_path / "a.h5").exists()


def test_epoch_snapshots_give_logits_per_epoch(data_store, tmp_path):
    es = {"monitor": "val_loss", "patience": 10, "min_delta": 0.0, "restore_best": False}
    recipe = RECIPE | {"epochs": 4, "save_epochs": [1, 3], "early_stopping": es}
    ckpt, out = tmp_path / "m.pt", tmp_path / "l.h5"
    jobs.run_train(str(data_store), str(ckpt), model_index=0, recipe=recipe, seed=1, device="cpu")
    saved = jobs.load_checkpoint(ckpt)
    assert sorted(saved["snapshots"]) == [1, 3] and saved["stop_epoch"] == 4
    jobs.run_logits(str(data_store), str(ckpt), str(out), query_shift=0, query_flip=None, device="cpu")
    arrays, _ = read_h5(out)
    assert arrays["epochs"].tolist() == [1, 3, 4]
    assert arrays["logits"].shape == (3, 150, 1, 10)
    assert not np.array_equal(arrays["logits"][0], arrays["logits"][1])  # raw weights of each epoch
    assert arrays["train_acc"].shape == (3,) and int(arrays["stop_epoch"]) == 4
    # Holdout accuracy is measured on the test part only, never on the validation part.
    test = ~arrays["holdout_is_validation"]
    assert 0 < test.sum() < 50
    expected = (arrays["holdout_logits"][2, test, 0].argmax(-1) == arrays["holdout_labels"][test]).mean()
    assert arrays["holdout_acc"][2] == pytest.approx(expected)


def test_snapshots_under_restore_best_hold_the_best_weights_so_far(data_store, tmp_path):
    es = {"monitor": "val_acc", "patience": 10, "min_delta": 0.0, "restore_best": True}
    recipe = RECIPE | {"epochs": 4, "save_epochs": [1, 2, 3], "early_stopping": es}
    jobs.run_train(str(data_store), str(tmp_path / "m.pt"), model_index=0, recipe=recipe, seed=1, device="cpu")
    saved = jobs.load_checkpoint(tmp_path / "m.pt")
    val_acc = saved["history"]["val_acc"]
    for e in (1, 2, 3):
        best_so_far = 1 + int(np.argmax(val_acc[:e]))  # first epoch reaching the best value
        same = [k for k in saved["snapshots"] if all(
            torch.equal(saved["snapshots"][k][n], saved["snapshots"][best_so_far][n]) for n in saved["state_dict"])]
        assert e in same and best_so_far in same
    final_best = 1 + int(np.argmax(val_acc))
    assert saved["best_epoch"] == final_best
    if final_best in saved["snapshots"]:
        assert all(torch.equal(saved["state_dict"][n], saved["snapshots"][final_best][n]) for n in saved["state_dict"])
