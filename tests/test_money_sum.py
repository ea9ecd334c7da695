"""Money sums (finops.models.money): bit-identical in any row order and chunking, with the unpriced rules kept."""

from __future__ import annotations

import itertools

import polars as pl
import pytest

from finops.metrics.spend import spend_sum
from finops.models.money import money_sum, money_total

# Exactly 2.0; a float sum gives 0.0 or 0.9999999999999999 depending on where 1.0 meets 1e16.
CANCELLING = [0.1] * 10 + [1e16, 1.0, -1e16]
# Exactly 142.485 (a half cent); a float sum gives 142.485 or 142.48499999999999 by order,
# which print as 142.49 and 142.48.
HALF_CENT = [17.301, 54.88, 70.304]


@pytest.fixture(scope="module")
def costs(sample_store_path) -> pl.DataFrame:
    from finops.store import Store

    frame = Store(sample_store_path).scan("cost_lines").select(
        pl.col("ServiceProviderName").alias("provider"), pl.col("BilledCost").cast(pl.Float64).alias("cost")).collect()
    assert frame.height > 1000 and frame["cost"].null_count() < frame.height
    return frame


def _chunked(frame: pl.DataFrame, size: int) -> pl.DataFrame:
    parts = [frame.slice(i, size) for i in range(0, frame.height, size)]
    return pl.concat(parts, rechunk=False)


def _by_provider(frame: pl.DataFrame) -> list[tuple[str, str]]:
    out = frame.group_by("provider").agg(money_sum(pl.col("cost"))).sort("provider")
    return [(p, float(v).hex()) for p, v in out.iter_rows()]


def test_the_same_bits_in_any_order_and_chunking(costs: pl.DataFrame) -> None:
    whole, grouped = money_total(costs["cost"]).hex(), _by_provider(costs)
    for seed in (1, 2, 3):
        shuffled = costs.sample(fraction=1.0, shuffle=True, seed=seed)
        for frame in (shuffled, _chunked(shuffled, 97), _chunked(shuffled, 1000)):
            assert money_total(frame["cost"]).hex() == whole
            assert _by_provider(frame) == grouped
    assert _chunked(costs, 97).n_chunks() > 1


def test_a_float_sum_that_moves_with_the_order_does_not() -> None:
    cancelling = [CANCELLING, CANCELLING[::-1], CANCELLING[-3:] + CANCELLING[:-3]]
    for orders, exact in ((cancelling, 2.0), ([list(p) for p in itertools.permutations(HALF_CENT)], 142.485)):
        assert len({pl.Series(o).sum() for o in orders}) > 1  # the plain float sum does depend on the order
        assert {money_total(pl.Series(o)) for o in orders} == {exact}
    assert f"{money_total(pl.Series(HALF_CENT)):.2f}" == "142.49"  # the half cent rounds up on every surface


def test_nulls_are_left_out_as_in_a_plain_sum() -> None:
    assert money_total(pl.Series([1.25, None, 2.5])) == 3.75
    assert money_total(pl.Series([None, None], dtype=pl.Float64)) == 0.0
    assert money_total(pl.Series([], dtype=pl.Float64)) == 0.0
    assert money_total(pl.Series([125, 250])) == 375.0  # integer cents are summed as they are


def test_spend_sum_keeps_the_unpriced_rules() -> None:
    frame = pl.DataFrame({"g": ["all unpriced", "all unpriced", "some", "some", "some", "priced"],
                          "cost": [None, None, 0.1, None, 0.2, 0.0]})
    out = frame.group_by("g").agg(*spend_sum()).sort("g")
    assert out.rows() == [("all unpriced", None, 2), ("priced", 0.0, 0), ("some", 0.3, 1)]


def test_amounts_it_cannot_hold_raise_rather_than_sum_wrong() -> None:
    for values in ([float("nan")], [float("inf")], [2e20], [9e19, 9e19]):
        with pytest.raises(pl.exceptions.PolarsError):
            money_total(pl.Series(values))
