#!/usr/bin/python3
"""Reference ROC and precision-recall curves from scikit-learn for test/stats/roc-curve.test.ts.

Run with Debian's python3 (scikit-learn 1.2.1, NumPy 1.24):
    /usr/bin/python3 tools/roc-curves-reference.py > test/fixtures/roc_curves.json
Scores are float32 (written as exact decimals); some cases round them so that many scores tie.
"""
import json
import sys

import numpy as np
import sklearn
from sklearn.metrics import precision_recall_curve, roc_curve


def case(name, scores, labels):
    scores = np.asarray(scores, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.int64)
    fpr, tpr, thr = roc_curve(labels, scores)
    fpr_all, tpr_all, thr_all = roc_curve(labels, scores, drop_intermediate=False)
    precision, recall, pr_thr = precision_recall_curve(labels, scores)
    f64 = lambda a: [float(v) for v in np.asarray(a, dtype=np.float64)]
    return {
        "name": name,
        "scores": [float(v) for v in scores],
        "labels": [int(v) for v in labels],
        "roc": {"fpr": f64(fpr), "tpr": f64(tpr), "thresholds": f64(thr)},
        "roc_all": {"fpr": f64(fpr_all), "tpr": f64(tpr_all), "thresholds": f64(thr_all)},
        "pr": {"precision": f64(precision), "recall": f64(recall), "thresholds": f64(pr_thr)},
    }


def main():
    rng = np.random.default_rng(0)
    cases = []
    # Continuous scores: anomalies shifted up, as an anomaly detector's scores are.
    labels = (rng.random(200) < 0.2).astype(np.int64)
    scores = rng.normal(size=200) + 1.5 * labels
    cases.append(case("distinct_200", scores, labels))
    # Heavy ties: scores rounded to one decimal.
    labels = (rng.random(300) < 0.3).astype(np.int64)
    scores = np.round(rng.normal(size=300) + labels, 1)
    cases.append(case("ties_300", scores, labels))
    # Tiny, hand-sized: a tie across the classes and a perfect separation at the top.
    cases.append(case("tiny", [0.1, 0.4, 0.35, 0.8, 0.8, 0.9], [0, 0, 1, 1, 0, 1]))
    # Every score equal: a single threshold.
    cases.append(case("constant", [0.5] * 6, [0, 1, 0, 1, 0, 0]))
    meta = {
        "seed": 0,
        "generator": "tools/roc-curves-reference.py",
        "versions": {"numpy": np.__version__, "sklearn": sklearn.__version__},
        "notes": "roc: roc_curve defaults (drop_intermediate=True); roc_all: drop_intermediate=False; "
        "roc thresholds[0] is max+1 in sklearn 1.2 (dadm uses Infinity); pr: precision_recall_curve",
    }
    json.dump({"meta": meta, "cases": cases}, sys.stdout)
    sys.stdout.write("\n")


main()
