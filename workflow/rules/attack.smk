rule attack:
    input:
        logits=scenario_logits,
    output:
        "results/{dataset}/{scenario}/attack.h5",
    params:
        variants=config["attack"]["variants"],
        chunk_size=config["attack"]["chunk_size"],
    log:
        "results/logs/attack/{dataset}/{scenario}.log",
    benchmark:
        "results/benchmarks/attack/{dataset}/{scenario}.tsv"
    shell:
        "python -m mia attack --logits {input.logits} --variants {params.variants}"
        " --chunk-size {params.chunk_size} --out {output} > {log} 2>&1"


rule metrics:
    input:
        "results/{dataset}/{scenario}/attack.h5",
    output:
        pooled=report(
            "results/{dataset}/{scenario}/metrics.csv",
            caption="../report/metrics.rst",
            category="{dataset}",
            subcategory="{scenario}",
        ),
        per_target="results/{dataset}/{scenario}/per_target.csv",
    params:
        fprs=config["report"]["fprs"],
    log:
        "results/logs/metrics/{dataset}/{scenario}.log",
    shell:
        "python -m mia metrics --attack {input} --dataset {wildcards.dataset} --scenario {wildcards.scenario}"
        " --fprs {params.fprs} --out {output.pooled} --per-target-out {output.per_target} > {log} 2>&1"
