"""Intent benchmark trainer: trains the intent architecture (hashbag-v1) on any text,label CSV.

  /usr/bin/python3 models/intent/train_generic.py --train a.csv --test b.csv [--out dir]

CSV columns: text,label; label `oos` marks out-of-scope. When the TRAINING set has `oos` rows,
`oos` is learned as a class and a message is also rejected as `oos` when its best in-scope
probability is below --oos-threshold (default 0.5).
Ends with one line:  accuracy A macroF1 F [oosRecall R]
  accuracy  = share of in-scope test rows (label != oos) whose prediction equals the label
  macroF1   = macro F1 over the in-scope labels of the test set, computed on all test rows
              (an oos row predicted as X is a false positive of X)
  oosRecall = share of `oos` test rows predicted `oos` (printed only if the test set has oos rows)
With --out, writes model.onnx, labels.json and metrics.json there.
"""
import argparse
import csv
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "features"))
import bagmodel as BM  # noqa: E402

OOS = "oos"


def load_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [(r["text"] or "", (r["label"] or "").strip()) for r in csv.DictReader(f)]
    return [r[0] for r in rows], [r[1] for r in rows]


def decide(probs, labels, threshold, oos=OOS):
    """argmax, then reject to oos if the model knows oos and the best in-scope prob < threshold."""
    labels = list(labels)
    if oos not in labels:
        return [labels[i] for i in probs.argmax(1)]
    oi = labels.index(oos)
    p_in = probs.copy()
    p_in[:, oi] = -1.0
    best = p_in.argmax(1)
    out = []
    for k in range(len(probs)):
        if probs[k].argmax() == oi or p_in[k, best[k]] < threshold:
            out.append(oos)
        else:
            out.append(labels[best[k]])
    return out


def metrics(y_true, y_pred, oos=OOS):
    y_true, y_pred = np.array(y_true), np.array(y_pred)
    ins = y_true != oos
    acc = float((y_true[ins] == y_pred[ins]).mean()) if ins.any() else float("nan")
    f1s = []
    for lab in sorted(set(y_true[ins])):
        tp = int(((y_pred == lab) & (y_true == lab)).sum())
        fp = int(((y_pred == lab) & (y_true != lab)).sum())
        fn = int(((y_pred != lab) & (y_true == lab)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    res = {"accuracy": acc, "macroF1": float(np.mean(f1s)) if f1s else float("nan"), "n": int(len(y_true)),
           "nInScope": int(ins.sum())}
    if (~ins).any():
        res["oosRecall"] = float((y_pred[~ins] == oos).mean())
        res["nOos"] = int((~ins).sum())
    return res


def result_line(m):
    s = f"accuracy {m['accuracy']:.4f} macroF1 {m['macroF1']:.4f}"
    if "oosRecall" in m:
        s += f" oosRecall {m['oosRecall']:.4f}"
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out")
    ap.add_argument("--oos-threshold", type=float, default=0.5)
    ap.add_argument("--check", help="write texts/ids/torch outputs of the first 300 test rows (for verify-onnx.cjs)")
    ap.add_argument("--sweep", action="store_true", help="also print metrics for other oos thresholds")
    for k, v in BM.DEFAULTS.items():
        ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    a = ap.parse_args()
    torch.set_num_threads(1)
    cfg = {k: getattr(a, k) for k in BM.DEFAULTS}
    t0 = time.time()
    trX, trY = load_csv(a.train)
    teX, teY = load_csv(a.test)
    labels = sorted(set(trY))
    li = {l: i for i, l in enumerate(labels)}
    print(f"train {len(trX)} rows, {len(labels)} labels{' (incl. oos)' if OOS in li else ''}; test {len(teX)} rows",
          flush=True)
    log = lambda s: print(s, flush=True)  # noqa: E731
    tr_ids = BM.featurize(trX, log)
    te_ids = BM.featurize(teX, log)
    print(f"featurized in {time.time() - t0:.1f}s", flush=True)
    qm = BM.train(tr_ids, [li[y] for y in trY], len(labels), cfg, log=log)
    t1 = time.process_time()
    P = BM.predict_proba(qm, te_ids)
    cpu_ms = (time.process_time() - t1) * 1000 / max(1, len(teX))
    pred = decide(P, labels, a.oos_threshold)
    m = metrics(teY, pred)
    m["cpuMsPerMessage_torch_batch512"] = round(cpu_ms, 4)
    print(f"total {time.time() - t0:.0f}s; inference {cpu_ms:.3f} ms CPU/message (torch, batch 512)", flush=True)
    if a.sweep and OOS in li:
        for th in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7):
            print(f"  threshold {th:.1f}: {result_line(metrics(teY, decide(P, labels, th)))}", flush=True)
    if a.check:
        BM.write_check(qm, teX, a.check)
    if a.out:
        os.makedirs(a.out, exist_ok=True)
        size = BM.export_onnx(qm, os.path.join(a.out, "model.onnx"))
        with open(os.path.join(a.out, "labels.json"), "w") as f:
            json.dump({"labels": labels, "oosLabel": OOS if OOS in li else None,
                       "oosThreshold": a.oos_threshold if OOS in li else None, "config": cfg}, f, indent=1)
        with open(os.path.join(a.out, "metrics.json"), "w") as f:
            json.dump(m, f, indent=1)
        print(f"wrote {a.out}/model.onnx ({size / 1e6:.1f} MB)", flush=True)
    print(result_line(m), flush=True)


if __name__ == "__main__":
    main()
