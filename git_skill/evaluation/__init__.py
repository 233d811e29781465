"""Did learned skills help? Benchmark run results per condition, paired statistics, held-out task splits.

`results` reads Terminal-Bench and Harbor results into trials; `tasks` selects tasks (folds,
task files) for `compare` and for held-out `learn`; `summary` turns conditions into per-condition
figures and paired comparisons (`statistics`); `render` and `plot` show them. Nothing here
imports the learning stack or a model library; matplotlib only for `--plot`.
"""
