"""`cmathlab study run | resume`: a spec's trials on Ray Tune (units.py), tracked in MLflow (tracking.py).

A study directory holds `study.json` (the resolved spec, the tracking store and the parent run),
`mlflow.db` and `artifacts/` (the default store), `tune/` (Ray Tune's experiments, one per part,
which `resume` restores) and `ray.log`. Each part of a spec runs as one Tune experiment, in order.
A tracking server that stops answering is waited for (CMATHLAB_TRACKING_WAIT seconds, default 300); past that
the study stops, keeping in `pending/` what the store did not take, and `resume` writes it first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Console

from cmathlab.config import BEFORE, upgraded
from cmathlab.errors import BadInput
from cmathlab.study.spec import Spec, data_files, taken_defaults
from cmathlab.study.state import check_new_study, read_state, write_state
from cmathlab.study.store import Patient, StoreAway, probe, tracking_call, tracking_wait
from cmathlab.study.units import tune_config, units

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

# -- the study directory ------------------------------------------------------------------------


def check_data(spec: Spec) -> list[str]:
    """The datasets the spec uses; one it names no data for is refused, never given a synthetic stand-in."""
    names = sorted({d for p in spec.parts for d in p.datasets})
    missing = [name for name in names if name not in spec.data]
    if missing:
        name = missing[0]
        raise BadInput(
            f'no data for {", ".join(missing)}: give it under [data] ({name} = "PATH", or '
            f'"synthetic:{name}" for the synthetic corpus), or pass --data {name}=PATH, or --synthetic',
            source=spec.path,
            field="data",
        )
    return names


def load_corpora(spec: Spec, console: Console | None = None) -> dict:
    """Every dataset the spec uses, loaded and validated once by the driver; a dataset the spec names
    no data for is refused (never a silent synthetic stand-in), a split too small to mean much is said."""
    from cmathlab.data import load_corpus

    check_data(spec)
    corpora = {}
    for key, file in data_files(spec).items():
        name = key.split("/")[0]
        corpus = load_corpus(file, scale=spec.scale, seed=spec.data_seed)
        if corpus.dataset != name:
            raise BadInput(f"holds {corpus.dataset} data, the spec uses it as {name}", source=file)
        corpora[key] = corpus
        if console is not None:
            first = next(p for p in spec.parts if name in p.datasets)
            config = first.config(name, first.seeds[0], {k: v[0] for k, v in (first.grid or {}).items()})
            small = corpus.small_splits(config.val_fraction, config.split_seed, config.official_valid)
            encoders = ", ".join(f"{m} {e}" for m, e in corpus.encoders.items())
            console.print(
                f"data {key}: {corpus.source}"
                + (" (synthetic corpus)" if corpus.generator else "")
                + (f" ({encoders})" if encoders else "")
            )
            if small:
                console.print(f"[yellow]warning[/]: {key}: {small}")
    return corpora


# -- run and resume -----------------------------------------------------------------------------


def run_study(
    spec: Spec,
    directory: str,
    address: str | None = None,
    tracking_uri: str | None = None,
    console: Console | None = None,
) -> int:
    """Start a new study in `directory`; returns the exit status (1 when trials failed)."""
    from mlflow.tracking import MlflowClient

    from cmathlab.study.tracking import git_commit, open_experiment, sqlite_uri

    console = console or Console()
    check_new_study(directory)
    check_data(spec)
    tracking_wait()  # a bad CMATHLAB_TRACKING_WAIT is one line before anything starts
    if tracking_uri:
        probe(tracking_uri)
    corpora = load_corpora(spec, console)  # bad data fails here, before anything is written
    os.makedirs(directory, exist_ok=True)
    _logs_to(directory)
    uri = tracking_uri or sqlite_uri(directory)
    client = MlflowClient(uri)
    experiment_id = tracking_call(
        uri, lambda: open_experiment(client, spec.name, None if tracking_uri else os.path.join(directory, "artifacts"))
    )
    commit = git_commit()
    parent = client.create_run(
        experiment_id,
        run_name=f"study {spec.name}",
        tags={
            "cmathlab.kind": "study",
            "cmathlab.study": spec.name,
            "cmathlab.git_commit": commit,
            "cmathlab.directory": os.path.abspath(directory),
            "cmathlab.trials": str(spec.n_trials()),
        },
    )
    client.log_dict(parent.info.run_id, spec.to_dict(), "spec.json")
    with open(spec.path) as handle:
        client.log_text(parent.info.run_id, handle.read(), os.path.basename(spec.path))
    state = {
        "version": 1,
        "name": spec.name,
        "spec": spec.to_dict(),
        "tracking_uri": uri,
        "experiment_id": experiment_id,
        "parent_run_id": parent.info.run_id,
        "git_commit": commit,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "n_trials": spec.n_trials(),
        "data_sha256": {k: c.sha256 for k, c in corpora.items()},
        "defaults": taken_defaults(spec),
    }
    write_state(directory, state)
    return _execute(Launch(directory, state, spec, corpora, client, known={}, address=address), console)


def resume_study(
    directory: str, address: str | None = None, retry_failed: bool = False, console: Console | None = None
) -> int:
    """Continue a study whose driver stopped or died; finished trials are neither rerun nor relogged."""
    from mlflow.tracking import MlflowClient

    from cmathlab.study import tracking

    console = console or Console()
    tracking_wait()
    state = read_state(directory)
    spec = Spec.from_dict(state["spec"])
    change = defaults_change(state.get("defaults"), taken_defaults(spec))
    if change:
        raise BadInput(
            f"cmathlab's defaults changed since the study started ({change}): resuming would mix runs of "
            f"both in one table; finish it with commit {state['git_commit'][:12]} or start a new study",
            source=directory,
        )
    probe(state["tracking_uri"])
    client = MlflowClient(state["tracking_uri"])
    runs = tracking_call(
        state["tracking_uri"], lambda: tracking.child_runs(client, state["experiment_id"], state["parent_run_id"])
    )
    known = tracking.known_from(runs, spec.parts[0].metric)
    kept = tracking.pending_records(os.path.join(directory, "pending"))
    if kept:  # what the store did not take when it went away last time, written before anything runs
        tracker = tracking.Tracker(
            client,
            state["experiment_id"],
            state["parent_run_id"],
            spec.parts[0].metric,
            _study_tags(spec, state),
            known,
            pending=os.path.join(directory, "pending"),
        )
        tracking_call(state["tracking_uri"], lambda: tracker.replay(kept))
        console.print(f"wrote {len(kept)} trial record(s) kept while the tracking server was away")
        runs = None  # the store changed: status reads it again
    ended = sum(1 for k in known.values() if tracking.done(k) or (k.status == "FAILED" and not retry_failed))
    if ended >= spec.n_trials():  # every trial has ended in the store: nothing for Tune to run, no Ray to start
        failed = sum(1 for k in known.values() if k.status == "FAILED")
        client.set_tag(state["parent_run_id"], "cmathlab.trials_failed", str(failed))
        client.set_terminated(state["parent_run_id"], "FINISHED")
        console.print(f"every one of the {spec.n_trials()} trials has ended: nothing to run")
        from cmathlab.study.status import study_status

        study_status(directory, console, found=runs)
        return 1 if failed else 0
    corpora = load_corpora(spec)  # only for trials still to run: a finished study's data is not read again
    for name, corpus in corpora.items():
        if corpus.sha256 != state["data_sha256"][name]:
            raise BadInput(
                f"the {name} data changed since the study started (sha256 {corpus.sha256[:12]}, "
                f"was {state['data_sha256'][name][:12]}); start a new study",
                source=corpus.source,
            )
    _logs_to(directory)
    client.update_run(state["parent_run_id"], status="RUNNING")
    launch = Launch(directory, state, spec, corpora, client, known, address, restoring=True, retry_failed=retry_failed)
    return _execute(launch, console)


def defaults_change(recorded: dict | None, now: dict) -> str | None:
    """The first default a study's trials take that differs now from when it started, as
    "part/dataset: field old -> new"; None when none does (or the study predates the record)."""
    for where, configs in now.items():
        was = (recorded or {}).get(where)
        if was is None:
            continue
        if len(was) != len(configs):
            return f"{where}: {len(was)} distinct sets of defaults then, {len(configs)} now"
        for then, today in zip(was, configs):
            then = upgraded(then)  # CMATH's fields, flat in a study started before issue 44
            for name, value in today.items():
                old = then.get(name, BEFORE.get(name, value))  # a field newer than the study: what the old code did
                if old != value:
                    return f"{where}: {name} {old} -> {value}"
    return None


def _study_tags(spec: Spec, state: dict) -> dict:
    return {
        "cmathlab.study": spec.name,
        "cmathlab.study_run": state["parent_run_id"],
        "cmathlab.git_commit": state["git_commit"],
    }


@dataclass
class Launch:
    """What `run_study` and `resume_study` hand the loop that drives Tune over a study's units."""

    directory: str
    state: dict  # study.json, rewritten as the driver starts and ends
    spec: Spec
    corpora: dict  # data_key -> Corpus, shipped to every trial
    client: MlflowClient
    known: dict  # trial key -> tracking.Known: what the store already holds (empty for a new study)
    address: str | None  # a Ray cluster's, or None for a local Ray
    restoring: bool = False  # restore each unit's Tuner from its folder where it can
    retry_failed: bool = False  # `resume --retry-failed`: run failed trials again


def _execute(launch: Launch, console: Console) -> int:
    import ray
    from ray import tune

    from cmathlab.study import tracking
    from cmathlab.study.board import Board
    from cmathlab.study.trial import run_trial

    directory, state, spec, client, known = launch.directory, launch.state, launch.spec, launch.client, launch.known
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")  # MLflow is the record
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")  # with verbose=0: no tables of Ray's on the console
    started_ray = _start_ray(directory, launch.address)
    state["driver"] = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    write_state(directory, state)
    tags = _study_tags(spec, state)
    if state["tracking_uri"].startswith(("http://", "https://")):
        # the driver waits for a server that went away itself, saying so, not in MLflow's silent retries
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        client = Patient(
            client, state["tracking_uri"], tracking_wait(), say=lambda line: console.print(f"[yellow]{line}[/]")
        )
    pending = os.path.join(directory, "pending")
    trackers = []
    finished = {k: v.value for k, v in known.items() if tracking.done(v)}
    board = Board(console, spec, known)
    interrupted = False
    try:
        with board:
            for unit in units(spec):
                tracker = tracking.Tracker(
                    client,
                    state["experiment_id"],
                    state["parent_run_id"],
                    unit.part.metric,
                    tags,
                    known,
                    board.event,
                    pending,
                )
                trackers.append(tracker)
                tracking.ACTIVE = tracker  # a restored Tuner unpickles its callback as this one
                trainable = tune.with_resources(
                    tune.with_parameters(run_trial, corpora=launch.corpora, finished=finished),
                    {"cpu": unit.part.resources["cpu"], "gpu": unit.part.resources["gpu"]},
                )
                path = os.path.join(os.path.abspath(directory), "tune", unit.name)
                if launch.restoring and tune.Tuner.can_restore(path):
                    tuner = tune.Tuner.restore(
                        path,
                        trainable,
                        resume_unfinished=True,
                        resume_errored=False,
                        restart_errored=launch.retry_failed,
                    )
                else:
                    tuner = tune.Tuner(
                        trainable,
                        param_space=unit.param_space,
                        tune_config=tune_config(unit, spec),
                        run_config=tune.RunConfig(
                            name=unit.name,
                            storage_path=os.path.dirname(path),
                            failure_config=tune.FailureConfig(max_failures=unit.part.max_failures),
                            checkpoint_config=tune.CheckpointConfig(num_to_keep=1),
                            callbacks=[tracker],
                            verbose=0,
                        ),
                    )
                board.unit(unit)
                tuner.fit()
                # Tune ends fit() quietly on Ctrl-C; a unit is complete when every trial has ended in the store
                ended = sum(
                    1
                    for key, k in known.items()
                    if key.split("/")[0] == unit.name and (tracking.done(k) or k.status == "FAILED")
                )
                if ended < unit.n_trials:
                    interrupted = True
                    break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if started_ray:
            ray.shutdown()
    counts = board.counts()
    away = next((t.away for t in trackers if t.away), None)
    if away is None:
        try:
            client.set_tag(state["parent_run_id"], "cmathlab.trials_failed", str(counts["failed"]))
            client.set_terminated(state["parent_run_id"], "KILLED" if interrupted else "FINISHED")
        except StoreAway as err:  # every trial is written; only the study's own run waits for `resume`
            away, interrupted = str(err), True
    state["driver"] = None
    write_state(directory, state)
    if away is not None:  # nothing more to the store: it is not there
        kept = len(tracking.pending_records(pending))
        console.print(
            f"[red]stopped[/]: {away}. {kept} finished trial record(s) kept in {pending}; the running trials "
            f"are Tune's to resume. Once the server answers:"
        )
        console.print(f"  cmathlab study resume {directory}", soft_wrap=True)  # one line, to copy
        return 130
    from cmathlab.study.status import study_status

    study_status(directory, console)
    if state["tracking_uri"].startswith("sqlite:"):
        console.print(f"browse every run: mlflow ui --backend-store-uri {state['tracking_uri']}")
    if interrupted:
        console.print(f"[yellow]interrupted[/]: continue with `cmathlab study resume {directory}`", soft_wrap=True)
        return 130
    return 1 if counts["failed"] else 0


def _logs_to(directory: str) -> None:
    """Ray's and MLflow's log records go to the study directory; the console shows our progress."""
    import ray  # noqa: F401 - importing ray sets up its loggers; ours must come after, or it replaces them

    handler = logging.FileHandler(os.path.join(directory, "ray.log"))
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("ray", "ray.tune", "ray.train", "ray.data", "mlflow", "alembic", "optuna"):
        log = logging.getLogger(name)
        log.handlers[:] = [handler]
        log.propagate = False
    # fit()'s result grid reads each trial's result.json, which the disabled Tune loggers never write (MLflow keeps
    # the metrics): without this, every ray.log ends in a false alarm, a "Could not fetch metrics" line per trial
    logging.getLogger("ray.tune.analysis.experiment_analysis").setLevel(logging.ERROR)


def _start_ray(directory: str, address: str | None) -> bool:
    """Connect to `address` (or RAY_ADDRESS), else start a local Ray; its logs go to the study directory.

    Without either, a new local Ray ("local"), never ray.init()'s default of the machine's latest `ray start`
    cluster: a cluster that died uncleanly leaves its address in /tmp/ray, and ray.init() waits on it for ever."""
    import ray

    source = address or ("RAY_ADDRESS" if os.environ.get("RAY_ADDRESS") else "a new local Ray")
    address = address or os.environ.get("RAY_ADDRESS") or "local"

    if ray.is_initialized():  # a caller (a test, a notebook) already holds a Ray
        return False
    if address == "local":  # a local Ray's workers inherit this: a `--model package.module:Class` of the
        # directory the study was started in imports there too (Tune runs each trial in its own directory)
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), os.environ.get("PYTHONPATH")]))
    try:  # ray.init resets the loggers and prints banners (token authentication, ...): to ray.log with them
        with (
            open(os.path.join(directory, "ray.log"), "a") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    except ConnectionError as err:
        raise BadInput(f"cannot connect to Ray: {str(err).splitlines()[0]}", source=source) from None
    finally:
        _logs_to(directory)
    try:  # Ray's own session logs, beside the study
        session = ray._private.worker._global_node.get_session_dir_path()
        link = os.path.join(directory, "ray-session")
        if os.path.islink(link):
            os.remove(link)
        os.symlink(session, link)
    except (AttributeError, OSError):
        pass
    return True
