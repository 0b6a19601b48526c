"""Config validation against the JSON schema, defaults, and scenario resolution.

Plain functions over dicts so the Snakefile and a user's own scripts share them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """A config value is wrong; the message names the key and what is allowed."""


def load_schema(path: str | Path = SCHEMA_PATH) -> dict:
    with open(path) as f:
        return yaml.safe_load(f)


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "<top level>"


def _explain(error: ValidationError) -> str:
    # oneOf over augmentation ops: report against the branch whose `op` matches.
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        ops = [b.get("properties", {}).get("op", {}).get("const") for b in error.validator_value]
        op = error.instance.get("op")
        if op not in ops:
            return f"config key {_key(error.absolute_path)}.op: {op!r} is not one of {ops}"
        branch = ops.index(op)
        sub = [e for e in error.context if e.relative_schema_path[0] == branch]
        if sub:
            return _explain(sorted(sub, key=lambda e: len(e.path))[0])
    where = _key(error.absolute_path)
    if error.validator == "enum":
        return f"config key {where}: {error.instance!r} is not allowed; allowed values: {error.validator_value}"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return f"config key {where}: {error.message}; allowed keys: {allowed}"
    return f"config key {where}: {error.message}"


def _fill_defaults(instance: Any, schema: Mapping, root: Mapping) -> None:
    """Insert schema defaults for missing keys, recursively (in place)."""
    if "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if not isinstance(instance, dict):
        if isinstance(instance, list) and "items" in schema:
            for item in instance:
                _fill_defaults(item, schema["items"], root)
        return
    if "oneOf" in schema:
        for branch in schema["oneOf"]:
            if Draft202012Validator(branch).is_valid(instance):
                _fill_defaults(instance, branch, root)
    for name, sub in schema.get("properties", {}).items():
        if name not in instance and "default" in sub:
            instance[name] = copy.deepcopy(sub["default"])
        if name in instance:
            _fill_defaults(instance[name], sub, root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for name in instance:
            if name not in schema.get("properties", {}):
                _fill_defaults(instance[name], extra, root)


def validate_config(config: Mapping, schema: Mapping | None = None) -> dict:
    """Return a validated copy of `config` with defaults filled in; raise ConfigError.

    Scenario entries stay sparse (only their overrides) so `train_defaults` applies.
    """
    schema = load_schema() if schema is None else schema
    errors = sorted(Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError("invalid config:\n  " + "\n  ".join(_explain(e) for e in errors))
    cfg = copy.deepcopy(dict(config))
    scenarios = cfg.pop("scenarios")
    _fill_defaults(cfg, schema, schema)
    cfg["scenarios"] = scenarios
    report, attack = cfg["report"], cfg["attack"]
    if report["headline_fpr"] not in report["fprs"]:
        raise ConfigError(
            f"config key report.headline_fpr: {report['headline_fpr']} must be one of report.fprs {report['fprs']}"
        )
    missing = [a for a in report["roc_attacks"] + [report["analysis_attack"]] if a not in attack["variants"]]
    if missing:
        raise ConfigError(
            f"config key report.roc_attacks / report.analysis_attack: {missing} are not run; "
            f"attack.variants is {attack['variants']}"
        )
    for ds, dcfg in cfg["datasets"].items():
        if dcfg["source"] == "digits" and dcfg["pool"] != "random":
            raise ConfigError(
                f"config key datasets.{ds}.pool: {dcfg['pool']!r} needs an official train/test split, which "
                "digits has not; use random"
            )
    baseline = report["baseline_scenario"]
    if baseline is not None and baseline not in scenarios:
        raise ConfigError(
            f"config key report.baseline_scenario: {baseline!r} is not a scenario; scenarios: {sorted(scenarios)}"
        )
    for name in scenarios:
        recipe = resolve_recipe(cfg, name, schema)
        late = [e for e in recipe["save_epochs"] if e > recipe["epochs"]]
        if late:
            raise ConfigError(
                f"config key scenarios.{name}.save_epochs: {late} exceed the scenario's epochs ({recipe['epochs']})"
            )
        if recipe["early_stopping"] is not None:
            for ds, dcfg in cfg["datasets"].items():
                if dcfg["validation_fraction"] <= 0:
                    raise ConfigError(
                        f"config key datasets.{ds}.validation_fraction: scenario {name!r} uses early stopping, "
                        "which needs a validation part of the holdout (> 0)"
                    )
    return cfg


def baseline_scenario(config: Mapping) -> str:
    return config["report"]["baseline_scenario"] or next(iter(config["scenarios"]))


def resolve_recipe(config: Mapping, scenario: str, schema: Mapping | None = None) -> dict:
    """The full training recipe of `scenario`: train_defaults with its overrides on top."""
    if scenario not in config["scenarios"]:
        raise ConfigError(f"unknown scenario {scenario!r}; configured: {sorted(config['scenarios'])}")
    schema = load_schema() if schema is None else schema
    recipe = copy.deepcopy(config["train_defaults"])
    recipe.update(copy.deepcopy(config["scenarios"][scenario] or {}))
    _fill_defaults(recipe, schema["$defs"]["recipe"], schema)
    return recipe
