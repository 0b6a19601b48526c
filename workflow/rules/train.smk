rule train:
    input:
        data="results/{dataset}/data.h5",
    output:
        "results/{dataset}/{scenario}/models/{i}.pt",
    params:
        recipe=recipe_json,
        seed=config["seed"],
        device=config["device"],
    threads: config["threads"]
    resources:
        gpu=GPUS_PER_JOB,
    log:
        "results/logs/train/{dataset}/{scenario}/{i}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{scenario}/{i}.tsv"
    shell:
        "python -m mia train --data {input.data} --model-index {wildcards.i} --seed {params.seed}"
        " --recipe {params.recipe:q} --device {params.device} --threads {threads} --out {output} > {log} 2>&1"


rule logits:
    input:
        data="results/{dataset}/data.h5",
        model="results/{dataset}/{scenario}/models/{i}.pt",
    output:
        "results/{dataset}/{scenario}/logits/{i}.h5",
    params:
        query_shift=lambda wc: dataset_cfg(wc)["query_shift"],
        query_flip=query_flip_arg,
        device=config["device"],
    threads: config["threads"]
    resources:
        gpu=GPUS_PER_JOB,
    log:
        "results/logs/logits/{dataset}/{scenario}/{i}.log",
    benchmark:
        "results/benchmarks/logits/{dataset}/{scenario}/{i}.tsv"
    shell:
        "python -m mia logits --data {input.data} --model {input.model} --query-shift {params.query_shift}"
        " --query-flip {params.query_flip} --device {params.device} --threads {threads} --out {output} > {log} 2>&1"
