"""From total match weight to a calibrated probability, and how to check calibration.

Fellegi–Sunter weights assume the signals are independent given match status; text, style and
hashtags are not, so the raw posterior is over-confident. A monotone (isotonic) fit on labelled
pairs keeps the ranking and fixes the probabilities; the reliability table shows how well."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from tarazu.linkage.model import Calibration

#: Inputs of the logistic calibration besides the total: the second-pass leads.
LOGISTIC_FEATURES = ("lead", "successor_lead")


def fit_calibration(
    totals: Sequence[float],
    labels: Sequence[int],
    method: str = "isotonic",
    max_points: int = 200,
    extras: Mapping[str, np.ndarray] | None = None,
) -> Calibration:
    """``extras`` (logistic only): raw values of the leads per pair (NaN: no rival)."""
    x = np.asarray(totals, dtype=float)
    y = np.asarray(labels, dtype=float)
    if method == "logistic":
        feats = tuple(f for f in LOGISTIC_FEATURES if extras is not None and f in extras)
        base = Calibration("logistic", features=feats, coef=(0.0,) * len(feats))
        X = np.column_stack([x, base.feature_matrix(len(x), extras)])
        lr = LogisticRegression(C=1.0, max_iter=5000).fit(X, y)
        return replace(
            base,
            a=round(float(lr.coef_[0][0]), 6),
            b=round(float(lr.intercept_[0]), 6),
            coef=tuple(round(float(c), 6) for c in lr.coef_[0][1:]),
        )
    if method == "platt":
        lr = LogisticRegression(C=1e4).fit(x[:, None], y)
        return Calibration("platt", a=float(lr.coef_[0][0]), b=float(lr.intercept_[0]))
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(x, y)
    xs, ys = iso.X_thresholds_, iso.y_thresholds_
    if len(xs) > max_points:  # keep the file reviewable; stays monotone
        keep = np.unique(np.linspace(0, len(xs) - 1, max_points).round().astype(int))
        xs, ys = xs[keep], ys[keep]
    ys = np.maximum.accumulate(ys)
    return Calibration(
        "isotonic", x=tuple(round(float(v), 4) for v in xs), y=tuple(round(float(v), 5) for v in ys)
    )


@dataclass(frozen=True)
class ReliabilityBin:
    lo: float
    hi: float
    count: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Reliability:
    ece: float
    brier: float
    bins: tuple[ReliabilityBin, ...]


def reliability(probs: Sequence[float], labels: Sequence[int], n_bins: int = 10) -> Reliability:
    """Expected calibration error over equal-width bins, Brier score, and the bins."""
    p = np.asarray(probs, dtype=float)
    y = np.asarray(labels, dtype=float)
    edges = np.linspace(0, 1, n_bins + 1)
    bins, ece = [], 0.0
    for i in range(n_bins):
        mask = (p >= edges[i]) & ((p < edges[i + 1]) if i < n_bins - 1 else (p <= 1))
        n = int(mask.sum())
        if n == 0:
            continue
        mp, obs = float(p[mask].mean()), float(y[mask].mean())
        ece += n / len(p) * abs(mp - obs)
        bins.append(ReliabilityBin(float(edges[i]), float(edges[i + 1]), n, mp, obs))
    brier = float(np.mean((p - y) ** 2)) if len(p) else 0.0
    return Reliability(round(ece, 5), round(brier, 5), tuple(bins))
