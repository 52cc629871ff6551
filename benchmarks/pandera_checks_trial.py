"""`uv run python -m benchmarks.pandera_checks_trial`: Pandera's registered check methods beside the
raw models' own `@pa.check` methods, on one rule kind (a whole number), for docs/decisions.md.

Asks three things of a registered `whole_number` check (pandera.extensions.register_check_method)
used the way a DataFrameModel can use one, `pa.Field(whole_number=...)`:
- does it find the same failures, row for row;
- does the failure carry the curator's wording (the rule text every error message ends with);
- how long does it take on 10^6 cells against the model's own check (median of 5, alternated).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.extensions import register_check_method
from pandera.typing import Series

from nk_pipeline.raw import schemas

RULE = "workers_low must be a whole number"


@register_check_method(statistics=[], check_type="vectorized")
def whole_number(series: pd.Series) -> pd.Series:
    return schemas.per_distinct(series, schemas.is_whole_number)


class Registered(pa.DataFrameModel):
    workers_low: Series[schemas.Text] = pa.Field(nullable=True, whole_number=())


class Own(pa.DataFrameModel):
    workers_low: Series[schemas.Text] = pa.Field(nullable=True)

    @pa.check("workers_low", error=RULE)
    def workers_low_is_whole(cls, s: Series[schemas.Text]) -> Series[bool]:
        return schemas.per_distinct(s, schemas.is_whole_number)


def frame(values) -> pd.DataFrame:
    return pd.DataFrame({"workers_low": pd.array(values, dtype=pd.ArrowDtype(pyarrow.string()))})


def failures(model: type[pa.DataFrameModel], data: pd.DataFrame) -> pd.DataFrame:
    try:
        model.validate(data, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases[["index", "failure_case", "check"]]
    return pd.DataFrame(columns=["index", "failure_case", "check"])


def main() -> None:
    small = frame(["1000", "12", None, "about 40", "3.5"])
    registered, own = failures(Registered, small), failures(Own, small)
    same = registered[["index", "failure_case"]].equals(own[["index", "failure_case"]])
    print(f"same failures: {same} ({len(own)} of {len(small)} rows)")
    print(
        f"rule carried by the registered check: {registered['check'].iloc[0]!r}; by the model's own: {own['check'].iloc[0]!r}"
    )
    rng = np.random.default_rng(0)
    big = frame(rng.choice(["1000", "12", None, "40", "350", "1200000"], 1_000_000))
    seconds: dict[str, list[float]] = {"registered": [], "own": []}
    for _ in range(5):
        for name, model in (("registered", Registered), ("own", Own)):
            started = time.perf_counter()
            model.validate(big, lazy=True)
            seconds[name].append(time.perf_counter() - started)
    print({name: f"{statistics.median(times):.3f} s" for name, times in seconds.items()})


if __name__ == "__main__":
    main()
