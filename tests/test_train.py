import numpy as np
import pytest
import torch

from mia.train import EarlyStopping, train_model


def test_early_stopping_waits_patience_epochs_after_the_best():
    model = torch.nn.Linear(1, 1)
    stopper = EarlyStopping("val_loss", patience=2, min_delta=0.01)
    losses = [1.0, 0.8, 0.795, 0.9]  # 0.795 is within min_delta of 0.8: no improvement
    stops = [stopper.step(e, v, model) for e, v in enumerate(losses, start=1)]
    assert stops == [False, False, False, True] and stopper.best_epoch == 2
    acc = EarlyStopping("val_acc", patience=1, min_delta=0.0)
    assert [acc.step(e, v, model) for e, v in enumerate([0.5, 0.6, 0.6], start=1)] == [False, False, True]
    assert acc.best_epoch == 2
    with pytest.raises(ValueError, match="val_loss or val_acc"):
        EarlyStopping("loss", 1, 0.0)


def _problem(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 4, 4, generator=g)
    y = (x.mean(dim=(1, 2, 3)) > 0.5).long()
    return x, y


def _recipe(**kw):
    base = {"epochs": 12, "batch_size": 16, "lr": 0.5, "momentum": 0.0, "weight_decay": 0.0, "augment": [],
            "early_stopping": None, "save_epochs": []}
    return base | kw


def _model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))


def test_early_stop_restores_the_best_weights_and_snapshots_fill_in():
    x, y = _problem()
    vx, vy = _problem(32, seed=1)
    vy = 1 - vy  # a validation set that gets worse as training fits: stops early
    mean, std = torch.zeros(1), torch.ones(1)
    model = _model()
    es = {"monitor": "val_loss", "patience": 2, "min_delta": 0.0, "restore_best": True}
    res = train_model(model, x, y, vx, vy, mean, std, _recipe(early_stopping=es, save_epochs=[1, 10]), 2, seed=0,
                      log=lambda m: None)
    assert res.stop_epoch < 12 and res.best_epoch == res.stop_epoch - 2
    assert len(res.history["val_loss"]) == res.stop_epoch
    best = min(res.history["val_loss"])
    assert res.history["val_loss"][res.best_epoch - 1] == best
    # Epoch 10 comes after the stop: it holds the final (restored best) weights.
    assert all(torch.equal(res.snapshots[10][k], v) for k, v in model.state_dict().items())
    assert not all(torch.equal(res.snapshots[1][k], v) for k, v in model.state_dict().items())


def test_mixup_training_reports_clean_train_accuracy():
    x, y = _problem(128)
    model = _model()
    res = train_model(model, x, y, x[:0], y[:0], torch.zeros(1), torch.ones(1),
                      _recipe(augment=[{"op": "mixup", "alpha": 1.0}]), 2, seed=0, log=lambda m: None)
    assert res.stop_epoch == 12 and res.best_epoch == 12
    # Accuracy on the un-mixed training images in eval mode, not against soft targets.
    clean = (model.eval()(x).argmax(1) == y).float().mean().item()
    assert res.history["train_acc"][-1] == pytest.approx(clean)
    assert res.history["train_acc"][-1] > 0.6
    assert all(v != v for v in res.history["val_acc"])  # no validation set: NaN, not a made-up number


def test_learning_rate_schedules():
    from mia.train import lr_factor

    total, warmup = 100, 10
    assert [lr_factor(s, total, warmup, "cosine") for s in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert lr_factor(10, total, warmup, "cosine") == pytest.approx(1.0)
    assert lr_factor(55, total, warmup, "cosine") == pytest.approx(0.5)
    assert lr_factor(99, total, 0, "cosine") == pytest.approx(0.5 * (1 + np.cos(np.pi * 0.99)))
    assert lr_factor(55, total, warmup, "onecycle") == pytest.approx(0.5)
    assert lr_factor(70, total, warmup, "constant") == 1.0
    with pytest.raises(ValueError, match="schedule must be"):
        lr_factor(0, 10, 0, "step")


def test_label_smoothing_and_schedule_reach_the_optimizer():
    x, y = _problem(64)
    model = _model()
    res = train_model(model, x, y, x[:8], y[:8], torch.zeros(1), torch.ones(1),
                      _recipe(epochs=4, schedule="onecycle", warmup_epochs=1, label_smoothing=0.1), 2, seed=0,
                      log=lambda m: None)
    lrs = res.history["lr"]  # lr after each epoch: warm-up done, then linear decay to zero
    assert lrs[0] == pytest.approx(0.5) and lrs[-1] == pytest.approx(0.0, abs=1e-9)
    assert lrs[1] > lrs[2] > lrs[3]
