"""Thousands of trials: the live board in a log and `study status` stay a page, not a line per trial."""

import io
from types import SimpleNamespace

from rich.console import Console

from cmathlab.study.board import Board


def _log() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=200), out


def test_a_log_of_a_big_study_has_a_line_per_hundredth_and_names_the_first_failures():
    console, out = _log()
    board = Board(console, SimpleNamespace(n_trials=lambda: 3000), {})
    for i in range(3000):
        key = f"p/meld/seed={i}/dim=8"
        board.event("start", key)
        if i % 100 == 7:  # 30 failures
            board.event("failed", key, "RuntimeError: boom")
        else:
            board.event("done", key, {"dataset": "meld", "value": i / 3000, "test_wf1": 0.5, "health": "ok"})
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("[") for line in lines) == 100  # [30/3000] ... [3000/3000]
    assert lines[-1].startswith("[3000/3000] running 0 · done 2970 · failed 30 · flagged 0 · left 0")
    assert sum("failed p/meld" in line for line in lines) == 20 and sum("more trials failed" in x for x in lines) == 1
    assert len(lines) == 100 + 20 + 1


def test_a_log_of_a_small_study_has_a_line_per_trial():
    console, out = _log()
    board = Board(console, SimpleNamespace(n_trials=lambda: 6), {})
    for i in range(6):
        board.event("start", f"k{i}")
        board.event("done", f"k{i}", {"dataset": "meld", "value": 0.5, "test_wf1": 0.5, "health": "ok"})
    assert [line.split("]")[0] for line in out.getvalue().splitlines()] == [f"[{i}/6" for i in range(1, 7)]
