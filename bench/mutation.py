"""Mutation testing of the rule modules (`make mutation`; not part of CI: it takes a while).

    .venv/bin/python bench/mutation.py                          # every module in [tool.mutmut] only_mutate
    .venv/bin/python bench/mutation.py lms/checkins/sla.py      # one module
    MUTATION_TESTS=tests/ .venv/bin/python bench/mutation.py lms/bookings/slots.py   # against every test
    MUTATION_CHILDREN=2 ...                                     # two mutants at a time (idle machine only)

mutmut 3 (config in pyproject.toml, [tool.mutmut]) copies the project into mutants/, changes the code one
small edit at a time and runs the tests that exercise the changed function; a mutant no test notices
"survived". Each module runs on its own with one child process (the machine is shared). Prints, per
module, mutants / killed / survived / score and the survivors; `.venv/bin/mutmut show NAME` prints one's
diff.

Test selection, per module: a module `lms/<feature>/x.py` is scored against `tests/<feature>/` only, the
tests that state that feature's rules (the layout mirrors lms/). mutmut picks, per mutant, every selected
test that calls the mutated function; with the whole of `tests/` that includes the slow whole-app walks
(hostile input, the authorisation route walk, e2e, journeys), which reach the course grading functions
through every page and made one full run of the courses module take over an hour. A mutant those walks
would kill but `tests/<feature>/` does not is a rule nobody wrote down, so it should count as a survivor
anyway. `MUTATION_TESTS` (space-separated paths) overrides the selection for a run; a module without a
`tests/<feature>/` folder uses `pytest_add_cli_args_test_selection` from pyproject.toml. mutmut 3.8 reads
its config only from pyproject.toml, so this script starts mutmut in a small Python process that sets the
selection on mutmut's loaded config before calling its `run`.

Results are cached in mutants/: running the same module again only re-tests what changed. mutmut keys its
cache on the test selection, so running a module with a different selection (another feature's module)
re-tests everything; each module's figures are printed when its run ends.

To add a rule module, add its file to `only_mutate` in pyproject.toml. To score only some functions of a
module that also holds other code, name them in SCOPES below.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
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

# Modules scored against named test files rather than all of tests/<feature>/: their helpers (registrable
# domains, money formatting) run inside ~100 database tests of the feature, which would make a run take hours;
# the rules are stated in these files.
TESTS = {
    "lms/leads/identity.py": ["tests/leads/test_identity.py", "tests/leads/test_identity_rules.py"],
    "lms/leads/commission.py": ["tests/leads/test_service.py", "tests/leads/test_commission_rules.py"],
    "lms/leads/policy.py": ["tests/leads/test_service.py", "tests/leads/test_policy_rules.py"],
    "lms/surveys/scores.py": ["tests/surveys/test_scores.py", "tests/surveys/test_scores_rules.py"],
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


# Runs mutmut's `run` with the test selection (argv[1], JSON) set on its config: mutmut 3.8 has no option for it.
RUNNER = """
import json, sys
from mutmut.configuration import config
config().pytest_add_cli_args_test_selection = json.loads(sys.argv[1])
from mutmut.__main__ import _run
_run(sys.argv[3:], int(sys.argv[2]))
"""


def selection(path: str, config: dict) -> list[str]:
    """The tests a module is scored against: MUTATION_TESTS, else TESTS, else tests/<feature>/, else the pyproject
    default."""
    if os.environ.get("MUTATION_TESTS"):
        return os.environ["MUTATION_TESTS"].split()
    if path in TESTS:
        return TESTS[path]
    parts = Path(path).parts
    if len(parts) > 2 and (ROOT / "tests" / parts[1]).is_dir():
        return [f"tests/{parts[1]}/"]
    return list(config.get("pytest_add_cli_args_test_selection", ["tests/"]))


def main(argv: list[str]) -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    modules = argv or config["only_mutate"]
    children = os.environ.get("MUTATION_CHILDREN", "1")
    rows = []
    for path in modules:
        tests = selection(path, config)
        print(f"== mutmut: {path} against {' '.join(tests)}", flush=True)
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", RUNNER, json.dumps(tests), children, *patterns(path)], cwd=ROOT,
                       env={**os.environ, "PYTHONHASHSEED": "0"}, check=False)
        minutes = (time.monotonic() - started) / 60
        counts, survivors = summary(path)
        total = sum(counts.values())
        caught = counts.get("killed", 0) + counts.get("timeout", 0)
        score = 100 * caught // total if total else 0
        timeouts = f" ({counts['timeout']} by timeout)" if counts.get("timeout") else ""
        rows.append(f"| `{path}` | {total} | {caught}{timeouts} | {total - caught} | {score}% |")
        print("\n".join(survivors) or "no survivors", flush=True)
        print(f"{path}: {minutes:.0f} min", flush=True)
    print("\n| module | mutants | killed | survived | score |\n|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
