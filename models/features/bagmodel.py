"""Shared training code for the OmniCX hashed n-gram classifiers ("hashbag-v1").

Architecture (identical for intent, the intent benchmark and sentiment):
    e_j   = E[ids_j]                        (E: NUM_IDS x D table, row 0 = padding = 0)
    x     = sum_j mask_j * e_j / sqrt(max(1, sum_j mask_j)) + c
    logits = W x + b,  probs = softmax(logits)
Trained in float32 with feature dropout (each id of a training example dropped with p=fdrop,
which also lowers the count), SparseAdam for E, AdamW for the rest, linear LR decay.
After training, only the rows of E seen in training (in >= min_count examples) are kept, in a compact
table: rowmap[id] -> row (0 = dropped/unseen = zero vector); the table is quantized per row to int8
(scale_r = max|E_r| / 127); the ONNX model gathers rowmap, the int8 row and scale_r and multiplies,
and every figure reported by our scripts is measured with that quantized model.
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hashing as H  # noqa: E402

ARCH = "hashbag-v1"
DEFAULTS = dict(min_count=1, dim=128, epochs=15, batch=32, lr=1e-3, emb_lr=5e-3, fdrop=0.6, init=0.01, seed=0)


def featurize(texts, log=print, every=20000):
    out = []
    t0 = time.time()
    for k, t in enumerate(texts):
        out.append(H.text_to_ids(t))
        if log and (k + 1) % every == 0:
            log(f"  featurized {k + 1}/{len(texts)} ({time.time() - t0:.1f}s)")
    return out


def pad(rows):
    T = max(1, max((len(r) for r in rows), default=1))
    ids = np.zeros((len(rows), T), dtype=np.int64)
    mask = np.zeros((len(rows), T), dtype=np.float32)
    for k, r in enumerate(rows):
        ids[k, :len(r)] = r
        mask[k, :len(r)] = 1.0
    return torch.from_numpy(ids), torch.from_numpy(mask)


def bag(e, mask):
    s = (e * mask.unsqueeze(-1)).sum(1)
    n = torch.sqrt(torch.clamp(mask.sum(1, keepdim=True), min=1.0))
    return s / n


class BagClassifier(nn.Module):
    """Float model used for training."""

    def __init__(self, num_rows, num_labels, dim, init):
        super().__init__()
        # rows = 1 + number of distinct feature ids in the training data (ids are remapped to rows)
        self.emb = nn.Embedding(num_rows, dim, padding_idx=0, sparse=True)
        nn.init.uniform_(self.emb.weight, -init, init)
        with torch.no_grad():
            self.emb.weight[0].zero_()
        self.c = nn.Parameter(torch.zeros(dim))
        self.out = nn.Linear(dim, num_labels)

    def forward(self, ids, mask):
        return self.out(bag(self.emb(ids), mask) + self.c)


class QuantBagClassifier(nn.Module):
    """Exported model. Only rows of E seen in training are stored: rowmap (int32 [NUM_IDS]) maps a
    feature id to its row in the int8 table q ([V, D], row 0 = zeros), scale[V] dequantizes it.
    Outputs (logits, probs)."""

    def __init__(self, rowmap, q, scale, c, weight, bias):
        super().__init__()
        self.register_buffer("rowmap", rowmap)  # int32 [NUM_IDS]
        self.register_buffer("q", q)            # int8 [V, D]
        self.register_buffer("scale", scale)    # float32 [V]
        self.c = nn.Parameter(c)
        self.out = nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            self.out.weight.copy_(weight)
            self.out.bias.copy_(bias)

    def forward(self, ids, mask):
        rows = self.rowmap[ids].long()
        e = self.q[rows].to(torch.float32) * self.scale[rows].unsqueeze(-1)
        logits = self.out(bag(e, mask) + self.c)
        return logits, torch.softmax(logits, dim=-1)


def quantize(model, vocab, counts, min_count=1):
    """vocab: {feature id: training row}; counts: {feature id: number of training examples containing it}.
    Ids seen in fewer than min_count examples are dropped (row 0 = zero vector)."""
    kept = sorted(i for i in vocab if counts[i] >= min_count)
    E = model.emb.weight.detach()
    W = torch.cat([torch.zeros(1, E.shape[1]), E[torch.tensor([vocab[i] for i in kept], dtype=torch.long)]])
    rowmap = torch.zeros(H.NUM_IDS, dtype=torch.int32)
    rowmap[torch.tensor(kept, dtype=torch.long)] = torch.arange(1, len(kept) + 1, dtype=torch.int32)
    amax = W.abs().max(dim=1).values
    scale = torch.where(amax > 0, amax / 127.0, torch.zeros_like(amax)).to(torch.float32)
    q = torch.round(W / torch.where(scale > 0, scale, torch.ones_like(scale)).unsqueeze(1))
    q = q.clamp(-127, 127).to(torch.int8)
    qm = QuantBagClassifier(rowmap, q, scale, model.c.detach().clone(), model.out.weight.detach().clone(),
                            model.out.bias.detach().clone())
    qm.eval()
    return qm


def train(id_rows, y, num_labels, cfg=None, sample_weight=None, log=print):
    """id_rows: list of id lists; y: list of int labels. Returns the QUANTIZED model."""
    cfg = dict(DEFAULTS, **(cfg or {}))
    torch.manual_seed(cfg["seed"])
    np.random.seed(cfg["seed"])
    vocab, counts = {}, {}
    for r in id_rows:
        for i in r:
            if i not in vocab:
                vocab[i] = len(vocab) + 1
            counts[i] = counts.get(i, 0) + 1
    X, M = pad([[vocab[i] for i in r] for r in id_rows])
    lens = torch.tensor([max(1, len(r)) for r in id_rows])
    Y = torch.tensor(y, dtype=torch.long)
    SW = torch.tensor(sample_weight, dtype=torch.float32) if sample_weight is not None else None
    N = len(id_rows)
    model = BagClassifier(len(vocab) + 1, num_labels, cfg["dim"], cfg["init"])
    o_emb = torch.optim.SparseAdam([model.emb.weight], lr=cfg["emb_lr"])
    o_rest = torch.optim.AdamW([model.c] + list(model.out.parameters()), lr=cfg["lr"], weight_decay=0.0)
    steps = cfg["epochs"] * math.ceil(N / cfg["batch"])
    step = 0
    t_start = time.time()
    log(f"training {ARCH}: {N} examples, {num_labels} labels, dim {cfg['dim']}, {cfg['epochs']} epochs")
    for ep in range(cfg["epochs"]):
        model.train()
        perm = torch.randperm(N)
        tot, t0 = 0.0, time.time()
        for b in range(0, N, cfg["batch"]):
            idx = perm[b:b + cfg["batch"]]
            T = int(lens[idx].max())
            ids, m = X[idx, :T], M[idx, :T]
            if cfg["fdrop"] > 0:
                m = m * (torch.rand_like(m) >= cfg["fdrop"]).float()
            frac = 1.0 - step / steps
            step += 1
            for g in o_emb.param_groups:
                g["lr"] = cfg["emb_lr"] * frac
            for g in o_rest.param_groups:
                g["lr"] = cfg["lr"] * frac
            per = F.cross_entropy(model(ids, m), Y[idx], reduction="none")
            loss = (per * SW[idx]).sum() / SW[idx].sum() if SW is not None else per.mean()
            o_emb.zero_grad()
            o_rest.zero_grad()
            loss.backward()
            o_emb.step()
            o_rest.step()
            tot += loss.item() * len(idx)
        log(f"  epoch {ep + 1}/{cfg['epochs']}  loss {tot / N:.4f}  {time.time() - t0:.1f}s  "
            f"(elapsed {time.time() - t_start:.0f}s)")
    qm = quantize(model, vocab, counts, cfg["min_count"])
    log(f"quantized: {qm.q.shape[0] - 1} feature rows kept (min_count {cfg['min_count']})")
    return qm


@torch.no_grad()
def predict_proba(qmodel, id_rows, batch=512):
    out = []
    for i in range(0, len(id_rows), batch):
        ids, m = pad(id_rows[i:i + batch])
        out.append(qmodel(ids, m)[1])
    return torch.cat(out).numpy() if out else np.zeros((0, qmodel.out.out_features), np.float32)


def export_onnx(qmodel, path):
    ids, mask = pad([[1, 2, 3], [4]])
    torch.onnx.export(
        qmodel, (ids, mask), path, opset_version=14,
        input_names=["ids", "mask"], output_names=["logits", "probs"],
        dynamic_axes={"ids": {0: "batch", 1: "len"}, "mask": {0: "batch", 1: "len"},
                      "logits": {0: "batch"}, "probs": {0: "batch"}},
        do_constant_folding=True)
    return os.path.getsize(path)


def input_spec(num_labels):
    return {
        "inputs": {
            "ids": {"type": "int64", "shape": ["batch", "len"],
                    "desc": "feature ids from omnicx-hash-v1 (models/features/spec.md), padded with 0; len >= 1, len <= maxLen"},
            "mask": {"type": "float32", "shape": ["batch", "len"], "desc": "1 for a real id, 0 for padding"},
        },
        "outputs": {
            "logits": {"type": "float32", "shape": ["batch", num_labels]},
            "probs": {"type": "float32", "shape": ["batch", num_labels], "desc": "softmax(logits)"},
        },
        "architecture": ARCH,
    }


@torch.no_grad()
def fit_temperature(qmodel, id_rows, y, log=print):
    """Temperature scaling: pick T minimizing NLL of softmax(logits / T) on (id_rows, y), grid 0.5..10,
    then fold it into the output layer (W /= T, b /= T). Returns T."""
    logits = []
    for i in range(0, len(id_rows), 512):
        ids, m = pad(id_rows[i:i + 512])
        logits.append(qmodel(ids, m)[0])
    L = torch.cat(logits)
    Y = torch.tensor(y, dtype=torch.long)
    grid = [0.5 + 0.05 * k for k in range(191)]
    nll = [float(F.cross_entropy(L / t, Y)) for t in grid]
    T = grid[int(np.argmin(nll))]
    qmodel.out.weight.div_(T)
    qmodel.out.bias.div_(T)
    log(f"temperature {T:.2f} (calibration NLL {nll[grid.index(1.0)]:.4f} at T=1 -> {min(nll):.4f})")
    return T


def ece(probs, y, bins=10):
    """Expected calibration error of the top-1 confidence."""
    conf = probs.max(1)
    correct = probs.argmax(1) == np.asarray(y)
    e = 0.0
    for b in range(bins):
        sel = (conf > b / bins) & (conf <= (b + 1) / bins)
        if sel.any():
            e += sel.mean() * abs(conf[sel].mean() - correct[sel].mean())
    return float(e)


@torch.no_grad()
def write_check(qmodel, texts, path, n=300, to_ids=None):
    """Dump n texts, their ids and the torch (quantized model) outputs, for verify-onnx.cjs. `to_ids`: the model's
    featurization (default: H.text_to_ids; the sentiment model appends its negation ids)."""
    texts = list(texts)[:n]
    rows = [(to_ids or H.text_to_ids)(t) for t in texts]
    logits, probs = [], []
    for r in rows:  # one at a time: no padding involved
        ids, m = pad([r])
        lo, pr = qmodel(ids, m)
        logits.append(lo[0].tolist())
        probs.append(pr[0].tolist())
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"texts": texts, "ids": rows, "logits": logits, "probs": probs}, f)
