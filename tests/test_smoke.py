"""Every architecture on every dataset's files: one epoch of training and the logits."""

import numpy as np
import pytest

from conftest import TINY_CONFIG, snakemake, write_config
from formats import make_idx_dataset, write_cifar, write_svhn
from mia import jobs
from mia.models import MODELS
from mia.store import read_h5

DATASETS = {  # source -> (writer of small files in the real format, channels, size, classes)
    "digits": (None, 1, 8, 10),
    "fashion-mnist": (lambda root: make_idx_dataset(root, n_train=24, n_test=8), 1, 28, 10),
    "mnist": (lambda root: make_idx_dataset(root / "MNIST" / "raw", n_train=24, n_test=8, compress=False), 1, 28, 10),
    "cifar10": (lambda root: write_cifar(root, "cifar10", n_per_batch=4), 3, 32, 10),
    "cifar100": (lambda root: write_cifar(root, "cifar100", n_per_batch=16), 3, 32, 100),
    "svhn": (lambda root: write_svhn(root, n_train=24, n_test=8), 3, 32, 10),
}




@pytest.mark.parametrize("source", sorted(DATASETS))
def test_every_model_trains_one_epoch_on_every_dataset(source, tmp_path, no_md5):
    writer, channels, size, classes = DATASETS[source]
    data_dir = None
    if writer:
        data_dir = tmp_path / "files"
        data_dir.mkdir()
        writer(data_dir)
    data = tmp_path / "data.h5"
    pool = "random" if source == "digits" else "train_plus_half_test"
    jobs.run_prepare(str(data), source, 0.25, seed=0, subset=40 if source == "digits" else None,
                     data_dir=str(data_dir) if data_dir else None, pool=pool)
    arrays, attrs = read_h5(data)
    assert arrays["pool_images"].shape[1:] == (channels, size, size) and attrs["num_classes"] == classes
    for model in sorted(MODELS):
        recipe = {"model": model, "width": 4, "epochs": 1, "batch_size": 8, "lr": 0.05, "momentum": 0.9,
                  "nesterov": False, "weight_decay": 0.0, "augment": [{"op": "shift", "pad": 1}],
                  "early_stopping": None, "save_epochs": []}
        ckpt, out = tmp_path / f"{model}.pt", tmp_path / f"{model}.h5"
        jobs.run_train(str(data), str(ckpt), model_index=1, recipe=recipe, seed=0, device="cpu")
        jobs.run_logits(str(data), str(ckpt), str(out), query_shift=1, query_flip=None, device="cpu")
        logits, _ = read_h5(out)
        views = 18 if attrs["flip_ok"] else 9
        assert logits["logits"].shape == (1, len(arrays["pool_labels"]), views, classes), (source, model)
        assert np.isfinite(logits["logits"]).all()


def test_fashion_mnist_files_through_the_workflow(tmp_path):
    """Fashion-MNIST IDX files, laid out as Debian ships them, read by the real loader inside
    the real Snakefile's jobs with the paper's pool construction. (CIFAR and SVHN need
    torchvision's MD5 check replaced, which only works in-process, above.)"""
    fashion = tmp_path / "fashion"
    make_idx_dataset(fashion, n_train=48, n_test=16)
    config = TINY_CONFIG | {
        "datasets": {"fmnist": {"source": "fashion-mnist", "data_dir": str(fashion), "pool": "train_plus_half_test",
                                "query_shift": 0}},
        "train_defaults": {"model": "resnet18", "width": 4, "epochs": 1, "batch_size": 16},
        "scenarios": {"baseline": {}},
        "report": TINY_CONFIG["report"] | {"baseline_scenario": "baseline"},
    }
    write_config(tmp_path / "run", config)
    snakemake(tmp_path / "run", "--cores", "2")
    summary = (tmp_path / "run" / "results" / "summary.csv").read_text().splitlines()
    assert sum(line.startswith("fmnist,baseline,") for line in summary) == 6
    fm, _ = read_h5(tmp_path / "run" / "results" / "fmnist" / "baseline" / "logits" / "0.h5")
    assert fm["logits"].shape == (1, 56, 2, 10)  # pool: 48 train + 8 of 16 test; views: flip only
