import copy
from pathlib import Path

import pytest
import yaml

from mia.config import ConfigError, resolve_recipe, validate_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def default_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_default_config_validates_and_fills_defaults(default_config):
    cfg = validate_config(default_config)
    assert cfg["models"] == 16 and cfg["models"] % 2 == 0
    assert set(cfg["scenarios"]) >= {"baseline", "augmented"}
    assert cfg["datasets"]["digits"]["subset"] is None  # filled from the schema
    assert cfg["attack"]["chunk_size"] == 4096


def test_scenarios_resolve_as_defaults_plus_overrides(default_config):
    cfg = validate_config(default_config)
    base = resolve_recipe(cfg, "baseline")
    aug = resolve_recipe(cfg, "augmented")
    assert base["augment"] == [] and base["epochs"] == cfg["train_defaults"]["epochs"]
    assert [op["op"] for op in aug["augment"]] == ["shift", "cutout"]
    assert {k: v for k, v in aug.items() if k != "augment"} == {k: v for k, v in base.items() if k != "augment"}
    cfg["scenarios"]["short"] = {"epochs": 3, "augment": [{"op": "shift"}]}
    short = resolve_recipe(cfg, "short")
    assert short["epochs"] == 3 and short["augment"] == [{"op": "shift", "pad": 4}]
    with pytest.raises(ConfigError, match="unknown scenario 'nope'"):
        resolve_recipe(cfg, "nope")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda c: c.update(models=15), r"config key models: 15 is not a multiple of 2"),
        (lambda c: c.update(models=2), r"config key models: 2 is less than the minimum of 4"),
        (lambda c: c.update(device="tpu"), r"config key device: 'tpu' is not allowed; allowed values: \['auto', 'cpu', 'cuda'\]"),
        (lambda c: c["train_defaults"].update(model="vgg"), r"config key train_defaults.model: 'vgg' is not allowed; allowed values: \['small_cnn', 'resnet18', 'wrn28_2', 'fastnet'\]"),
        (lambda c: c["scenarios"]["baseline"].update(epoch=3), r"config key scenarios.baseline: Additional properties are not allowed \('epoch' was unexpected\); allowed keys: \[.*'epochs'"),
        (lambda c: c["train_defaults"].update(lr="fast"), r"config key train_defaults.lr: 'fast' is not of type 'number'"),
        (lambda c: c["scenarios"]["augmented"]["augment"].append({"op": "rotate"}), r"config key scenarios.augmented.augment.2.op: 'rotate' is not one of \['shift', 'flip', 'cutout', 'autoaugment', 'randaugment', 'trivialaugment', 'mixup', 'cutmix'\]"),
        (lambda c: c["scenarios"]["augmented"].update(save_epochs=[5, 99]), r"config key scenarios.augmented.save_epochs: \[99\] exceed the scenario's epochs \(30\)"),
        (lambda c: c["report"].update(baseline_scenario="nope"), r"config key report.baseline_scenario: 'nope' is not a scenario"),
        (lambda c: (c["datasets"]["digits"].update(validation_fraction=0), c["scenarios"]["baseline"].update(early_stopping={})), r"datasets.digits.validation_fraction: scenario 'baseline' uses early stopping"),
        (lambda c: c["scenarios"]["baseline"].update(early_stopping={"monitor": "loss"}), r"config key scenarios.baseline.early_stopping.monitor: 'loss' is not allowed; allowed values: \['val_loss', 'val_acc'\]"),
        (lambda c: c["scenarios"]["augmented"]["augment"].append({"op": "cutout", "pad": 2}), r"config key scenarios.augmented.augment.2: Additional properties are not allowed \('pad' was unexpected\)"),
        (lambda c: c["report"].update(headline_fpr=0.05), r"report.headline_fpr: 0.05 must be one of report.fprs"),
        (lambda c: c["attack"].update(variants=["loss_threshold"]), r"report.roc_attacks / report.analysis_attack: \['lira_online', 'lira_offline', 'lira_online_fixed'\] are not run"),
        (lambda c: c.update(colour="red"), r"config key <top level>: Additional properties are not allowed \('colour' was unexpected\)"),
    ],
)
def test_bad_values_name_the_key_and_what_is_allowed(default_config, edit, message):
    cfg = copy.deepcopy(default_config)
    edit(cfg)
    with pytest.raises(ConfigError, match=message):
        validate_config(cfg)
