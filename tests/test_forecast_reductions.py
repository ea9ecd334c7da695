"""The fits' fast medians and means give numpy's values to the bit, so a forecast is the same number."""

from __future__ import annotations

import numpy as np
import pytest

from finops.models.forecast import reductions
from finops.models.forecast.model import _centred_median


@pytest.mark.parametrize("n", [1, 2, 3, 28, 365, 1460, 1461])
def test_median_mad_and_mean_abs_equal_numpy_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    for v in (rng.standard_normal(n), np.round(rng.standard_normal(n), 1), rng.lognormal(size=n) * 1e6):
        assert reductions.median(v) == float(np.median(v))
        assert reductions.mad(v) == float(np.median(np.abs(v - np.median(v))))
        assert reductions.mean_abs(v) == float(np.mean(np.abs(v)))


def test_centred_median_pads_the_ends_with_the_end_values() -> None:
    v = np.random.default_rng(0).standard_normal(200)
    padded = np.concatenate([np.full(7, v[0]), v, np.full(7, v[-1])])
    expected = np.median(np.lib.stride_tricks.sliding_window_view(padded, 15), axis=1)
    assert np.array_equal(_centred_median(v), expected)
