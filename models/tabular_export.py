"""tabular_export.py — shared by wisp's tabular model scripts: scikit-learn's bundled data sets
with fixed stratified held-out splits, and fitted scikit-learn tree ensembles written as ONNX-ML
graphs (TreeEnsembleClassifier / TreeEnsembleRegressor) with onnx.helper — skl2onnx is not
available here, and the mapping is short.

Run with Debian's python3 (python3-sklearn 1.2, python3-onnx, python3-numpy); no network.

The mapping, tree by tree:
  sklearn node i            -> ONNX node i of that tree (tree id = estimator index)
  children_left / right     -> nodes_truenodeids / nodes_falsenodeids ("x <= t" is true = left)
  threshold t (float64)     -> the largest float32 <= t: for a float32 input x, x <= t exactly
                               when x <= that float, so the ONNX trees split rows as sklearn does
  leaf value                -> one class_/target_ weight (learning rate applied for gradient
                               boosting; HistGradientBoosting leaves already include it)
  missing_go_to_left (HGB)  -> nodes_missing_value_tracks_true
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
ML_OPSET = 3
ONNX_OPSET = 17


# ---- data --------------------------------------------------------------------------------------

def load_dataset(name):
    """(X float64, y, feature_names, target_names or None) of a scikit-learn bundled data set."""
    from sklearn import datasets
    d = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
         "diabetes": datasets.load_diabetes, "iris": datasets.load_iris}[name]()
    names = [str(n) for n in d.feature_names]
    targets = [str(t) for t in d.target_names] if hasattr(d, "target_names") else None
    return np.asarray(d.data, dtype=np.float64), np.asarray(d.target), names, targets


def split(y, test_size=0.2, seed=0, stratify=True):
    """Row ids (into the data set's own order) of a fixed train / held-out split."""
    from sklearn.model_selection import train_test_split
    ids = np.arange(len(y))
    train, test = train_test_split(ids, test_size=test_size, random_state=seed,
                                   stratify=y if stratify else None)
    return sorted(int(i) for i in train), sorted(int(i) for i in test)


def breast_cancer_split():
    """The committed split of the breast cancer data (models/breast_cancer_split.json), made once
    by split(y) and then only read, so every model and test uses the same held-out rows."""
    path = os.path.join(HERE, "breast_cancer_split.json")
    X, y, names, targets = load_dataset("breast_cancer")
    if not os.path.exists(path):
        train, test = split(y)
        with open(path, "w") as f:
            json.dump({"dataset": "sklearn.datasets.load_breast_cancer", "stratified": True,
                       "seed": 0, "test_size": 0.2, "train_ids": train, "test_ids": test}, f)
            f.write("\n")
    with open(path) as f:
        s = json.load(f)
    return X, y, names, targets, s["train_ids"], s["test_ids"]


# ---- trees -> ONNX-ML --------------------------------------------------------------------------

def f32_floor(t):
    """The largest float32 <= t (t a float64)."""
    f = np.float32(t)
    if float(f) > t:
        f = np.nextafter(f, np.float32(-np.inf))
    return float(f)


class Trees:
    """Accumulates nodes and leaf weights of many trees in the attribute layout of ONNX-ML."""

    def __init__(self):
        self.nodes = {k: [] for k in ("treeids", "nodeids", "featureids", "modes", "values",
                                      "truenodeids", "falsenodeids", "missing_value_tracks_true")}
        self.w = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
        self.n_trees = 0

    def _node(self, tree, i, feature, mode, value, true, false, missing):
        n = self.nodes
        n["treeids"].append(tree), n["nodeids"].append(i), n["featureids"].append(feature)
        n["modes"].append(mode), n["values"].append(value), n["truenodeids"].append(true)
        n["falsenodeids"].append(false), n["missing_value_tracks_true"].append(missing)

    def _weight(self, tree, i, target, value):
        self.w["treeids"].append(tree), self.w["nodeids"].append(i)
        self.w["ids"].append(target), self.w["weights"].append(float(value))

    def add_sklearn_tree(self, tree_, target, scale=1.0, class_values=False):
        """A fitted sklearn Tree (estimator.tree_). Leaves give `scale * value[leaf][0][0]` to
        `target`, or with class_values their per-class values (a classifier forest's
        probabilities: value / count) to classes 0..K-1."""
        t = self.n_trees
        self.n_trees += 1
        left, right = tree_.children_left, tree_.children_right
        for i in range(tree_.node_count):
            if left[i] == -1:
                self._node(t, i, 0, "LEAF", 0.0, 0, 0, 0)
                v = tree_.value[i]
                if class_values:
                    p = v[0] / v[0].sum()
                    for k, pk in enumerate(p):
                        self._weight(t, i, k, scale * pk)
                else:
                    self._weight(t, i, target, scale * v[0][0])
            else:
                self._node(t, i, int(tree_.feature[i]), "BRANCH_LEQ", f32_floor(tree_.threshold[i]),
                           int(left[i]), int(right[i]), 0)

    def add_hgb_predictor(self, predictor, target):
        """A HistGradientBoosting TreePredictor (numerical splits, missing values routed)."""
        t = self.n_trees
        self.n_trees += 1
        for i, nd in enumerate(predictor.nodes):
            if nd["is_leaf"]:
                self._node(t, i, 0, "LEAF", 0.0, 0, 0, 0)
                self._weight(t, i, target, nd["value"])
            else:
                assert not nd["is_categorical"], "categorical splits are not exported"
                self._node(t, i, int(nd["feature_idx"]), "BRANCH_LEQ", f32_floor(nd["num_threshold"]),
                           int(nd["left"]), int(nd["right"]), int(nd["missing_go_to_left"]))

    def attrs(self, prefix):
        """Attributes for a TreeEnsembleClassifier (prefix 'class') or Regressor ('target')."""
        a = {f"nodes_{k}": v for k, v in self.nodes.items()}
        if not any(a["nodes_missing_value_tracks_true"]):
            del a["nodes_missing_value_tracks_true"]
        a.update({f"{prefix}_{k}": v for k, v in self.w.items()})
        return a


def tree_classifier_model(trees, n_features, labels, base_values, post_transform,
                          input_name="features", doc=""):
    """X (N, F) float -> label (N) int64, probabilities (N, C) float."""
    attrs = trees.attrs("class")
    attrs.update(classlabels_int64s=[int(l) for l in labels], post_transform=post_transform)
    if base_values is not None:
        attrs["base_values"] = [float(v) for v in base_values]
    node = helper.make_node("TreeEnsembleClassifier", [input_name], ["label", "probabilities"],
                            name="trees", domain="ai.onnx.ml", **attrs)
    graph = helper.make_graph(
        [node], "tree_classifier",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", n_features])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", len(labels)])])
    return finish(graph, doc)


def tree_regressor_model(trees, n_features, n_targets, base_values, aggregate, post_transform="NONE",
                         input_name="features", doc=""):
    """X (N, F) float -> value (N, n_targets) float."""
    attrs = trees.attrs("target")
    attrs.update(n_targets=n_targets, aggregate_function=aggregate, post_transform=post_transform)
    if base_values is not None:
        attrs["base_values"] = [float(v) for v in base_values]
    node = helper.make_node("TreeEnsembleRegressor", [input_name], ["value"], name="trees",
                            domain="ai.onnx.ml", **attrs)
    graph = helper.make_graph(
        [node], "tree_regressor",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", n_features])],
        [helper.make_tensor_value_info("value", TensorProto.FLOAT, ["batch", n_targets])])
    return finish(graph, doc)


def finish(graph, doc=""):
    model = helper.make_model(graph, producer_name="wisp-tabular-export", doc_string=doc,
                              opset_imports=[helper.make_opsetid("", ONNX_OPSET),
                                             helper.make_opsetid("ai.onnx.ml", ML_OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


# ---- sklearn estimators -> tree sets -----------------------------------------------------------

def gradient_boosting_trees(est):
    """GradientBoostingClassifier -> (Trees, base_values): K trees per stage (one when binary)."""
    trees = Trees()
    for stage in est.estimators_:
        for k, reg in enumerate(stage):
            trees.add_sklearn_tree(reg.tree_, k, scale=est.learning_rate)
    init = est._raw_predict_init(np.zeros((1, est.n_features_in_), dtype=np.float32))[0]
    return trees, [float(v) for v in init]


def hist_gradient_boosting_trees(est):
    """HistGradientBoostingClassifier/Regressor -> (Trees, base_values)."""
    trees = Trees()
    for iteration in est._predictors:
        for k, predictor in enumerate(iteration):
            trees.add_hgb_predictor(predictor, k)
    base = np.asarray(est._baseline_prediction, dtype=np.float64).ravel()
    return trees, [float(v) for v in base]


def forest_regressor_trees(est):
    """RandomForestRegressor (one target) -> Trees, to average."""
    trees = Trees()
    for reg in est.estimators_:
        trees.add_sklearn_tree(reg.tree_, 0)
    return trees


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def trees_raw_scores(trees, X, n_out):
    """Evaluates exported Trees on float32 rows (N, F) in numpy: summed leaf weights (N, n_out).
    Used by the scripts to check an export against the sklearn model before writing it."""
    X = np.asarray(X, dtype=np.float32)
    n = trees.nodes
    key = {(t, i): j for j, (t, i) in enumerate(zip(n["treeids"], n["nodeids"]))}
    weights = {}
    for t, i, k, v in zip(*(trees.w[c] for c in ("treeids", "nodeids", "ids", "weights"))):
        weights.setdefault(key[(t, i)], []).append((k, v))
    roots = {}
    for j, t in enumerate(n["treeids"]):
        roots.setdefault(t, j)
    out = np.zeros((len(X), n_out), dtype=np.float64)
    for r, x in enumerate(X):
        for t, j in roots.items():
            while n["modes"][j] != "LEAF":
                v = x[n["featureids"][j]]
                go = v <= np.float32(n["values"][j]) or (np.isnan(v) and n["missing_value_tracks_true"][j])
                j = key[(t, n["truenodeids"][j] if go else n["falsenodeids"][j])]
            for k, w in weights.get(j, []):
                out[r, k] += w
    return out
