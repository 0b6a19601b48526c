rule summarize:
    input:
        expand("results/{dataset}/{scenario}/metrics.csv", dataset=DATASETS, scenario=SCENARIOS),
    output:
        csv=report("results/summary.csv", caption="../report/summary.rst", category="Summary"),
        md="results/summary.md",
    params:
        fprs=config["report"]["fprs"],
        headline_fpr=config["report"]["headline_fpr"],
        baseline=BASELINE,
    log:
        "results/logs/summarize.log",
    shell:
        "python -m mia summarize --metrics {input} --fprs {params.fprs} --headline-fpr {params.headline_fpr}"
        " --baseline {params.baseline} --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


rule analyze:
    input:
        lambda wc: expand("results/{dataset}/{scenario}/per_target.csv", dataset=wc.dataset, scenario=SCENARIOS),
    output:
        models=report(
            "results/{dataset}/per_model.csv",
            caption="../report/models.rst",
            category="{dataset}",
            subcategory="Per-model analysis",
        ),
        correlation=report(
            "results/{dataset}/gap_correlation.csv",
            caption="../report/models.rst",
            category="{dataset}",
            subcategory="Per-model analysis",
        ),
    params:
        attack=config["report"]["analysis_attack"],
        fpr=config["report"]["headline_fpr"],
        seed=config["seed"],
    log:
        "results/logs/analyze/{dataset}.log",
    shell:
        "python -m mia analyze --per-target {input} --attack {params.attack} --fpr {params.fpr} --seed {params.seed}"
        " --out-models {output.models} --out-correlation {output.correlation} > {log} 2>&1"


rule plot_roc:
    input:
        dataset_attacks,
    output:
        report(
            "results/plots/roc_{dataset}.png",
            caption="../report/roc.rst",
            category="{dataset}",
            subcategory="Plots",
        ),
    params:
        scenarios=SCENARIOS,
        attacks=config["report"]["roc_attacks"],
    log:
        "results/logs/plot_roc/{dataset}.log",
    shell:
        "python -m mia plot-roc --attack-files {input} --scenarios {params.scenarios} --attacks {params.attacks}"
        " --dataset {wildcards.dataset} --out {output} > {log} 2>&1"


rule plot_bars:
    input:
        "results/summary.csv",
    output:
        report(
            "results/plots/tpr_{dataset}.png",
            caption="../report/bars.rst",
            category="{dataset}",
            subcategory="Plots",
        ),
    params:
        attacks=config["report"]["roc_attacks"],
        fpr=config["report"]["headline_fpr"],
    log:
        "results/logs/plot_bars/{dataset}.log",
    shell:
        "python -m mia plot-bars --summary {input} --dataset {wildcards.dataset} --attacks {params.attacks}"
        " --fpr {params.fpr} --out {output} > {log} 2>&1"


rule plot_gap:
    input:
        models="results/{dataset}/per_model.csv",
        correlation="results/{dataset}/gap_correlation.csv",
    output:
        report(
            "results/plots/gap_{dataset}.png",
            caption="../report/gap.rst",
            category="{dataset}",
            subcategory="Plots",
        ),
    params:
        fpr=config["report"]["headline_fpr"],
    log:
        "results/logs/plot_gap/{dataset}.log",
    shell:
        "python -m mia plot-gap --models {input.models} --correlation {input.correlation} --fpr {params.fpr}"
        " --dataset {wildcards.dataset} --out {output} > {log} 2>&1"


rule plot_epochs:
    input:
        lambda wc: expand("results/{dataset}/{scenario}/metrics.csv", dataset=wc.dataset, scenario=SCENARIOS),
    output:
        report(
            "results/plots/epochs_{dataset}.png",
            caption="../report/epochs.rst",
            category="{dataset}",
            subcategory="Plots",
        ),
    params:
        attacks=config["report"]["roc_attacks"],
        fpr=config["report"]["headline_fpr"],
    log:
        "results/logs/plot_epochs/{dataset}.log",
    shell:
        "python -m mia plot-epochs --metrics {input} --attacks {params.attacks} --fpr {params.fpr}"
        " --dataset {wildcards.dataset} --out {output} > {log} 2>&1"
