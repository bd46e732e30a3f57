"""What cmathlab knows of its fields and models, as tables: `cmathlab config` (every field, or a recipe's
departures from another) and `cmathlab models` (each model's registry entry). The command line prints them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from cmathlab.config import PAPER, RECIPES, Config, allowed_values, departures, field, paper_says
from cmathlab.errors import BadInput


def shown(value) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _pair(values: tuple) -> str:
    a, b = map(shown, values)
    return f"{a} → {b}" if a != b else b


def config_table(recipe: str, fields: list[str]) -> Table:
    """Every field of a run of the default model, CMATH (the run's, then its own as `cmath.FIELD`), or `fields`:
    its default per dataset under `recipe`, the paper's value and where the paper gives it, what it accepts, why."""
    if recipe not in RECIPES:
        raise BadInput(f"{recipe!r} is not one of {', '.join(RECIPES)}", field="--recipe")
    defaults = {d: Config.for_dataset(d, recipe=recipe).to_dict() for d in PAPER}
    paper = {d: Config.for_dataset(d, recipe="paper").to_dict() for d in PAPER}
    table = Table(title=f"config fields (recipe {recipe}); set with --set FIELD=VALUE or in a spec's \\[fixed]")
    for col in ("field", *(f"{d} default" for d in PAPER), "paper", "allowed", "why"):
        table.add_column(col, overflow="fold")
    for name in fields or [*defaults["iemocap"], "options"]:
        if name == "options":  # not a value: the model's own fields, listed above as MODEL.FIELD
            table.add_row(name, *("" for _ in PAPER), "", allowed_values(name), field(name).reason)
            continue
        papers = dict.fromkeys(shown(paper[d][name]) for d in PAPER)
        table.add_row(
            name,
            *(shown(defaults[d][name]) for d in PAPER),
            f"{' / '.join(papers)} ({paper_says(name)})",
            allowed_values(name),
            field(name).reason,
        )
    return table


def departures_table(base: str, recipe: str, fields: list[str]) -> Table:
    """`config --diff BASE`: the fields whose value under `recipe` differs from `base`'s, and why."""
    diff = departures(base, recipe)
    table = Table(
        title=f"recipe {recipe} against recipe {base}: the {len(diff)} fields whose values differ "
        "(numbers: BENCHMARKS.md section 10)"
    )
    for col in ("field", "iemocap", "meld", "the paper", "why", "measured"):
        table.add_column(col, overflow="fold")
    for name, per in diff.items():
        if not fields or name in fields:
            table.add_row(
                name,
                _pair(per["iemocap"]),
                _pair(per["meld"]),
                paper_says(name),
                field(name).reason,
                field(name).measured,
            )
    return table


def departures_markdown(base: str, recipe: str) -> str:
    """`config --diff BASE --markdown` (the README's table): one row per field, values per dataset `base → recipe`."""
    lines = [f"| field | IEMOCAP, {base} → {recipe} | MELD | the paper | why |", "|---|---|---|---|---|"]
    lines += [
        f"| `{name}` | {_pair(per['iemocap'])} | {_pair(per['meld'])} | {paper_says(name)} | {field(name).reason} |"
        for name, per in departures(base, recipe).items()
    ]
    return "\n".join(lines)


def print_models(names: list[str], console: Console) -> None:
    """Each model's title, class, own fields (default per dataset, the paper's value, allowed, why), the
    variants its components make, and its authors' settings."""
    from cmathlab.model import registry

    for name in names or registry.names():
        cls = registry.resolve(name)
        console.print(f"[bold]{name}[/]: {registry.title(name)} ({cls.__module__}.{cls.__qualname__})")
        fields = getattr(cls, "fields", ())
        if fields:
            table = Table()
            for col in ("field", "iemocap", "meld", "paper", "allowed", "why"):
                table.add_column(col, overflow="fold")
            for f in fields:  # each dataset's default under the cmathlab recipe (its `ours` over the field's default)
                table.add_row(
                    f"{name}.{f.name}",
                    str(f.ours.get("iemocap", f.default_for("iemocap"))),
                    str(f.ours.get("meld", f.default_for("meld"))),
                    ", ".join(f"{d} {v}" for d, v in f.paper.items()) if isinstance(f.paper, dict) else str(f.paper),
                    f.allowed(),
                    f.reason,
                )
            console.print(table)
        else:
            console.print(
                "  its fields are the config's own (`cmathlab config`)"
                if name == "cmath"
                else "  no fields of its own (it reads the shared dim and dropout)"
            )
        for c in getattr(cls, "components", ()):
            console.print(f"  variant {c.variant!r}: {c.what}")
        for dataset, values in (getattr(cls, "settings", {}) or {}).items():
            console.print(f"  its authors' settings on {dataset}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
        released = getattr(cls, "released", ())
        if released:
            console.print(
                f"  as released ({name}.as_released = true): {cls.released_code}, where it departs from "
                "the paper reading above"
            )
            table = Table()
            for col in ("field", "paper reading (iemocap / meld)", "released (iemocap / meld)", "authors' code"):
                table.add_column(col, overflow="fold")
            own = {f.name: f for f in fields}
            for r in released:
                if r.field in own:
                    reading = [own[r.field].default_for(d) for d in ("iemocap", "meld")]
                else:
                    from cmathlab.config import Config

                    reading = [Config.for_dataset(d, model=name).to_dict()[r.field] for d in ("iemocap", "meld")]
                shown = [r.for_dataset(d) for d in ("iemocap", "meld")]
                table.add_row(
                    f"{name}.{r.field}" if r.field in own else r.field,
                    " / ".join(map(str, reading)),
                    " / ".join("(as read)" if v is None else str(v) for v in shown),
                    r.source,
                )
            console.print(table)
            console.print(
                "  as released or not, the harness's protocol: the epoch chosen on validation (the released "
                "code picks it on test: `report --published-protocol` shows that gap), a validation fifth "
                "of the training dialogues held out, early stopping on its patience, a fresh batch order "
                "every epoch (the released graph models re-seed every epoch), and padding that never "
                "changes an output (some released RNNs run unpacked over it)",
                soft_wrap=True,
            )
