"""How often each of the report's tests puts a † on a row it should not, and how often on one it should (BENCHMARKS.md
section 14): simulated two-row tables (cmathlab/report/calibration.py) run through the report's own test classes.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/stats_calibration.py --part null --tables 2000
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/stats_calibration.py --part other --tables 2000
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/stats_calibration.py --part aso --tables 300 --aso-iterations 50

Every line: the cell, the test, what it marks, the rate over the tables with its 95 % Wilson interval, and the
verdict against the band [0.02, 0.08] (a test that claims 0.05) or the bound it must keep.
"""

from __future__ import annotations

import argparse
import time

from statsmodels.stats.proportion import proportion_confint

from cmathlab.report.calibration import Cell, null_grid, rates, sesoi_shift
from cmathlab.report.significance import Settings

LOW, HIGH = 0.02, 0.08


def line(cell: str, test: str, what: str, rate: float, tables: int, judge: str) -> str:
    low, high = proportion_confint(round(rate * tables), tables, alpha=0.05, method="wilson")
    return f"| {cell} | {test} | {what} | {rate:.3f} ({tables}) | {low:.3f}-{high:.3f} | {judge} |"


def band(rate: float) -> str:
    return "in band" if LOW <= rate <= HIGH else "**out of band**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("null", "other", "aso"), required=True)
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--aso-iterations", type=int, default=50)
    parser.add_argument("--seed", type=int, default=100)
    args = parser.parse_args()
    settings = Settings()
    print("| cell | test | marks | rate (tables) | 95 % CI | verdict |\n|---|---|---|---|---|---|", flush=True)
    if args.part == "null":
        for i, cell in enumerate(null_grid()):
            start = time.time()
            for test, rate in rates(["t", "bootstrap"], cell, args.tables, args.seed + i, settings).items():
                print(line(cell.describe(), test, "† (null)", rate, args.tables, band(rate)), flush=True)
            print(f"<!-- {time.time() - start:.0f} s -->", flush=True)
    elif args.part == "other":
        for j, profile in enumerate((0.1, 0.2)):
            cell = Cell(profile=profile)
            for test, rate in rates(["t", "bootstrap"], cell, args.tables, args.seed + 50 + j, settings).items():
                print(line(cell.describe(), test, "† (null over test sets)", rate, args.tables, band(rate)), flush=True)
        for j, sd in enumerate((0.01, 0.03, 0.05)):
            cell = Cell(seed_sd=sd, disjoint=True)
            rate = rates(["t"], cell, args.tables, args.seed + 55 + j, settings)["t"]
            print(line(cell.describe(), "t (Welch)", "† (null)", rate, args.tables, band(rate)), flush=True)
        power = Cell(delta=0.03)
        for test, rate in rates(["t", "bootstrap"], power, args.tables, args.seed + 60, settings).items():
            print(line(power.describe(), test, "† (power)", rate, args.tables, ""), flush=True)
        for sesoi in (1.0, 5.0):
            wide = Settings(sesoi=sesoi)
            for k, cell in enumerate(
                (Cell(seed_sd=0.01), Cell(seed_sd=0.03, shared=0.0), Cell(seed_sd=0.01, missing=True))
            ):
                for sign in (1, -1):
                    at = sesoi_shift(cell, Settings(sesoi=sign * sesoi))
                    rate = rates(["tost"], at, args.tables, args.seed + 70 + k, wide)["tost"]
                    low = proportion_confint(round(rate * args.tables), args.tables, method="wilson")[0]
                    judge = "≤ 0.05" if rate <= 0.05 else "0.05 within its CI" if low <= 0.05 else "**above 0.05**"
                    print(
                        line(
                            at.describe(),
                            f"TOST, SESOI {sesoi:g}",
                            "equivalent (at the SESOI)",
                            rate,
                            args.tables,
                            judge,
                        ),
                        flush=True,
                    )
                rate = rates(["tost"], cell, args.tables, args.seed + 80 + k, wide)["tost"]
                print(
                    line(
                        cell.describe(),
                        f"TOST, SESOI {sesoi:g}",
                        "equivalent (no difference: power)",
                        rate,
                        args.tables,
                        "",
                    ),
                    flush=True,
                )
    else:
        aso = Settings(aso_iterations=args.aso_iterations)
        for i, cell in enumerate(
            (Cell(seed_sd=0.01), Cell(seed_sd=0.05, shared=0.0), Cell(seed_sd=0.03, missing=True))
        ):
            start = time.time()
            rate = rates(["aso"], cell, args.tables, args.seed + 90 + i, aso)["aso"]
            seconds = (time.time() - start) / args.tables
            print(
                line(
                    cell.describe(),
                    f"ASO, {args.aso_iterations} iterations",
                    "† (null), two-sided",
                    rate,
                    args.tables,
                    band(rate),
                )
                + f" <!-- {seconds:.2f} s a comparison -->",
                flush=True,
            )


if __name__ == "__main__":
    main()
