"""Trains and exports models/breast-cancer-gbt: a scikit-learn GradientBoostingClassifier on the
breast cancer data (Wisconsin diagnostic; python3-sklearn's bundled copy), written as one ONNX-ML
TreeEnsembleClassifier with onnx.helper (see ../tabular_export.py for the mapping).

    /usr/bin/python3 models/breast-cancer-gbt/train.py

Training rows and held-out rows are the committed split (../breast_cancer_split.json). The graph:
    features (N, 30) float -> TreeEnsembleClassifier -> label (N) int64, probabilities (N, 2)
Binary gradient boosting has one tree per stage scoring class 1 (log-odds): class_ids are all 0,
base_values = [prior log-odds], post_transform LOGISTIC, and onnxruntime's (and wisp's) binary
rule makes the two columns [σ(-s), σ(s)] — sklearn's predict_proba.
Held-out accuracy measured by running wisp: node models/evaluate_tabular.js."""
import os
import sys

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import tabular_export as tx  # noqa: E402


def main():
    from sklearn.ensemble import GradientBoostingClassifier

    X, y, names, targets, train, test = tx.breast_cancer_split()
    est = GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1,
                                     subsample=1.0, random_state=0)
    est.fit(X[train].astype(np.float32), y[train])
    acc = float((est.predict(X[test].astype(np.float32)) == y[test]).mean())

    trees, base = tx.gradient_boosting_trees(est)
    # the export must score rows as sklearn does (float32 sums: 1e-4)
    raw = tx.trees_raw_scores(trees, X[test], 1)[:, 0] + base[0]
    want = est.decision_function(X[test].astype(np.float32))
    assert np.abs(raw - want).max() < 1e-4, np.abs(raw - want).max()

    model = tx.tree_classifier_model(
        trees, X.shape[1], labels=[0, 1], base_values=base, post_transform="LOGISTIC",
        doc="GradientBoostingClassifier (100 x depth 3) on sklearn breast cancer; "
            "label 0 = malignant, 1 = benign")
    onnx.save(model, os.path.join(HERE, "onnx", "model.onnx"))
    tx.write_json(os.path.join(HERE, "config.json"), {
        "model_type": "wisp-tabular",
        "architectures": ["GradientBoostingClassifier"],
        "id2label": {str(i): t for i, t in enumerate(targets)},
        "label2id": {t: i for i, t in enumerate(targets)},
        "num_labels": len(targets),
        "feature_names": names,
        "scores_output": "probabilities",
        "scores_are": "probabilities",
        "label_output": "label",
        "handles_missing": False,
        "held_out_accuracy_sklearn": round(acc, 4),
        "split": "../breast_cancer_split.json",
    })
    print(f"breast-cancer-gbt: {trees.n_trees} trees, {len(trees.nodes['nodeids'])} nodes, "
          f"held-out accuracy (sklearn) {acc:.4f} on {len(test)} rows")


if __name__ == "__main__":
    main()
