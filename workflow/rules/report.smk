rule summarize:
    input:
        expand("results/{dataset}/{scenario}/metrics.csv", dataset=DATASETS, scenario=SCENARIOS),
    output:
        csv="results/summary.csv",
        md="results/summary.md",
    params:
        fprs=config["report"]["fprs"],
        headline_fpr=config["report"]["headline_fpr"],
    log:
        "results/logs/summarize.log",
    shell:
        "python -m mia summarize --metrics {input} --fprs {params.fprs} --headline-fpr {params.headline_fpr}"
        " --out-csv {output.csv} --out-md {output.md} > {log} 2>&1"


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
