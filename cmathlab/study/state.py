"""A study directory as its readers see it: `study.json` (the resolved spec, the tracking store, the
parent run, the driver) read and written in one place, for the runner, `study status | list | export`
and the report alike."""

from __future__ import annotations

import json
import os
import socket

from cmathlab.errors import BadInput

STATE = "study.json"


def write_state(directory: str, state: dict) -> None:
    path = os.path.join(directory, STATE)
    with open(path + ".tmp", "w") as handle:
        json.dump(state, handle, indent=1)
    os.replace(path + ".tmp", path)


def read_state(directory: str) -> dict:
    """The study.json of `directory`; anything else (a spec, a file, a missing folder) is one line of bad input."""
    if os.path.isfile(directory):
        hint = (
            f"; it looks like a spec: run it with `cmathlab study run {directory}`"
            if directory.endswith(".toml")
            else ""
        )
        raise BadInput(f"is a file, not a study directory{hint}", source=directory)
    if not os.path.isdir(directory):
        raise BadInput("no such study directory", source=directory)
    path = os.path.join(directory, STATE)
    try:
        with open(path) as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise BadInput(f"is not a study directory (no {STATE})", source=directory) from None
    except json.JSONDecodeError as err:
        raise BadInput(f"{STATE} is not valid JSON: {err}", source=directory) from None


def check_new_study(directory: str) -> None:
    """Refuse, before any work, a --out that is a file, a study already, or a folder of other files."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise BadInput("is a file; --out takes a directory for the study", source=directory)
    if os.path.exists(os.path.join(directory, STATE)):
        raise BadInput(
            f"already holds a study; continue it with `cmathlab study resume {directory}` or choose another --out",
            source=directory,
        )
    if os.path.isdir(directory) and os.listdir(directory):
        held = ", ".join(sorted(os.listdir(directory))[:3])
        raise BadInput(
            f"holds other files ({held}{', ...' if len(os.listdir(directory)) > 3 else ''}); "
            "a study needs a new or empty directory",
            source=directory,
        )


def driver_alive(driver: dict | None) -> bool:
    """Whether the process that drives the study (recorded in study.json) still runs on this host."""
    if not driver or driver.get("host") != socket.gethostname():
        return False
    try:
        os.kill(driver["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def find_studies(root: str) -> list[str]:
    """Every study directory under `root` (a study's own subfolders are not searched)."""
    if not os.path.isdir(root):
        raise BadInput("no such directory", source=root)
    found = []
    for here, subdirs, files in os.walk(root):
        if STATE in files:
            found.append(here)
            subdirs[:] = []
        else:
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
    return sorted(found)
