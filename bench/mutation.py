"""Mutation testing of the rule modules (`make mutation`; not part of CI: it takes a while).

    .venv/bin/python bench/mutation.py                          # every module in [tool.mutmut] only_mutate
    .venv/bin/python bench/mutation.py lms/checkins/sla.py      # one module

mutmut 3 (config in pyproject.toml, [tool.mutmut]) copies the project into mutants/, changes the code one
small edit at a time and runs the tests that exercise the changed function; a mutant no test notices
"survived". Each module runs on its own with one child process (the machine is shared). Prints, per
module, mutants / killed / survived / score and the survivors; `.venv/bin/mutmut show NAME` prints one's
diff. Results are cached in mutants/: a second run only re-tests what changed.

To add a rule module, add its file to `only_mutate` in pyproject.toml. To score only some functions of a
module that also holds other code, name them in SCOPES below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Modules where only the rule functions are mutated and scored (the rest is queries and page data).
SCOPES = {
    "lms/courses/service.py": [
        "grade", "_clean_response", "answers_for", "open_checks", "_save_answer", "submit_answers",
        "complete_lesson", "issue_certificate_if_complete",
    ],
    "lms/leads/policy.py": ["claim_prospect", "release_claim", "override_claim"],
}

KILLED = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout",
          24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"}


def patterns(path: str) -> list[str]:
    module = path.removesuffix(".py").replace("/", ".")
    if path in SCOPES:
        return [f"{module}.x_{name}__mutmut_*" for name in SCOPES[path]]
    return [f"{module}.*"]


def in_scope(path: str, key: str) -> bool:
    if path not in SCOPES:
        return True
    function = key.rsplit(".", 1)[-1].split("__mutmut_")[0]
    return function in {f"x_{name}" for name in SCOPES[path]}


def summary(path: str) -> tuple[dict[str, int], list[str]]:
    results = json.loads((ROOT / "mutants" / f"{path}.meta").read_text())["exit_code_by_key"]
    counts: dict[str, int] = {}
    survivors = []
    for key, code in sorted(results.items()):
        if not in_scope(path, key):
            continue
        status = KILLED.get(code, "suspicious")
        counts[status] = counts.get(status, 0) + 1
        if status != "killed" and status != "timeout":
            survivors.append(f"{key}: {status}")
    return counts, survivors


def main(argv: list[str]) -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    modules = argv or config["only_mutate"]
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    rows = []
    for path in modules:
        print(f"== mutmut: {path}", flush=True)
        subprocess.run([mutmut, "run", "--max-children", "1", *patterns(path)], cwd=ROOT,
                       env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)
        counts, survivors = summary(path)
        total = sum(counts.values())
        caught = counts.get("killed", 0) + counts.get("timeout", 0)
        score = 100 * caught // total if total else 0
        timeouts = f" ({counts['timeout']} by timeout)" if counts.get("timeout") else ""
        rows.append(f"| `{path}` | {total} | {caught}{timeouts} | {total - caught} | {score}% |")
        print("\n".join(survivors) or "no survivors", flush=True)
    print("\n| module | mutants | killed | survived | score |\n|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
