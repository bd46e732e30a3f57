"""The mutation check: one deliberate one-line bug at a time, and the tests that claim the behaviour run against it.

Each mutation replaces one exact piece of one file (it must occur there once) in a COPY of the tree (cmathlab/,
tests/, pyproject.toml in a temporary folder; the checkout is never touched), runs only the tests listed for it,
and is `caught` when they fail, `survived` when they pass. Before any mutation the same tests run on the
unmutated copy and must pass, or nothing after means anything.

    python benchmarks/mutations.py                 # the working tree as it is
    python benchmarks/mutations.py --ref HEAD      # a commit (git archive), e.g. to see a before and after
    python benchmarks/mutations.py --only scaler-all-dialogues collapse-threshold-1.0
    python benchmarks/mutations.py --list

Prints a Markdown table; BENCHMARKS.md ("Mutation check") holds the one measured on our machines. A mutation
whose text is no longer in its file is `stale` (edit its entry here); a test named here that the tree lacks is
left out and counted in the table, so a suite from before a test existed can be checked too.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from cmathlab.errors import BadInput  # noqa: E402

COPIED = ("cmathlab", "tests", "pyproject.toml")


@dataclass(frozen=True)
class Mutation:
    name: str
    why: str  # the bug it stands for, in a few words
    path: str
    original: str  # exact text, once in the file
    replacement: str
    tests: tuple[str, ...]  # pytest node ids that must fail


H, R, T, TR, CK = (
    "tests/test_health.py::",
    "tests/test_readers.py::",
    "tests/test_report_tables.py::",
    "tests/test_train.py::",
    "tests/test_checkpoint.py::",
)
AWAY = "tests/test_store_away.py::"
ST = "tests/test_stats_trust.py::"
PICKLE_TESTS = (
    R + "test_malicious_pickle_never_executes",
    R + "test_a_pickle_through_any_dangerous_global_is_refused_and_runs_nothing",
    R + "test_the_unpickler_admits_exactly_containers_numpy_arrays_and_scalars",
)
SCALER_TESTS = (
    H + "test_fit_scales_every_split_with_the_training_dialogues_statistics_alone",
    H + "test_fit_records_its_recipe_and_standardizes_only_when_asked",
)
COLLAPSE_TESTS = (
    H + "test_a_run_predicting_one_class_is_flagged_collapsed",
    H + "test_a_run_at_96_percent_one_class_is_flagged_collapsed",
    H + "test_a_corpus_whose_labels_are_95_percent_one_class_predicted_as_that_class_is_not_collapsed",
)
DAGGER_TESTS = (
    T + "test_dagger_marks_rows_that_differ_significantly_from_the_reference",
    T + "test_a_dagger_is_the_paired_t_test_on_the_raw_numbers_not_welchs",
    T + "test_holm_and_alpha_change_which_rows_get_a_dagger",
    T + "test_the_rule_under_the_table_names_test_alpha_and_sidedness",
)
SCALERS_CALL = 'feature_scalers(corpus, split["train"], first.modalities)'
BUILTINS = '"builtins": frozenset({"set",'


def allow(extra: str) -> str:
    return '"builtins": frozenset({' + extra + ' "set",'


MUTATIONS = [
    # ---- leakage: statistics or selection that see held-out dialogues
    Mutation(
        "scaler-all-dialogues",
        "fit's scalers fitted on every dialogue",
        "cmathlab/train.py",
        SCALERS_CALL,
        "feature_scalers(corpus, range(len(corpus.dialogues)), first.modalities)",
        SCALER_TESTS,
    ),
    Mutation(
        "scaler-train-and-valid",
        "fit's scalers fitted on training + validation",
        "cmathlab/train.py",
        SCALERS_CALL,
        'feature_scalers(corpus, split["train"] + split["valid"], first.modalities)',
        SCALER_TESTS,
    ),
    Mutation(
        "scaler-function-all",
        "feature_scalers ignores the dialogues it is given",
        "cmathlab/data/tensors.py",
        "for i in indices]))",
        "for i in range(len(corpus.dialogues))]))",
        (H + "test_standardization_statistics_come_from_the_training_dialogues_only",),
    ),
    Mutation(
        "valid-inside-train",
        "validation dialogues also trained on",
        "cmathlab/data/corpus.py",
        '{"train": [i for i in train if i not in in_valid],',
        '{"train": train,',
        (R + "test_validation_split_is_a_seeded_fifth_of_training",),
    ),
    Mutation(
        "select-on-test",
        "the epoch selected on test W-F1",
        "cmathlab/train.py",
        "if valid.wf1 > self.best_wf1:",
        "if test.wf1 > self.best_wf1:",
        (TR + "test_test_numbers_come_from_the_best_validation_epoch_never_the_best_test_epoch",),
    ),
    # ---- the unpickler: one more global admitted, or none refused
    Mutation(
        "unpickler-eval",
        "builtins.eval admitted",
        "cmathlab/data/safe_pickle.py",
        BUILTINS,
        allow('"eval",'),
        PICKLE_TESTS,
    ),
    Mutation(
        "unpickler-getattr",
        "builtins.getattr admitted",
        "cmathlab/data/safe_pickle.py",
        BUILTINS,
        allow('"getattr",'),
        PICKLE_TESTS,
    ),
    Mutation(
        "unpickler-exec",
        "builtins.exec admitted",
        "cmathlab/data/safe_pickle.py",
        BUILTINS,
        allow('"exec",'),
        PICKLE_TESTS,
    ),
    Mutation(
        "unpickler-import",
        "builtins.__import__ admitted",
        "cmathlab/data/safe_pickle.py",
        BUILTINS,
        allow('"__import__",'),
        PICKLE_TESTS,
    ),
    Mutation(
        "unpickler-os-system",
        "os.system and posix.system admitted",
        "cmathlab/data/safe_pickle.py",
        '"numpy": frozenset({"ndarray", "dtype"}),',
        '"numpy": frozenset({"ndarray", "dtype"}), "os": frozenset({"system"}), "posix": frozenset({"system"}),',
        PICKLE_TESTS,
    ),
    Mutation(
        "unpickler-popen",
        "subprocess.Popen admitted",
        "cmathlab/data/safe_pickle.py",
        '"numpy": frozenset({"ndarray", "dtype"}),',
        '"numpy": frozenset({"ndarray", "dtype"}), "subprocess": frozenset({"Popen"}),',
        PICKLE_TESTS,
    ),
    Mutation(
        "unpickler-partial",
        "functools.partial admitted",
        "cmathlab/data/safe_pickle.py",
        '"numpy": frozenset({"ndarray", "dtype"}),',
        '"numpy": frozenset({"ndarray", "dtype"}), "functools": frozenset({"partial"}),',
        PICKLE_TESTS,
    ),
    Mutation(
        "unpickler-open",
        "every global admitted",
        "cmathlab/data/safe_pickle.py",
        "if name in ALLOWED.get(module, ()):",
        "if True:",
        PICKLE_TESTS,
    ),
    # ---- run health
    Mutation(
        "collapse-threshold-1.0",
        "collapse only at 100 % one class",
        "cmathlab/train.py",
        "COLLAPSE_SHARE = 0.95",
        "COLLAPSE_SHARE = 1.0",
        COLLAPSE_TESTS,
    ),
    Mutation(
        "collapse-no-exemption",
        "concentrated labels no longer exempt",
        "cmathlab/train.py",
        "if share >= COLLAPSE_SHARE and true_share < COLLAPSE_SHARE:",
        "if share >= COLLAPSE_SHARE:",
        COLLAPSE_TESTS,
    ),
    # ---- statistics through the tables
    Mutation(
        "paired-to-welch",
        "the paired t-test computed as Welch's",
        "cmathlab/stats.py",
        "result = stats.ttest_rel(x, y, alternative=alternative)",
        "result = stats.ttest_ind(x, y, equal_var=False, alternative=alternative)",
        DAGGER_TESTS,
    ),
    Mutation(
        "never-paired",
        "rows sharing their seeds not paired",
        "cmathlab/stats.py",
        "if len(shared) >= 2:",
        "if False:",
        DAGGER_TESTS,
    ),
    Mutation(
        "holm-ignored",
        "Holm's correction asked for, not applied",
        "cmathlab/report/tables.py",
        "for o, p in zip(outcomes, holm(pvalues) if options.holm and len(others) > 1 else pvalues):",
        "for o, p in zip(outcomes, pvalues):",
        DAGGER_TESTS,
    ),
    Mutation(
        "alpha-ignored",
        "the dagger at 0.05 whatever alpha is asked",
        "cmathlab/report/significance.py",
        "return not math.isnan(outcome.p_adjusted) and outcome.p_adjusted < settings.alpha",
        "return not math.isnan(outcome.p_adjusted) and outcome.p_adjusted < 0.05",
        DAGGER_TESTS,
    ),
    Mutation(
        "seeds-for-nan-power",
        "a NaN power from statsmodels read as not shown",
        "cmathlab/stats.py",
        "if _power(solver, effect, n, alpha) >= power:",
        "if solver.power(effect, n, alpha) >= power:",
        ("tests/test_stats_trust.py::test_seeds_for_never_grows_as_the_effect_grows",),
    ),
    Mutation(
        "bootstrap-double-counts",
        "the bootstrap's test-set part not net of each run's own misses",
        "cmathlab/stats.py",
        "v_test = max(0.0, (k * v_mean - v_run) / (k - 1))",
        "v_test = v_mean",
        (
            ST + "test_the_seed_dialogue_bootstrap_matches_a_plain_loop_over_the_same_draws",
            ST + "test_the_t_test_and_the_bootstrap_hold_alpha_in_every_null_cell",
        ),
    ),
    Mutation(
        "bootstrap-without-test-set",
        "the bootstrap's variance of the seeds alone",
        "cmathlab/stats.py",
        "    v = v_seeds + v_test\n",
        "    v = v_seeds\n",
        (ST + "test_the_bootstrap_holds_alpha_where_the_test_set_favours_a_row_and_the_t_test_does_not",),
    ),
    Mutation(
        "aso-one-side-of-alpha",
        "two-sided ASO with each direction at 1 - α (twice the stated rate)",
        "cmathlab/report/significance.py",
        'sides = 2 if settings.alternative == "two-sided" else 1',
        "sides = 1",
        (ST + "test_aso_is_two_sided_at_alpha_over_both_directions_and_honours_holm_alpha_and_iterations",),
    ),
    Mutation(
        "welch-on-a-missing-seed",
        "one missing seed switches the row to Welch's test",
        "cmathlab/stats.py",
        "if len(shared) >= 2:",
        "if len(shared) >= 2 and sorted(row) == sorted(ref):",
        (
            ST + "test_a_missing_seed_drops_that_seed_from_the_pairing_instead_of_switching_to_welch",
            ST + "test_the_t_test_and_the_bootstrap_hold_alpha_in_every_null_cell",
        ),
    ),
    Mutation(
        "tost-always-equivalent",
        "a row without † called equivalent whatever TOST says",
        "cmathlab/stats.py",
        'return "equivalent" if equivalent else "inconclusive"',
        'return "equivalent"',
        (
            ST + "test_every_row_gets_a_verdict_shown_beside_its_cells",
            ST + "test_tost_says_equivalent_for_rows_that_agree_and_not_for_a_shift_of_twice_the_sesoi",
        ),
    ),
    Mutation(
        "cd-blocks-on-seeds",
        "the CD diagram draws bars where Friedman does not reject",
        "cmathlab/report/figures.py",
        "            if result.pvalue >= alpha:",
        "            if False:",
        (ST + "test_a_critical_difference_diagram_blocks_on_data_sets_and_ignores_how_seeds_are_numbered",),
    ),
    # ---- nothing lost: a resumed run
    Mutation(
        "resume-loses-order-rng",
        "a resumed run redraws its data order",
        "cmathlab/train.py",
        'm.order_rng.bit_generator.state = saved["order_rng"]',
        "pass",
        (CK + "test_a_run_killed_after_a_checkpoint_ends_as_one_never_stopped",),
    ),
    # ---- nothing lost: a tracking server that goes away
    Mutation(
        "store-not-waited-for",
        "a silent tracking server fails the study at once",
        "cmathlab/study/store.py",
        "if not unavailable(err):",
        "if True:",
        (AWAY + "test_a_call_waits_for_a_store_that_went_away_says_so_and_gives_up_past_its_limit",),
    ),
    Mutation(
        "store-away-drops-records",
        "a finished trial's records dropped when the store stays away",
        "cmathlab/study/tracking.py",
        "            keep_pending(self.pending, record)",
        "            pass",
        (AWAY + "test_what_a_store_gone_too_long_could_not_take_is_kept_and_written_once_on_resume",),
    ),
    Mutation(
        "records-stamped-when-written",
        "a record written twice is two records (stamped at writing)",
        "cmathlab/study/tracking.py",
        'Metric(k, float(r[k]), r.get("ms", now), int(r["epoch"]))',
        'Metric(k, float(r[k]), int(time.time() * 1000), int(r["epoch"]))',
        (AWAY + "test_what_a_store_gone_too_long_could_not_take_is_kept_and_written_once_on_resume",),
    ),
]


def copy_tree(ref: str | None, into: str) -> None:
    """cmathlab/, tests/ and pyproject.toml of the working tree, or of commit `ref`, into `into`."""
    if ref is None:
        for name in COPIED:
            source = os.path.join(ROOT, name)
            if os.path.isdir(source):
                shutil.copytree(
                    source, os.path.join(into, name), ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache")
                )
            else:
                shutil.copy2(source, into)
        return
    archive = subprocess.run(["git", "-C", ROOT, "archive", ref, *COPIED], capture_output=True)
    if archive.returncode != 0:
        raise BadInput(
            f"git archive cannot read {ref!r}: {archive.stderr.decode().strip().splitlines()[-1]}", field="--ref"
        )
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)


def present(tree: str, tests: tuple[str, ...]) -> tuple[str, ...]:
    """The node ids whose test function the copy has (a suite from before a test was written lacks it)."""
    out = []
    for node in tests:
        path, name = node.split("::")
        with open(os.path.join(tree, path)) as handle:
            if re.search(rf"^def {re.escape(name)}\(", handle.read(), re.M):
                out.append(node)
    return tuple(out)


def pytest(tree: str, tests: tuple[str, ...], timeout: float) -> tuple[int, float, str]:
    """Run `tests` in the copy, importing its cmathlab; (exit status, seconds, the summary line)."""
    env = {
        **os.environ,
        "PYTHONPATH": tree,
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return -1, time.perf_counter() - started, f"timed out after {timeout:.0f} s"
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    failed = next((line.split()[1].split("::")[-1] for line in lines if line.startswith("FAILED ")), "")
    summary = lines[-1] if lines else done.stderr.strip()[-200:]
    return done.returncode, time.perf_counter() - started, f"{summary}; first failed: {failed}" if failed else summary


def check(mutations: list[Mutation], ref: str | None, timeout: float) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="cmathlab-mutations-") as tree:
        copy_tree(ref, tree)
        where = subprocess.run(
            [sys.executable, "-c", "import cmathlab; print(cmathlab.__file__)"],
            cwd=tree,
            env={**os.environ, "PYTHONPATH": tree},
            capture_output=True,
            text=True,
        ).stdout
        if not where.startswith(tree):  # an installed cmathlab would make every mutation `survived`
            raise SystemExit(f"the copy imports cmathlab from {where.strip()}, not from {tree}")
        every = tuple(dict.fromkeys(t for m in mutations for t in present(tree, m.tests)))
        rc, seconds, summary = pytest(tree, every, timeout * 2)
        if rc != 0:
            raise SystemExit(f"the unmutated tests do not pass ({summary}); fix them before checking mutations")
        print(f"unmutated: {len(every)} tests pass ({seconds:.0f} s)", file=sys.stderr)
        rows = []
        for m in mutations:
            path = os.path.join(tree, m.path)
            with open(path) as handle:
                text = handle.read()
            tests = present(tree, m.tests)
            row = {"mutation": m, "tests": len(tests), "listed": len(m.tests), "seconds": 0.0, "summary": ""}
            if text.count(m.original) != 1:
                row["result"] = f"stale ({text.count(m.original)} matches)"
            elif not tests:
                row["result"] = "survived (no test)"
            else:
                with open(path, "w") as handle:
                    handle.write(text.replace(m.original, m.replacement))
                try:
                    rc, row["seconds"], row["summary"] = pytest(tree, tests, timeout)
                finally:
                    with open(path, "w") as handle:
                        handle.write(text)
                row["result"] = {0: "survived", 1: "caught"}.get(rc, f"error (pytest exit {rc})")
                row["by"] = row["summary"].partition("first failed: ")[2]
            print(f"{m.name}: {row['result']} {row['summary']}", file=sys.stderr)
            rows.append(row)
        return rows


def table(rows: list[dict]) -> str:
    lines = ["| mutation | the bug | file | tests run | result | first test to fail |", "|---|---|---|---|---|---|"]
    for row in rows:
        m = row["mutation"]
        run = f"{row['tests']}" + (f" of {row['listed']}" if row["tests"] != row["listed"] else "")
        lines.append(
            f"| `{m.name}` | {m.why} | `{m.path.removeprefix('cmathlab/')}` | {run} | {row['result']} | {row.get('by', '')} |"
        )
    caught = sum(r["result"] == "caught" for r in rows)
    lines.append(f"\n{caught} of {len(rows)} caught.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="a commit to check instead of the working tree")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these mutations only")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per mutation's tests (default 600)")
    parser.add_argument("--list", action="store_true", help="list the mutations and their tests, run nothing")
    args = parser.parse_args(argv)
    try:
        names = {m.name for m in MUTATIONS}
        unknown = sorted(set(args.only or ()) - names)
        if unknown:
            raise BadInput(f"no mutation named {', '.join(unknown)}; --list shows them", field="--only")
        chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]
        if args.list:
            for m in chosen:
                print(f"{m.name}  {m.path}: {m.original!r} -> {m.replacement!r}\n    " + "\n    ".join(m.tests))
            return 0
        print(table(check(chosen, args.ref, args.timeout)))
    except BadInput as err:
        print(f"mutations.py: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
