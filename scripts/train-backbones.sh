#!/usr/bin/env bash
# Train the large float backbones of the paper's setting (configs/mitbih-{aami,binary}-large.json)
# in priority order: AAMI-4 seed 0, binary seed 0, then seeds 1 and 2 of both. Each finished one is
# stored in results/backbones/<task>/seed<k>/ and its float-large line appended to the sweep's
# results.jsonl. Resumable: rerun the same command; a stored backbone is not retrained, a killed
# training continues from its last checkpoint in runs/sweep-mitbih-*-large/runs/.
# Usage (from the repository root): nohup nice -n -5 bash scripts/train-backbones.sh > runs/backbones.log 2>&1 &
set -u
cd "$(dirname "$0")/.."
for seed in ${SEEDS:-0 1 2}; do
  for task in aami binary; do
    echo "== $(date -u +%FT%TZ) mitbih-$task seed $seed"
    node bin/hypertinypw.mjs sweep "configs/mitbih-$task-large.json" --backbones-only --seeds "$seed" || echo "== FAILED mitbih-$task seed $seed"
  done
done
echo "== $(date -u +%FT%TZ) all backbones done"
