rule prepare_data:
    output:
        "results/{dataset}/data.h5",
    params:
        source=lambda wc: dataset_cfg(wc)["source"],
        holdout_fraction=lambda wc: dataset_cfg(wc)["holdout_fraction"],
        subset=lambda wc: dataset_cfg(wc)["subset"],
        data_dir=lambda wc: dataset_cfg(wc)["data_dir"],
        validation_fraction=lambda wc: dataset_cfg(wc)["validation_fraction"],
        download=lambda wc: "yes" if dataset_cfg(wc)["download"] else "no",
        pool=lambda wc: dataset_cfg(wc)["pool"],
        seed=config["seed"],
    log:
        "results/logs/prepare_data/{dataset}.log",
    shell:
        "python -m mia prepare-data --source {params.source} --holdout-fraction {params.holdout_fraction}"
        " --subset {params.subset} --data-dir {params.data_dir:q} --seed {params.seed}"
        " --validation-fraction {params.validation_fraction} --download {params.download}"
        " --pool {params.pool} --out {output} > {log} 2>&1"
