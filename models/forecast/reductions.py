"""Medians and means for the fits' inner loops: numpy's values, to the bit, at a fraction of the overhead.

A forecast refits its models at some 35 back-test origins, and each fit takes some twenty medians and
means of a few hundred to 1,500 numbers (robust scales, a smoothing rate's errors). np.median's and
np.mean's checks and dispatch were about an eighth of a forecast's time; the arithmetic is the same.
"""

from __future__ import annotations

import numpy as np


def median(v: np.ndarray) -> float:
    """The median of a non-empty 1-D float array without NaN, as np.median gives it."""
    n = v.size
    half = n // 2
    if n % 2:
        return float(np.partition(v, half)[half])
    part = np.partition(v, (half - 1, half))
    return float((part[half - 1] + part[half]) / 2.0)


def mad(v: np.ndarray) -> float:
    """Median absolute deviation from the median (unscaled)."""
    return median(np.abs(v - median(v)))


def mean_abs(v: np.ndarray) -> float:
    """np.mean(np.abs(v)) of a non-empty 1-D float array: the same pairwise sum, divided by the count."""
    return float(np.add.reduce(np.abs(v))) / v.size
