# Membership inference vs. generalization: shadow models -> logits -> LiRA -> tables and plots.
# Run: snakemake --cores all      (config.yaml: scikit-learn digits, runs offline on a CPU)
from snakemake.utils import min_version

min_version("8.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


# Seconds of work each: on a cluster they run on the submit host instead of waiting in the queue.
localrules:
    all,
    metrics,
    summarize,
    analyze,
    plot_roc,
    plot_bars,
    plot_gap,
    plot_epochs,


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/attack.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
