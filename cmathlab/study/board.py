"""Live progress of a study with rich, in place of Ray's console tables.

On a terminal: one bar over all trials (done / running / failed / left, elapsed, ETA, best so far
per dataset, and this node's GPU memory and utilisation when it has GPUs). In a log: one line per trial that ends
in a study of at most 100 trials, else one line of counts each hundredth of the trials; either way a failed or
flagged trial is named, the first 20 of each (`study status` lists them all).
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from cmathlab.study.gpus import gpu_line
from cmathlab.study.spec import Spec
from cmathlab.study.tracking import Known

_ENDED = ("done", "stopped", "failed")
_NAMED = 20  # failed, retried or flagged trials named one by one in a log, of each kind


class Board:
    def __init__(self, console: Console, spec: Spec, known: dict[str, Known]):
        self.console, self.total = console, spec.n_trials()
        self.state: dict[str, str] = {}  # trial key -> running | done | stopped | failed
        self.flagged: set[str] = {
            key for key, k in known.items() if k.status == "FINISHED" and k.health not in ("", "ok")
        }
        self.best: dict[str, tuple[float, str]] = {}  # dataset -> (valid metric, trial key)
        for key, k in known.items():
            if k.status == "FINISHED":
                self.state[key] = "done"
                self._better(k.dataset, k.value, key)
            elif k.stopped:
                self.state[key] = "stopped"
            elif k.status == "FAILED":
                self.state[key] = "failed"
        self.progress = None
        self.task = None
        self.every = 1 if self.total <= 100 else self.total // 100  # a log's line per trial, or per hundredth
        self.named: Counter = Counter()

    def __enter__(self):
        if self.console.is_terminal:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[status]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[best]}"),
                TextColumn("{task.fields[gpu]}"),
                console=self.console,
            )
            self.progress.__enter__()
            self.task = self.progress.add_task(
                "study", total=self.total, completed=self._ended(), status="", best="", gpu=""
            )
            self._refresh()
        return self

    def __exit__(self, *exc):
        if self.progress is not None:
            self.progress.__exit__(*exc)
            self.progress = None

    def counts(self) -> Counter:
        c = Counter(self.state.values())
        return Counter({k: c[k] for k in ("running", *_ENDED)})

    def _ended(self) -> int:
        c = self.counts()
        return sum(c[k] for k in _ENDED)

    def _better(self, dataset: str, value: float | None, key: str) -> None:
        if value is not None and (dataset not in self.best or value > self.best[dataset][0]):
            self.best[dataset] = (value, key)

    def unit(self, unit) -> None:
        if self.progress is not None:
            self.progress.update(self.task, description=unit.name)
        else:
            self.console.print(f"part {unit.name}: {unit.n_trials} trials")

    def event(self, kind: str, key: str, detail=None) -> None:
        """Called by the Tracker as trials start, end, fail or are retried."""
        if kind in ("start",):
            self.state[key] = "running"
        elif kind == "retry":
            self.state[key] = "retrying"
            self._name("retry", f"[yellow]retrying[/] {key}: {detail}")
        elif kind in _ENDED:
            self.state[key] = kind
            if kind == "done":
                self._better(detail["dataset"], detail["value"], key)
                if detail.get("health", "ok") != "ok":
                    self.flagged.add(key)
                    self._name("flagged", f"[yellow]{detail['health']}[/] {key}: {detail['health_note']}")
            if kind == "failed":
                self._name("failed", f"[red]failed[/] {key}: {detail}")
            elif self.progress is None and self.every == 1:
                extra = (
                    f" valid {100 * detail['value']:.2f} test W-F1 {100 * detail['test_wf1']:.2f}"
                    if kind == "done"
                    else " (stopped early by the scheduler)"
                )
                self.console.print(f"[{self._ended()}/{self.total}] {key}{extra}")
            if self.progress is None and self.every > 1 and self._ended() % self.every == 0:
                self.console.print(f"[{self._ended()}/{self.total}] {self._status()}")
        self._refresh()

    def _name(self, kind: str, line: str) -> None:
        """One trial's failure, retry or flag, up to _NAMED of each kind; then where to find the rest."""
        self.named[kind] += 1
        if self.named[kind] <= _NAMED:
            self.console.print(line)
        elif self.named[kind] == _NAMED + 1:
            self.console.print(f"more trials {kind} than the first {_NAMED}: `cmathlab study status` lists them")

    def _status(self) -> str:
        c = self.counts()
        left = self.total - self._ended() - c["running"]
        best = " ".join(f"{d} {100 * v:.2f}" for d, (v, _) in sorted(self.best.items()))
        return (
            f"running {c['running']} · done {c['done']} · failed {c['failed']} · flagged {len(self.flagged)} · "
            f"left {left}" + (f" · best valid {best}" if best else "")
        )

    def _refresh(self) -> None:
        if self.progress is None:
            return
        c = self.counts()
        left = self.total - self._ended() - c["running"]
        status = f"running {c['running']} · failed {c['failed']} · flagged {len(self.flagged)} · left {left}"
        best = " ".join(f"{d} {100 * v:.2f}" for d, (v, _) in sorted(self.best.items()))
        self.progress.update(
            self.task, completed=self._ended(), status=status, best=f"best valid {best}" if best else "", gpu=gpu_line()
        )
