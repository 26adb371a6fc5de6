"""Reference values for dadm's threshold fitting, operating points and score calibration.

Run with Debian's python3 (NumPy 1.24, scikit-learn 1.2.1):
    /usr/bin/python3 tools/refgen/thresholds.py > test/fixtures/thresholds.json
Written from the definitions in docs/ensemble.md, independently of src/stats; precision, recall and
F1 come from scikit-learn. -Infinity thresholds are written as null (JSON has no infinities).
"""
import json
import math

import numpy as np
import sklearn
from sklearn.metrics import f1_score, precision_recall_fscore_support

FPRS = [0.0, 0.01, 0.05, 0.1, 0.5]
SPECS = [
    {"method": "quantile", "q": 0.99},
    {"method": "quantile", "q": 0.5},
    {"method": "quantile", "q": 1.0},
    {"method": "contamination", "rate": 0.05},
    {"method": "contamination", "rate": 0.1},
    {"method": "target_fpr", "fpr": 0.01},
    {"method": "target_fpr", "fpr": 0.1},
    {"method": "target_fpr", "fpr": 0.3},
]


def prf(y, flagged):
    p, r, f, _ = precision_recall_fscore_support(y, flagged, average="binary", zero_division=0)
    return float(p), float(r), float(f)


def point(s, y, t):
    flagged = (s > t).astype(int)
    p, r, f = prf(y, flagged)
    neg = int((y == 0).sum())
    fp = int(((flagged == 1) & (y == 0)).sum())
    tp = int(((flagged == 1) & (y == 1)).sum())
    return {"threshold": None if t == -math.inf else float(t), "tp": tp, "fp": fp, "precision": p, "recall": r, "f1": f, "fpr": fp / neg}


def operating_points(s, y):
    cands = [-math.inf] + sorted(set(s.tolist()))
    neg = s[y == 0]
    out = []
    for a in FPRS:
        budget = math.floor(a * len(neg))
        t = min(c for c in cands if (neg > c).sum() <= budget)
        out.append({"target": a, **point(s, y, t)})
    return out


def best_f1(s, y):
    best = None
    for c in sorted(set(s.tolist()), reverse=True) + [-math.inf]:
        f = float(f1_score(y, (s > c).astype(int), zero_division=0))
        if best is None or f > best[0]:
            best = (f, c)
    return point(s, y, best[1])


def fit_threshold(s, spec):
    n = len(s)
    srt = np.sort(s)
    if spec["method"] == "quantile":
        t = float(np.quantile(s, spec["q"]))
    elif spec["method"] == "contamination":
        t = float(np.quantile(s, 1 - spec["rate"]))
    else:
        k = math.ceil((n + 1) * (1 - spec["fpr"]))
        if k > n:
            return {"spec": spec, "error": True}
        t = float(srt[k - 1])
    return {"spec": spec, "threshold": t, "implied_fpr": (int((s > t).sum()) + 1) / (n + 1)}


def calibration(s, probes):
    med = np.median(s)
    mad = np.median(np.abs(s - med))
    scale = 1.482602218505602 * mad  # 1 / scipy.stats.norm.ppf(0.75); every case here has MAD > 0
    srt = np.sort(s)
    return {
        "robust_z": {"center": float(med), "scale": float(scale), "applied": ((probes - med) / scale).tolist()},
        "ecdf": {"applied": (np.searchsorted(srt, probes, side="left") / len(s)).tolist()},
    }


def case(name, s, y):
    s = s.astype(np.float32).astype(np.float64)
    probes = np.concatenate([s[:10], [s.min() - 1, s.max() + 1], np.quantile(s, [0.1, 0.5, 0.9])]).astype(np.float32).astype(np.float64)
    return {
        "id": name,
        "scores": s.tolist(),
        "labels": y.astype(int).tolist(),
        "operating_points": operating_points(s, y),
        "best_f1": best_f1(s, y),
        "fit_threshold": [fit_threshold(s, spec) for spec in SPECS],
        "probes": probes.tolist(),
        "calibration": calibration(s, probes),
    }


def main():
    rng = np.random.default_rng(0)
    y1 = (rng.random(200) < 0.1).astype(int)
    s1 = rng.normal(0, 1, 200) + 2.0 * y1
    y2 = (rng.random(150) < 0.2).astype(int)
    s2 = np.minimum(5, rng.poisson(1.0, 150) + 2 * y2).astype(float)
    y3 = np.array([0, 1, 0, 0, 1, 0, 0])
    s3 = np.array([0.5, 2.0, 0.25, 0.5, 1.0, 3.0, 0.125])
    cases = [case("normal_200", s1, y1), case("ties_150", s2, y2), case("tiny_7", s3, y3)]
    meta = {"generator": "tools/refgen/thresholds.py", "seed": 0, "versions": {"numpy": np.__version__, "sklearn": sklearn.__version__},
            "fprs": FPRS, "note": "null threshold = -Infinity (flag every row)"}
    print(json.dumps({"meta": meta, "cases": cases}, indent=1))


main()
