rule summarize:
    input:
        expand("results/{dataset}/{scenario}/metrics.csv", dataset=DATASETS, scenario=SCENARIOS),
    output:
        csv="results/summary.csv",
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
        models="results/{dataset}/per_model.csv",
        correlation="results/{dataset}/gap_correlation.csv",
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
        "results/plots/roc_{dataset}.png",
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
        "results/plots/tpr_{dataset}.png",
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
        "results/plots/gap_{dataset}.png",
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
        "results/plots/epochs_{dataset}.png",
    params:
        attacks=config["report"]["roc_attacks"],
        fpr=config["report"]["headline_fpr"],
    log:
        "results/logs/plot_epochs/{dataset}.log",
    shell:
        "python -m mia plot-epochs --metrics {input} --attacks {params.attacks} --fpr {params.fpr}"
        " --dataset {wildcards.dataset} --out {output} > {log} 2>&1"
