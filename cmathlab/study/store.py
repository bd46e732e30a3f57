"""The tracking store as every command meets it: is it there, a call to it whose failure is one line, and (for a
study's driver) calls that wait, bounded and saying so, for a server that went away.
Shared by the runner, status, list, export and rerun; imports no Ray."""

from __future__ import annotations

import math
import os
import time

from cmathlab.errors import BadInput


def probe(uri: str) -> None:
    """Fail in seconds, not after MLflow's minutes of retries, when no server answers."""
    import urllib.error
    import urllib.request

    if not uri.startswith(("http://", "https://")):
        if uri.startswith("sqlite:///"):
            return
        raise BadInput("is neither an http(s) MLflow server nor a sqlite:/// file", source=uri, field="--tracking-uri")
    try:
        urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=10).read()
    except (urllib.error.URLError, OSError) as err:
        raise BadInput(f"no MLflow server answers there ({getattr(err, 'reason', err)})", source=uri) from None


def tracking_call(uri: str, call):
    """`call()`, with a failing store's error as one line of bad input."""
    try:
        return call()
    except Exception as err:  # noqa: BLE001 - an unreachable store is bad input, not a traceback
        if err.__class__.__module__.startswith(("mlflow", "requests", "urllib3", "sqlalchemy")):
            raise BadInput(f"cannot use the tracking store: {str(err).splitlines()[0][:300]}", source=uri) from None
        raise


# -- a tracking server that goes away for a while ------------------------------------------------

WAIT_ENV = "CMATHLAB_TRACKING_WAIT"  # seconds a study waits for a tracking server that stopped answering
WAIT_DEFAULT = 300.0


class StoreAway(RuntimeError):
    """The tracking store did not answer for longer than the study waits."""


def tracking_wait() -> float:
    """How long a study waits for its tracking store (CMATHLAB_TRACKING_WAIT, default 300 s)."""
    raw = os.environ.get(WAIT_ENV, "")
    if not raw:
        return WAIT_DEFAULT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):
        raise BadInput(f"{raw!r} is not a positive number of seconds", field=WAIT_ENV)
    return value


def unavailable(err: BaseException) -> bool:
    """The store did not answer (refused, reset, timed out, 5xx), as opposed to refusing the request itself."""
    from mlflow.exceptions import MlflowException

    if not isinstance(err, MlflowException):
        return isinstance(err, (ConnectionError, TimeoutError)) or type(err).__module__.startswith(
            ("requests", "urllib3")
        )
    text = str(err)
    try:
        status = err.get_http_status_code()
    except Exception:  # noqa: BLE001 - an error code MLflow cannot map
        status = 500
    return text.startswith("API request to") and ("failed with" in text or status >= 500 or status == 429)


def _reason(err: BaseException) -> str:
    text = str(err).lower()
    for needle, reason in (
        ("refused", "connection refused"),
        ("timed out", "timed out"),
        ("timeout", "timed out"),
        ("reset", "connection reset"),
        ("name or service", "host not found"),
    ):
        if needle in text:
            return reason
    return str(err).splitlines()[0][:120] if str(err) else type(err).__name__


class Patient:
    """An MlflowClient whose every call, when the store does not answer, is retried with a growing pause and a
    line on `say` while it waits, for at most `wait` seconds of silence; then `StoreAway`."""

    def __init__(self, client, uri: str, wait: float, say=print, clock=time.monotonic, sleep=time.sleep):
        self.raw, self.uri, self.wait, self.say = client, uri, wait, say
        self.clock, self.sleep = clock, sleep
        self.away_since: float | None = None  # while the store is silent
        self.last_said = -math.inf
        self.waited = 0.0  # seconds spent waiting, over the whole study

    def __getattr__(self, name: str):
        method = getattr(self.raw, name)
        if not callable(method):
            return method
        return lambda *args, **kwargs: self.call(method, *args, **kwargs)

    def call(self, method, *args, recover=None, **kwargs):
        """`method(*args, **kwargs)`; after a failed attempt, `recover()` first, when given: the store may have done
        what the lost answer was to say (a run created), and its non-None value is returned instead."""
        pause, failed = 1.0, False
        while True:
            try:
                found = recover() if failed and recover is not None else None
                value = found if found is not None else method(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 - classified just below
                if not unavailable(err):
                    raise
                now = self.clock()
                if self.away_since is None:
                    self.away_since = now
                silent = now - self.away_since
                if silent >= self.wait:
                    raise StoreAway(
                        f"the tracking server at {self.uri} has not answered for {silent:.0f} s "
                        f"({_reason(err)}; {WAIT_ENV}={self.wait:g})"
                    ) from None
                if now - self.last_said >= 10:
                    self.say(
                        f"waiting for the tracking server at {self.uri}: no answer for {silent:.0f} s "
                        f"({_reason(err)}), retrying for up to {self.wait:g} s"
                    )
                    self.last_said = now
                step = min(pause, self.wait - silent)
                self.sleep(step)
                self.waited += step
                pause, failed = min(pause * 2, 5.0), True
                continue
            if self.away_since is not None:
                self.say(
                    f"the tracking server at {self.uri} answers again after {self.clock() - self.away_since:.0f} s"
                )
                self.away_since, self.last_said = None, -math.inf
            return value
