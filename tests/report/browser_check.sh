#!/usr/bin/env bash
# Trains a tiny sweep (and the c10 case, whose name is HTML), writes their
# report and checks it in headless Chromium. Usage: browser_check.sh GANSWEEP WORKDIR
set -euo pipefail
gansweep=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cd "$work"

cat > tiny.yaml <<'YAML'
name: tiny report
data: {kind: ring8}
model: {kind: mlp, hidden: 16, z_dim: 2}
train: {steps: 120, batch: 32}
log: {eval_every: 60, eval_samples: 200, sample_count: 64}
sweep:
  train.loss: [minimax, non_saturating]
  train.lr: [1e-3, 1e6]
  train.seed: [0, 1]
YAML
"$gansweep" run tiny.yaml --db tiny.db > /dev/null 2> run.log
"$gansweep" run "$here/../cases/c10-html-in-names.yaml" --db c10.db > /dev/null 2>> run.log
"$gansweep" report tiny.db c10.db -o report.html --title '<b>tiny</b> & c10'

# c10: the payload never appears raw in the page's bytes.
if grep -q -F '<img src=x onerror=alert(1)>' report.html || grep -q -F 'alert(2)</script>' report.html; then
  echo "browser_check: the c10 payload appears unescaped in report.html" >&2
  exit 1
fi
node "$here/check_report.mjs" report.html screenshot.png
