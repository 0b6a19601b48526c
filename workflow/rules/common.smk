# Config validation and helpers shared by the rule files (no rules here).
import json
import os
import sys

from snakemake.exceptions import WorkflowError

sys.path.insert(0, workflow.basedir)
from mia.config import ConfigError, baseline_scenario, load_schema, resolve_recipe, validate_config

# Jobs call `python -m mia`; make that the interpreter running Snakemake (which has the
# package) even when its virtual environment is not activated.
os.environ.update(PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))

SCHEMA = load_schema(os.path.join(workflow.basedir, "workflow", "schemas", "config.schema.yaml"))
try:
    _validated = validate_config(config, SCHEMA)
except ConfigError as err:
    raise WorkflowError(str(err)) from None
config.clear()
config.update(_validated)

RESULTS = "results"
DATASETS = list(config["datasets"])
SCENARIOS = list(config["scenarios"])
MODELS = config["models"]
BASELINE = baseline_scenario(config)


wildcard_constraints:
    dataset="[A-Za-z0-9][A-Za-z0-9_.-]*",
    scenario="[A-Za-z0-9][A-Za-z0-9_.-]*",
    i="[0-9]+",


def _uses_gpu():
    if config["device"] == "cpu":
        return False
    if config["device"] == "cuda":
        return True
    import torch

    return torch.cuda.is_available()


GPUS_PER_JOB = 1 if _uses_gpu() else 0


def dataset_cfg(wildcards):
    return config["datasets"][wildcards.dataset]


def recipe_json(wildcards):
    """The scenario's full training recipe; a change reruns that scenario's models only."""
    return json.dumps(resolve_recipe(config, wildcards.scenario, SCHEMA), sort_keys=True)


def query_flip_arg(wildcards):
    flip = dataset_cfg(wildcards)["query_flip"]
    return "auto" if flip is None else ("yes" if flip else "no")


def scenario_logits(wildcards):
    return expand(
        f"{RESULTS}/{{dataset}}/{{scenario}}/logits/{{i}}.h5",
        dataset=wildcards.dataset,
        scenario=wildcards.scenario,
        i=range(MODELS),
    )


def dataset_attacks(wildcards):
    return expand(
        f"{RESULTS}/{{dataset}}/{{scenario}}/attack.h5",
        dataset=wildcards.dataset,
        scenario=SCENARIOS,
    )


def final_outputs():
    return [
        f"{RESULTS}/summary.csv",
        f"{RESULTS}/summary.md",
        *expand(f"{RESULTS}/plots/roc_{{dataset}}.png", dataset=DATASETS),
        *expand(f"{RESULTS}/plots/tpr_{{dataset}}.png", dataset=DATASETS),
        *expand(f"{RESULTS}/plots/gap_{{dataset}}.png", dataset=DATASETS),
        *expand(f"{RESULTS}/plots/epochs_{{dataset}}.png", dataset=DATASETS),
    ]
