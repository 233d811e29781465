#!/usr/bin/env bash
# Record examples/sessions/fix-csv-report: a real shell session (util-linux `script`) in which a
# CSV report script is fixed, then a real pytest run as the verifier, laid out as a
# Terminal-Bench 1 trial folder (results.json, sessions/agent.log, sessions/tests.log).
# The attempt fixes the crash it meets but never tests blank amounts, so one check fails:
# a session with an error -> fix pair and verifier feedback to learn from.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/sessions/fix-csv-report"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/project/data" "$work/project/tests" "$out/sessions"
cd "$work/project"
cat > report.py <<'PY'
"""Print the total sales per region from a CSV file."""
import csv
import sys


def totals(path):
    result = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            result[row["region"]] = result.get(row["region"], 0) + int(row["amount"])
    return result


if __name__ == "__main__":
    for region, total in sorted(totals(sys.argv[1]).items()):
        print(f"{region}: {total}")
PY
printf 'region,amount\nnorth,"1,200"\nsouth,300\nnorth,50\neast,75\n' > data/sales.csv
cat > tests/test_report.py <<'PY'
from report import totals


def test_thousands_separators(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('region,amount\nnorth,"1,200"\nnorth,50\n')
    assert totals(path) == {"north": 1250}


def test_blank_amounts_count_as_zero(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("region,amount\nsouth,\nsouth,10\n")
    assert totals(path) == {"south": 10}
PY
agent_commands='ls
cat report.py
python3 report.py data/sales.csv
head -3 data/sales.csv
sed -i '"'"'s/int(row\["amount"\])/int(row["amount"].replace(",", ""))/'"'"' report.py
python3 report.py data/sales.csv
exit
'
export PS1='dev@laptop:~/project$ ' TERM=xterm
printf '%s' "$agent_commands" | script -q -c "bash --norc --noprofile -i" "$out/sessions/agent.log" >/dev/null
printf 'python3 -m pytest -q -rA tests/test_report.py\nexit\n' \
  | script -q -c "PYTHONPATH=. bash --norc --noprofile -i" "$out/sessions/tests.log" >/dev/null
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
log = open(f"{out}/sessions/tests.log", encoding="utf-8", errors="replace").read()
log = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", log).replace("\r", "")
results = {m.group(2): m.group(1).lower() for m in re.finditer(r"^(PASSED|FAILED) \S+::(\w+)", log, re.M)}
json.dump({
    "task_id": "fix-csv-report",
    "instruction": "report.py crashes on data/sales.csv. Fix it so `python3 report.py data/sales.csv` prints the total per region, and make sure it handles every row the CSV can contain.",
    "is_resolved": bool(results) and all(v == "passed" for v in results.values()),
    "failure_mode": "unset",
    "parser_results": results,
}, open(f"{out}/results.json", "w"), indent=2)
PY
echo "recorded $out"
