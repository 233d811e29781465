"""Paired statistics over tasks: a seeded bootstrap interval and an exact sign test.

The unit is the task, not the trial: attempts at one task are not independent (the same task is
hard for every attempt), so each task contributes one paired difference (candidate's mean pass
over its attempts minus the baseline's), and tasks are what the bootstrap resamples.

The sign test is computed here exactly from binomial coefficients (two-sided, p = 1/2, over the
tasks whose mean pass changed), which is what `scipy.stats.binomtest(k, n).pvalue` returns; scipy
itself is not imported because `import scipy.stats` alone takes about a second, the whole budget
of a comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from math import comb

import numpy as np

BOOTSTRAP_CHUNK = 2000  # resamples drawn at once: bounds memory for benchmarks with many tasks
TEST_NAME = "exact sign test (two-sided binomial, p=1/2) over the tasks whose mean pass changed"
INTERVAL_NAME = "paired bootstrap over tasks (percentile)"


def _bootstrap(size: int, resamples: int, seed: int, level: float,
               statistic: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    """The percentile interval of `statistic` over resamples of `size` tasks drawn with replacement
    (numpy's PCG64 generator, in fixed-size chunks: deterministic for a seed)."""
    if size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    values = np.empty(resamples)
    for start in range(0, resamples, BOOTSTRAP_CHUNK):
        count = min(BOOTSTRAP_CHUNK, resamples - start)
        values[start:start + count] = statistic(rng.integers(0, size, size=(count, size)))
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return (float(low), float(high))


def bootstrap_mean_interval(differences: Sequence[float], resamples: int, seed: int,
                            level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of the mean of `differences`, resampling tasks with replacement."""
    values = np.asarray(differences, dtype=float)
    return _bootstrap(values.size, resamples, seed, level, lambda picks: values[picks].mean(axis=1))


def bootstrap_rate_interval(passed: Sequence[float], trials: Sequence[int], resamples: int, seed: int,
                            level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of a pass rate (passed trials / trials), resampling tasks with replacement:
    a task's attempts travel together, as in the paired interval."""
    wins, counts = np.asarray(passed, dtype=float), np.asarray(trials, dtype=float)
    return _bootstrap(wins.size, resamples, seed, level,
                      lambda picks: wins[picks].sum(axis=1) / counts[picks].sum(axis=1))


def sign_test(improved: int, worsened: int) -> float:
    """Two-sided exact binomial p-value for `improved` successes in `improved + worsened` trials at p = 1/2."""
    n = improved + worsened
    if n == 0:
        return 1.0
    smaller = min(improved, worsened)
    tail = Fraction(sum(comb(n, k) for k in range(smaller + 1)), 2 ** n)
    return float(min(Fraction(1), 2 * tail))


def sample_stdev(values: Sequence[float]) -> float | None:
    """The sample standard deviation (n - 1), or None below two values."""
    return float(np.std(values, ddof=1)) if len(values) >= 2 else None
