"""Every architecture on every dataset's files, through the real Snakefile: one epoch of
training and the logits, each in its own job as a user's run would do it."""

import textwrap

import numpy as np

from conftest import TINY_CONFIG, snakemake, write_config
from formats import make_idx_dataset, write_cifar, write_svhn
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

# Loaded by every Python process of the run (Snakemake and its jobs) through PYTHONPATH.
# torchvision checks the MD5 of the official CIFAR/SVHN archives, which files written by a
# test cannot match; only that check is replaced, the parsing is torchvision's own.
NO_MD5_SITECUSTOMIZE = textwrap.dedent("""
    import os
    import torchvision.datasets.cifar as _cifar
    import torchvision.datasets.svhn as _svhn
    for _m in (_cifar, _svhn):
        _m.check_integrity = lambda path, md5=None: os.path.isfile(path)
""")


def test_every_model_trains_one_epoch_on_every_dataset_through_the_workflow(tmp_path):
    datasets = {}
    for source, (writer, *_shape) in DATASETS.items():
        entry = {"source": source, "holdout_fraction": 0.25, "query_shift": 1}
        if writer:
            (tmp_path / source).mkdir()
            writer(tmp_path / source)
            entry |= {"data_dir": str(tmp_path / source), "pool": "train_plus_half_test"}
        else:
            entry |= {"subset": 40}
        datasets[source.replace("-", "_")] = entry
    config = TINY_CONFIG | {
        "models": 4,  # the minimum; only model 1 of each scenario is asked for
        "datasets": datasets,
        "train_defaults": {"width": 4, "epochs": 1, "batch_size": 8, "lr": 0.05, "augment": [{"op": "shift", "pad": 1}]},
        "scenarios": {model: {"model": model} for model in sorted(MODELS)},
        "report": TINY_CONFIG["report"] | {"baseline_scenario": sorted(MODELS)[0]},
    }
    write_config(tmp_path / "run", config)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(NO_MD5_SITECUSTOMIZE)
    targets = [f"results/{name}/{model}/logits/1.h5" for name in datasets for model in MODELS]
    snakemake(tmp_path / "run", "--cores", "2", *targets, pythonpath=(tmp_path / "site",))

    results = tmp_path / "run" / "results"
    for source, (_writer, channels, size, classes) in DATASETS.items():
        name = source.replace("-", "_")
        arrays, attrs = read_h5(results / name / "data.h5")
        assert arrays["pool_images"].shape[1:] == (channels, size, size) and attrs["num_classes"] == classes
        views = 18 if attrs["flip_ok"] else 9
        for model in MODELS:
            logits, _ = read_h5(results / name / model / "logits" / "1.h5")
            assert logits["logits"].shape == (1, len(arrays["pool_labels"]), views, classes), (source, model)
            assert np.isfinite(logits["logits"]).all()
            log = (results / "logs" / "train" / name / model / "1.log").read_text()
            assert "epoch 1/1" in log, log


def test_fashion_mnist_files_through_the_workflow(tmp_path):
    """The whole DAG (attacks, summary) on Fashion-MNIST IDX files laid out as Debian ships
    them, with ResNet-18 and the paper's pool construction."""
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
