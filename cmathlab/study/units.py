"""A spec as Ray Tune experiments: one per grid part (its datasets x seeds x axes, or fused groups of
them) and one per search part and dataset (Optuna's sampler with ASHA's early stopping)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from cmathlab.study.spec import Part, Spec


@dataclass
class Unit:
    """One Tune experiment: a grid part, or a search part on one dataset."""

    name: str
    part: Part
    param_space: dict
    n_trials: int


def units(spec: Spec) -> list[Unit]:
    from ray import tune

    out = []
    for part in spec.parts:
        fixed = dict(part.fixed, **({"epochs": part.epochs} if part.epochs else {}))
        common = {"part": part.name, "metric": part.metric, "fixed": fixed, "checkpoint_every": part.checkpoint_every}
        if not part.is_search and part.fuse == "auto":
            space = {
                **common,
                "unit": part.name,
                "search": False,
                "axes": list(part.grid),
                "group": tune.grid_search(fused_groups(part)),
            }
            out.append(Unit(part.name, part, space, part.n_trials()))
            continue
        if not part.is_search:  # Tune's own grid search over datasets x seeds x axes
            space = {
                **common,
                "unit": part.name,
                "search": False,
                "axes": list(part.grid),
                "dataset": tune.grid_search(list(part.datasets)),
                "seed": tune.grid_search(list(part.seeds)),
                **{axis: tune.grid_search(values) for axis, values in part.grid.items()},
            }
            out.append(Unit(part.name, part, space, part.n_trials()))
            continue
        for dataset in part.datasets:  # OptunaSearch takes no grid axes: one search per dataset
            name = f"{part.name}-{dataset}"
            space = {
                **common,
                "unit": name,
                "search": True,
                "axes": list(part.space),
                "dataset": dataset,
                "seed": part.seeds[0],
                **{k: _domain(v) for k, v in part.space.items()},
            }
            out.append(Unit(name, part, space, part.samples))
    return out


def fused_groups(part: Part) -> list[dict]:
    """A grid's trials in groups that train as one stacked model: same dataset and `fusion_key`,
    at most `fuse_max` each. A trial with nothing to share its shapes with is a group of one."""
    from cmathlab.engine import fusion_key

    groups: dict[tuple, list[dict]] = {}
    for dataset in part.datasets:
        for seed in part.seeds:
            for combo in itertools.product(*part.grid.values()):
                values = dict(zip(part.grid, combo))
                config = part.config(dataset, seed, values)
                shared = (dataset, fusion_key(config)) if config.model_class.fusable else (dataset, seed, combo)
                groups.setdefault(shared, []).append({"seed": seed, **values})
    return [
        {"dataset": key[0], "members": chunk[i : i + part.fuse_max]}
        for key, chunk in groups.items()
        for i in range(0, len(chunk), part.fuse_max)
    ]


def _domain(dist: dict):
    from ray import tune

    kind, args = next(iter(dist.items()))
    if kind == "choice":
        return tune.choice(args)
    if kind == "randint":  # inclusive in the spec, as a reader expects; Tune's high is exclusive
        return tune.randint(args[0], args[1] + 1)
    return getattr(tune, kind)(*args)


def tune_config(unit: Unit, spec: Spec):
    from ray import tune

    metric = f"best_{unit.part.metric}"
    common = dict(
        metric=metric,
        mode="max",
        max_concurrent_trials=spec.max_concurrent,
        reuse_actors=True,
        trial_dirname_creator=lambda trial: trial.trial_id,
    )
    if not unit.part.is_search:
        return tune.TuneConfig(num_samples=1, **common)
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    epochs = unit.part.epochs or 60
    # max_t one past the last epoch: ASHA stops a trial *at* max_t, before its RunResult arrives
    scheduler = ASHAScheduler(
        time_attr="epoch",
        max_t=epochs + 1,
        grace_period=unit.part.asha["grace_period"],
        reduction_factor=unit.part.asha["reduction_factor"],
    )
    return tune.TuneConfig(
        num_samples=unit.n_trials, search_alg=OptunaSearch(seed=unit.part.seeds[0]), scheduler=scheduler, **common
    )
