"""The tracking store as every command meets it: is it there, and a call to it whose failure is one line.
Shared by the runner, status, list, export and rerun; imports no Ray."""

from __future__ import annotations

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
