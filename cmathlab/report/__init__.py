"""`cmathlab report`: the paper's tables and figures from tracked runs; it never trains.

Runs come from MLflow (`runs.py`), tables are marked once (`tables.py`, `stats.py`), figures are
drawn (`figures.py`), and every format is written from the same marked tables (`render.py`).
The report is built in a fresh folder and moved into place whole: never a half-written report.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from cmathlab.errors import BadInput

if TYPE_CHECKING:  # the tables, the runs and their libraries load when a report is built, not when the CLI starts
    from cmathlab.report.tables import Options

FORMATS = ("md", "tex", "csv", "html")
MARKER = ".cmathlab-report"  # marks a folder this command wrote, and so may replace
ACROSS = "Across data sets"  # the section of the rank diagrams


def parse_formats(text: str) -> tuple[str, ...]:
    chosen = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise BadInput(
            f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}", field="--format"
        )
    return chosen


def build_report(
    directories: list[str],
    out: str,
    formats: tuple[str, ...] = FORMATS,
    options: Options | None = None,
    step: Callable[[str], None] | None = None,
) -> dict[str, str]:
    """Write the report of the studies in `directories` to `out`; returns format -> main file."""
    from cmathlab.report import figures as fig
    from cmathlab.report.paper import CONDITION, DATASET_NAMES, MODEL_NAMES
    from cmathlab.report.runs import load_runs
    from cmathlab.report.tables import Options, build_tables

    options = options or Options()

    step = step or (lambda _: None)
    check_report_out(out)  # before any work: a wrong --out costs nothing
    step("reading runs")
    runs = load_runs(directories, include_flagged=options.include_flagged)
    step("tables and tests")
    tables = build_tables(runs, options)
    if not tables:
        left_out = sum(note.startswith("left out: ") for note in runs.notes)
        raise BadInput(
            "the runs fill no table"
            + (
                f" ({left_out} collapsed or diverged run(s) left out; --include-flagged averages them in)"
                if left_out
                else ""
            ),
            source=", ".join(directories),
        )
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".report-", dir=parent)
    os.chmod(work, 0o755)  # mkdtemp's 0700 would hide the report from the rest of a shared machine
    try:
        figures_dir = os.path.join(work, "figures")
        os.makedirs(figures_dir)
        figures: dict[str, list] = {d: [] for d in runs.datasets()}
        drawers = {"dims": fig.dims_figure, "gammas": fig.gamma_figure, "lengths": fig.length_figure}
        for table in tables:
            kind = table.key.rsplit("-", 1)[0]
            if kind in drawers:
                step(f"figure {table.key}")
                figures[table.dataset].append(drawers[kind](table, figures_dir))
        for dataset in runs.datasets():
            if runs.reference(dataset) is None:
                continue
            step(f"confusion matrix {dataset}")
            figures[dataset].append(fig.confusion_figure(runs, dataset, figures_dir))
            step(f"t-SNE {dataset}")
            tsne = fig.tsne_figure(runs, dataset, figures_dir)
            if tsne is None:
                model = MODEL_NAMES[runs.reference(dataset)[CONDITION.index("model")]].split(" (")[0]
                runs.notes.append(
                    f"{DATASET_NAMES[dataset]}: no t-SNE; no run of the reference ({model}) kept its "
                    "embeddings (set keep_embeddings = true in the spec's [fixed])"
                )
            figures[dataset].append(tsne)
        figures = {d: [f for f in fs if f is not None] for d, fs in figures.items()}
        step("rank diagrams")
        across = fig.rank_figures(
            tables, figures_dir, options.alpha, runs.notes
        )  # over data sets: a section of their own
        step("writing")
        written = _write(work, directories, runs, tables, figures, formats, across, tables[0].options)
        kept = _swap(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    paths = {k: os.path.join(out, os.path.relpath(v, work)) for k, v in written.items()}
    return {**paths, "kept": ", ".join(kept)} if kept else paths


def _statistics(options: Options) -> str:
    """The report's statistical choices, once at the top (each table's rule repeats what applied to it)."""
    from cmathlab.report.significance import TESTS

    chosen = TESTS[options.test]
    how = "paired on the seeds both rows ran" if chosen.pairs else "the two rows' seeds as two samples"
    return (
        f"Statistics: † by {chosen.title} ({how}) at α = {options.alpha:g} ({options.alternative}"
        f"{', Holm across each column' if options.holm else ', no Holm correction'}); primary metric "
        f"{ {'wf1': 'W-F1', 'acc': 'ACC'}.get(options.primary, options.primary) }; smallest effect of interest "
        f"(SESOI) {options.settings.sesoi:g} point(s): a row "
        "without † is 'equivalent' only where TOST shows its difference within it, else 'inconclusive'."
    )


def _header(directories: list[str], runs, options: Options | None = None) -> list[str]:
    from cmathlab.config import Config
    from cmathlab.report.paper import DATASET_NAMES, MODEL_NAMES, NOT_CONDITION, flat

    sources = ", ".join(f"{DATASET_NAMES[d]}: {s}" for d, s in runs.sources.items())

    def defaults(dataset: str, ref: tuple, recipe: str | None = None) -> dict | None:  # as recorded (text)
        try:
            values = Config.for_dataset(dataset, model=_value(ref, "model"), recipe=recipe).to_dict()
        except BadInput:  # a model this installation cannot import
            return None
        return {k: v if k.partition(".")[1] == "" else str(v) for k, v in values.items()}

    def named(
        dataset: str, ref: tuple
    ) -> str:  # the reference by its model, variant, modalities and what is not default
        at = defaults(dataset, ref) or {}
        return ", ".join(
            f"{k} = {v}"
            for k, v in flat(ref).items()
            if k in ("model", "variant", "modalities") or (k != "dataset" and k in at and v != at[k])
        )

    def departures(dataset: str, ref: tuple) -> str | None:  # the reference against its model's paper as written
        paper, name = defaults(dataset, ref, "paper"), MODEL_NAMES[_value(ref, "model")]
        if paper is None:
            return None
        differ = [
            f"{k} {_word(paper[k])} → {_word(v)}"
            for k, v in flat(ref).items()
            if k in paper
            and k not in ("dataset", "recipe", "epochs", "patience", "features")
            and str(v) != str(paper[k])
            and k not in NOT_CONDITION
        ]
        if not differ:
            return f"{DATASET_NAMES[dataset]}: {name} is its paper's model as written (`--recipe paper`)"
        return (
            f"{DATASET_NAMES[dataset]}: {name} departs from its paper's model as written (`--recipe paper`) in "
            f"{len(differ)} fields, paper → here: {', '.join(differ)}"
        )

    refs = "; ".join(f"{DATASET_NAMES[d]}: {named(d, ref)}" for d, ref in runs.references.items() if ref is not None)
    protocol = {
        "fixed": "fixed across seeds (split_seed): every seed validates on the same dialogues, so a row's "
        "spread leaves out the split's luck",
        "seed": "drawn by each run's seed: a row's spread includes the split's",
    }
    splits = "; ".join(
        f"{DATASET_NAMES[d]}: "
        + ("the file's official ids" if _value(ref, "official_valid") else protocol[_value(ref, "split")])
        for d, ref in runs.references.items()
        if ref is not None
    )
    model = [x for d, ref in runs.references.items() if ref is not None and (x := departures(d, ref))]
    return [
        f"Studies: {', '.join(directories)}. {len(runs.frame)} finished runs. Data: {sources}.",
        f"Reference condition (every † is a test against it): {refs}.",
        f"Validation split of the reference (`split`): {splits}.",
        *(
            [f"The reference's model: {'; '.join(model)} (`cmathlab config --diff paper` says why each)."]
            if model
            else []
        ),
        *([_statistics(options)] if options is not None else []),
        f"Written {time.strftime('%Y-%m-%d %H:%M')} by cmathlab report from the tracked runs; "
        "test numbers are those of each run's best validation epoch.",
    ]


def _value(condition: tuple, name: str):
    from cmathlab.report.paper import CONDITION

    return condition[CONDITION.index(name)]


def _word(value) -> str:  # a bool as TOML writes it, also a model field's as MLflow recorded it ("True")
    return str(value).lower() if isinstance(value, bool) or value in ("True", "False") else str(value)


def _write(work, directories, runs, tables, figures, formats, across=(), options=None) -> dict[str, str]:
    from cmathlab.report import render
    from cmathlab.report.paper import DATASET_NAMES

    written = {}
    _text(work, MARKER, "written by cmathlab report; a rebuild replaces the formats it writes and keeps the others\n")
    by_dataset = [(d, [t for t in tables if t.dataset == d]) for d in runs.datasets()]
    if "csv" in formats:
        os.makedirs(os.path.join(work, "tables"))
        for table in tables:
            table.frame().to_csv(os.path.join(work, "tables", f"{table.key}.csv"), index=False)
        written["csv"] = os.path.join(work, "tables")
    if "md" in formats:
        lines = ["# cmathlab report", "", *_header(directories, runs, options), ""]
        lines += [f"- {n}" for n in runs.notes] + [""]
        for dataset, group in by_dataset:
            lines += [f"## {DATASET_NAMES[dataset]}", ""]
            lines += [render.markdown(t) for t in group]
            lines += [f"![{f.title}](figures/{f.key}.png)\n\n_{f.title}. {f.caption}_\n" for f in figures[dataset]]
        if across:
            lines += [f"## {ACROSS}", ""]
            lines += [f"![{f.title}](figures/{f.key}.png)\n\n_{f.title}. {f.caption}_\n" for f in across]
        written["md"] = _text(work, "report.md", "\n".join(lines))
    if "tex" in formats:
        body = "\n".join(render.latex(t) for t in tables)
        preamble = "% \\usepackage{booktabs} in the preamble; one table environment per table\n"
        written["tex"] = _text(work, "tables.tex", preamble + body)
    if "html" in formats:
        sections = [
            (DATASET_NAMES[d], [render.html_table(t) for t in group] + [render.html_figure(f) for f in figures[d]])
            for d, group in by_dataset
        ]
        sections += [(ACROSS, [render.html_figure(f) for f in across])] if across else []
        written["html"] = _text(
            work,
            "index.html",
            render.page("cmathlab report", _header(directories, runs, options), runs.notes, sections),
        )
    return written


def _text(work: str, name: str, text: str) -> str:
    path = os.path.join(work, name)
    with open(path, "w") as handle:
        handle.write(text)
    return path


def check_report_out(out: str) -> None:
    """A report goes to a new or empty folder, or over an earlier cmathlab report: never over other files."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise BadInput("exists and is not a directory", source=out)
    if os.path.isdir(out) and os.listdir(out) and not os.path.exists(os.path.join(out, MARKER)):
        raise BadInput(f"holds files that are not a cmathlab report (no {MARKER}); choose another --out", source=out)


def _swap(work: str, out: str) -> list[str]:
    """Put the finished report at `out`; an older report there is replaced only once this one is whole.
    Of the older report's folder, what this report writes is replaced; everything else is kept (returned): the
    files of formats not rebuilt, and whatever else lives there (notes, another report in a subfolder)."""
    check_report_out(out)
    old, kept = None, []
    if os.path.exists(out):
        kept = sorted(
            name for name in os.listdir(out) if name != MARKER and not os.path.exists(os.path.join(work, name))
        )
        for name in kept:
            os.replace(os.path.join(out, name), os.path.join(work, name))
        old = out.rstrip("/") + f".old-{os.getpid()}"
        os.replace(out, old)
    os.replace(work, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)
    return kept
