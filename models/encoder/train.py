"""Train the OmniCX sentence encoder (models/encoder/model.onnx + manifest.json + reference.json).

  /usr/bin/python3 models/encoder/train.py [--data /work/shared/datasets] [--out models/encoder]

Architecture "hashbag-encoder-v1": the omnicx-hash-v1 ids of a message (the same ids every default model
takes, models/features/spec.md), an embedding bag over a compact int8 table (bagmodel.py's export scheme),
one small residual tanh layer, L2 normalization inside the graph:
    b = sum_j mask_j * E[ids_j] / sqrt(max(1, sum_j mask_j))
    h = b + tanh(W1 b + c1)          (W1: D x D)
    y = h / max(||h||, 1e-6)          -> output "embeddings" [batch, D]
An empty message (no id) gives h = tanh(c1), a fixed unit vector: the same for every empty text.

Training: InfoNCE with in-batch negatives (temperature TEMP) on
  - same-intent pairs: Bitext (27 intents), Banking77 (77) and CLINC150 (150), anchor and positive two different
    texts of one intent; in-batch texts of the anchor's intent are masked out of the negatives;
  - Bitext instruction -> response pairs (symmetric loss; other responses of the batch are the negatives).
Held-out (never trained on; eval-retrieval.ts recomputes the same rule from the manifest's "split" block):
  - a text is held out when fnv1a32(SALT + "|" + tokens joined by " ") % 100 < HELD_OUT_PERCENT
    (tokens = omnicx-hash-v1 tokenization, so the rule is identical in Python and TypeScript);
    for Bitext the instruction decides, and its pair is held out with it;
  - whole intents of Banking77 / CLINC150 are unseen when fnv1a32(INTENT_SALT + "|" + source + "|" + intent)
    % 100 < UNSEEN_INTENT_PERCENT: none of their rows is trained on (they measure custom intents learned
    from a few examples at run time).
"""
import argparse
import csv
import datetime
import json
import math
import os
import pickle
import random
import sys
import time
from collections import Counter, defaultdict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "features"))
import bagmodel as BM  # noqa: E402
import hashing as H  # noqa: E402

ARCH = "hashbag-encoder-v1"
SALT = "omnicx-encoder-split-v1"
HELD_OUT_PERCENT = 15
INTENT_SALT = "omnicx-encoder-intent-v1"
UNSEEN_INTENT_PERCENT = 20
DEFAULTS = dict(dim=128, epochs=8, batch=128, qa_batch=64, temp=0.05, lr=1e-3, emb_lr=3e-3, fdrop=0.3,
                init=0.05, min_count=2, hidden=True, seed=0, qa_weight=1.0, qa_intents=4)


def log(s):
    print(s, flush=True)


def token_key(text):
    return " ".join(t for t, _ in H.tokenize(text))


def held_out(text):
    return H.fnv1a32(SALT + "|" + token_key(text)) % 100 < HELD_OUT_PERCENT


def unseen_intent(source, intent):
    return H.fnv1a32(INTENT_SALT + "|" + source + "|" + intent) % 100 < UNSEEN_INTENT_PERCENT


def load(data):
    """Returns dict with bitext [(instruction, intent, response, sample)], banking77 / clinc150 [(text, intent)].
    Texts are deduplicated by token key (first occurrence wins), so identical-feature texts never straddle the
    split."""
    seen = set()
    bitext = []
    for fn, sample in (("bitext-sample-a.csv", "a"), ("bitext-sample-b.csv", "b")):
        with open(os.path.join(data, "bitext", fn), newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                k = token_key(r["instruction"])
                if k and k not in seen:
                    seen.add(k)
                    bitext.append((r["instruction"], r["intent"], r["response"], sample))
    banking = []
    seen = set()
    with open(os.path.join(data, "banking77", "train.csv"), newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            k = token_key(r["text"])
            if k and k not in seen:
                seen.add(k)
                banking.append((r["text"], r["category"]))
    clinc = []
    seen = set()
    with open(os.path.join(data, "clinc150", "train_val.json"), encoding="utf-8") as f:
        d = json.load(f)
    for text, intent in d["train"] + d["val"]:
        k = token_key(text)
        if k and k not in seen:
            seen.add(k)
            clinc.append((text, intent))
    return {"bitext": bitext, "banking77": banking, "clinc150": clinc}


class Encoder(nn.Module):
    def __init__(self, num_rows, dim, init, hidden):
        super().__init__()
        self.emb = nn.Embedding(num_rows, dim, padding_idx=0, sparse=True)
        nn.init.normal_(self.emb.weight, 0.0, init)
        with torch.no_grad():
            self.emb.weight[0].zero_()
        self.hidden = hidden
        if hidden:
            self.lin = nn.Linear(dim, dim)
            nn.init.zeros_(self.lin.weight)
            nn.init.zeros_(self.lin.bias)

    def forward(self, ids, mask):
        b = BM.bag(self.emb(ids), mask)
        if self.hidden:
            b = b + torch.tanh(self.lin(b))
        return F.normalize(b, dim=-1, eps=1e-6)


class QuantEncoder(nn.Module):
    """Exported model: rowmap (int32 [NUM_IDS]) -> int8 row of q ([V, D], row 0 = zeros) * scale[row]."""

    def __init__(self, rowmap, q, scale, lin):
        super().__init__()
        self.register_buffer("rowmap", rowmap)
        self.register_buffer("q", q)
        self.register_buffer("scale", scale)
        self.lin = lin

    def forward(self, ids, mask):
        rows = self.rowmap[ids].long()
        e = self.q[rows].to(torch.float32) * self.scale[rows].unsqueeze(-1)
        b = BM.bag(e, mask)
        if self.lin is not None:
            b = b + torch.tanh(self.lin(b))
        n = torch.sqrt((b * b).sum(-1, keepdim=True))
        return b / torch.clamp(n, min=1e-6)


def quantize(model, vocab, counts, min_count):
    kept = sorted(i for i in vocab if counts[i] >= min_count)
    E = model.emb.weight.detach()
    W = torch.cat([torch.zeros(1, E.shape[1]), E[torch.tensor([vocab[i] for i in kept], dtype=torch.long)]])
    rowmap = torch.zeros(H.NUM_IDS, dtype=torch.int32)
    rowmap[torch.tensor(kept, dtype=torch.long)] = torch.arange(1, len(kept) + 1, dtype=torch.int32)
    amax = W.abs().max(dim=1).values
    scale = torch.where(amax > 0, amax / 127.0, torch.zeros_like(amax)).to(torch.float32)
    q = torch.round(W / torch.where(scale > 0, scale, torch.ones_like(scale)).unsqueeze(1)).clamp(-127, 127)
    lin = None
    if model.hidden:
        lin = nn.Linear(E.shape[1], E.shape[1])
        with torch.no_grad():
            lin.weight.copy_(model.lin.weight)
            lin.bias.copy_(model.lin.bias)
    qm = QuantEncoder(rowmap, q.to(torch.int8), scale, lin)
    qm.eval()
    return qm


@torch.no_grad()
def encode(model, id_rows, batch=256):
    """id_rows: lists of feature ids (for the float model: already remapped to training rows)."""
    out = []
    order = sorted(range(len(id_rows)), key=lambda k: len(id_rows[k]))
    res = [None] * len(id_rows)
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        ids, m = BM.pad([id_rows[k] for k in idx])
        y = model(ids, m)
        for j, k in enumerate(idx):
            res[k] = y[j]
    out = torch.stack(res) if res else torch.zeros(0, 1)
    return out.numpy()


# ---------------------------------------------------------------------------------------------- evaluation

def ranks_of_first_relevant(Q, D, relevant):
    """Q [nq, d], D [nd, d] unit rows; relevant: list of sets of doc indices. Returns the 1-based rank of the
    best-scored relevant doc per query (exact cosine); ties count against it: rank = 1 + number of non-relevant
    docs scoring >= it (the same rule as bench/eval-retrieval.ts)."""
    S = Q @ D.T
    out = []
    for k in range(len(Q)):
        rel = np.zeros(S.shape[1], dtype=bool)
        rel[list(relevant[k])] = True
        best = S[k, rel].max()
        out.append(1 + int(((S[k] >= best) & ~rel).sum()))
    return np.array(out)


def summarize(r):
    return {"n": int(len(r)), "recall@1": float((r <= 1).mean()), "recall@5": float((r <= 5).mean()),
            "mrr": float((1.0 / r).mean())}


def evaluate(enc_fn, data, log=log):
    """The same tasks as bench/eval-retrieval.ts (which is the reference; this is the training-time check)."""
    res = {}
    bt = data["bitext"]
    docs = sorted(set(x[2] for x in bt))
    di = {d: i for i, d in enumerate(docs)}
    D = enc_fn(docs)
    q = [x for x in bt if held_out(x[0])]
    Q = enc_fn([x[0] for x in q])
    faq = sorted({(x[1], x[2]) for x in bt if x[3] == "b"})  # Bitext sample b: one answer per intent
    fi = {intent: k for k, (intent, _) in enumerate(faq)}
    res["kb27-faq"] = summarize(ranks_of_first_relevant(Q, enc_fn([r for _, r in faq]), [{fi[x[1]]} for x in q]))
    qa_ = [k for k, x in enumerate(q) if x[3] == "a"]
    res["kb-own-answer"] = summarize(ranks_of_first_relevant(Q[qa_], D, [{di[q[k][2]]} for k in qa_]))
    by_int = defaultdict(set)
    for x in bt:
        by_int[x[1]].add(di[x[2]])
    res["kb-intent"] = summarize(ranks_of_first_relevant(Q, D, [by_int[x[1]] for x in q]))
    for src in ("banking77", "clinc150"):
        rows = [x for x in data[src] if not unseen_intent(src, x[1])]
        tr = [x for x in rows if not held_out(x[0])]
        te = [x for x in rows if held_out(x[0])]
        T = enc_fn([x[0] for x in tr])
        Qs = enc_fn([x[0] for x in te])
        lab = defaultdict(set)
        for j, x in enumerate(tr):
            lab[x[1]].add(j)
        res[f"{src}-para"] = summarize(ranks_of_first_relevant(Qs, T, [lab[x[1]] for x in te]))
        # few-shot on unseen intents: 5 examples per intent (the first 5 in file order) -> centroid
        un = [x for x in data[src] if unseen_intent(src, x[1])]
        shots, rest = defaultdict(list), []
        for x in un:
            (shots[x[1]].append(x[0]) if len(shots[x[1]]) < 5 else rest.append(x))
        names = sorted(shots)
        C = np.stack([enc_fn(shots[n]).mean(0) for n in names])
        C /= np.linalg.norm(C, axis=1, keepdims=True)
        R = enc_fn([x[0] for x in rest])
        pred = (R @ C.T).argmax(1)
        res[f"{src}-unseen"] = {"n": len(rest), "intents": len(names),
                                     "accuracy": float(np.mean([names[p] == x[1] for p, x in zip(pred, rest)]))}
    log("  eval: " + "  ".join(f"{k} " + "/".join(f"{v:.3f}" for kk, v in m.items() if kk not in ("n", "intents"))
                               for k, m in res.items()))
    return res


# ---------------------------------------------------------------------------------------------- training

def build_training(data):
    groups = defaultdict(list)  # label -> list of text indices
    texts = []
    qa = []  # (instruction index, response index)
    resp_index = {}
    for inst, intent, resp, _ in data["bitext"]:
        if held_out(inst):
            continue
        groups["bitext:" + intent].append(len(texts))
        qi = len(texts)
        texts.append(inst)
        if resp not in resp_index:
            resp_index[resp] = len(texts)
            texts.append(resp)
        qa.append((qi, resp_index[resp], intent))
    for src in ("banking77", "clinc150"):
        for text, intent in data[src]:
            if held_out(text) or unseen_intent(src, intent):
                continue
            groups[src + ":" + intent].append(len(texts))
            texts.append(text)
    return texts, groups, qa


def qa_order(qa, QB, per_batch, rnd):
    """An epoch's order of the instruction->response pairs. per_batch = 0: random. Otherwise each run of QB
    consecutive pairs comes from per_batch intents only, so a query's negatives are mostly responses of its own
    intent (hard negatives: the model must find its own answer, not just the intent's)."""
    if not per_batch:
        perm = list(range(len(qa)))
        rnd.shuffle(perm)
        return perm
    by = defaultdict(list)
    for k, p in enumerate(qa):
        by[p[2]].append(k)
    chunks = []
    size = QB // per_batch
    for ks in by.values():
        rnd.shuffle(ks)
        chunks += [ks[i:i + size] for i in range(0, len(ks) - size + 1, size)]
    rnd.shuffle(chunks)
    return [k for c in chunks for k in c]


def info_nce(a, p, temp, neg_mask=None):
    """a, p: [B, D] unit rows; row k's positive is p[k]; neg_mask[k, j] True removes p[j] (j != k) from
    row k's negatives. Returns the mean loss."""
    S = a @ p.T / temp
    if neg_mask is not None:
        S = S.masked_fill(neg_mask, -1e4)
    return F.cross_entropy(S, torch.arange(len(a)))


def train(data, cfg, fast_eval=True):
    torch.manual_seed(cfg["seed"])
    rnd = random.Random(cfg["seed"])
    texts, groups, qa = build_training(data)
    log(f"training texts {len(texts)} (groups {len(groups)}, instruction->response pairs {len(qa)})")
    t0 = time.time()
    rows = BM.featurize(texts, log)
    log(f"featurized in {time.time() - t0:.0f}s")
    vocab, counts = {}, Counter()
    for r in rows:
        for i in r:
            if i not in vocab:
                vocab[i] = len(vocab) + 1
        counts.update(r)
    mapped = [[vocab[i] for i in r] for r in rows]
    log(f"vocabulary {len(vocab)} ids; seen in >= {cfg['min_count']} texts: "
        f"{sum(1 for v in counts.values() if v >= cfg['min_count'])}")
    model = Encoder(len(vocab) + 1, cfg["dim"], cfg["init"], cfg["hidden"])
    o_emb = torch.optim.SparseAdam([model.emb.weight], lr=cfg["emb_lr"])
    dense = list(model.lin.parameters()) if cfg["hidden"] else []
    o_rest = torch.optim.Adam(dense, lr=cfg["lr"]) if dense else None
    labels = sorted(groups)
    label_of = {}
    for li, l in enumerate(labels):
        for k in groups[l]:
            label_of[k] = li
    anchors = [k for l in labels for k in groups[l] if len(groups[l]) > 1]
    B, QB = cfg["batch"], cfg["qa_batch"]
    steps_per_epoch = math.ceil(len(anchors) / B)
    total = cfg["epochs"] * steps_per_epoch
    step = 0

    def batch_tensors(idx, drop):
        ids, m = BM.pad([mapped[k] for k in idx])
        if drop > 0:
            m = m * (torch.rand_like(m) >= drop).float()
        return ids, m

    qa_perm, qa_pos = [], 0
    t_start = time.time()
    for ep in range(cfg["epochs"]):
        model.train()
        rnd.shuffle(anchors)
        tot_p = tot_q = 0.0
        te = time.time()
        for s in range(steps_per_epoch):
            frac = 1.0 - step / total
            step += 1
            for g in o_emb.param_groups:
                g["lr"] = cfg["emb_lr"] * frac
            if o_rest:
                for g in o_rest.param_groups:
                    g["lr"] = cfg["lr"] * frac
            a_idx = anchors[s * B:(s + 1) * B]
            p_idx = []
            for k in a_idx:
                g = groups[labels[label_of[k]]]
                j = k
                while j == k:
                    j = g[rnd.randrange(len(g))]
                p_idx.append(j)
            lab = torch.tensor([label_of[k] for k in a_idx])
            same = (lab.unsqueeze(0) == lab.unsqueeze(1)) & ~torch.eye(len(a_idx), dtype=torch.bool)
            ya = model(*batch_tensors(a_idx, cfg["fdrop"]))
            yp = model(*batch_tensors(p_idx, cfg["fdrop"]))
            loss_p = 0.5 * (info_nce(ya, yp, cfg["temp"], same) + info_nce(yp, ya, cfg["temp"], same))
            loss = loss_p
            if QB > 0 and cfg["qa_weight"] > 0:
                if qa_pos + QB > len(qa_perm):
                    qa_perm = qa_order(qa, QB, cfg["qa_intents"], rnd)
                    qa_pos = 0
                pairs = [qa[k] for k in qa_perm[qa_pos:qa_pos + QB]]
                qa_pos += QB
                # the same response may appear twice in a batch (Bitext sample b: one response per intent)
                r = torch.tensor([p[1] for p in pairs])
                dup = (r.unsqueeze(0) == r.unsqueeze(1)) & ~torch.eye(len(pairs), dtype=torch.bool)
                yq = model(*batch_tensors([p[0] for p in pairs], cfg["fdrop"]))
                yr = model(*batch_tensors([p[1] for p in pairs], cfg["fdrop"]))
                loss_q = 0.5 * (info_nce(yq, yr, cfg["temp"], dup) + info_nce(yr, yq, cfg["temp"], dup))
                loss = loss + cfg["qa_weight"] * loss_q
                tot_q += loss_q.item()
            o_emb.zero_grad()
            if o_rest:
                o_rest.zero_grad()
            loss.backward()
            o_emb.step()
            if o_rest:
                o_rest.step()
            tot_p += loss_p.item()
        log(f"  epoch {ep + 1}/{cfg['epochs']}  paraphrase loss {tot_p / steps_per_epoch:.4f}  "
            f"qa loss {tot_q / steps_per_epoch:.4f}  {time.time() - te:.0f}s (elapsed {time.time() - t_start:.0f}s)")
        if fast_eval and (ep + 1) % cfg.get("eval_every", 1000) == 0:
            model.eval()
            evaluate(lambda ts: encode(model, [[vocab.get(i, 0) for i in H.text_to_ids(t)] for t in ts]), data)
    model.eval()
    qm = quantize(model, vocab, counts, cfg["min_count"])
    log(f"quantized: {qm.q.shape[0] - 1} rows kept (min_count {cfg['min_count']})")
    return qm, {"texts": len(texts), "groups": len(groups), "qaPairs": len(qa), "vocabulary": len(vocab),
                "rowsKept": int(qm.q.shape[0] - 1), "seconds": round(time.time() - t_start, 1)}


def export_onnx(qm, path):
    ids, mask = BM.pad([[1, 2, 3], [4]])
    torch.onnx.export(
        qm, (ids, mask), path, opset_version=14, input_names=["ids", "mask"], output_names=["embeddings"],
        dynamic_axes={"ids": {0: "batch", 1: "len"}, "mask": {0: "batch", 1: "len"}, "embeddings": {0: "batch"}},
        do_constant_folding=True)
    return os.path.getsize(path)


REFERENCE_TEXTS = [
    "where is my package",
    "track my order",
    "I want to delete my account",
    "How do I reset my password? I forgot it!!",
    "",
    "   ",
    "😡😡😡",
    "أين طلبي",
    "我的订单在哪里",
    "cancel order #4711 please, it's been 3 weeks",
    "Ich möchte mein Konto löschen",
]


@torch.no_grad()
def write_reference(qm, path):
    out = []
    for t in REFERENCE_TEXTS:
        ids = H.text_to_ids(t)
        i, m = BM.pad([ids])
        out.append({"text": t, "ids": ids, "embedding": [round(float(v), 7) for v in qm(i, m)[0]]})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"note": "embeddings computed by torch (the quantized model) in models/encoder/train.py; "
                           "the TypeScript test checks onnxruntime-node reproduces them within 1e-3",
                   "vectors": out}, f, ensure_ascii=False)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/datasets")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--config", default="{}", help="JSON overrides of the training config (experiments)")
    ap.add_argument("--no-export", action="store_true", help="train and evaluate only (experiments)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()
    cfg = dict(DEFAULTS, **json.loads(a.config))
    log(f"config {cfg}")
    data = load(a.data)
    log("data: " + ", ".join(f"{k} {len(v)}" for k, v in data.items()))
    qm, info = train(data, cfg)
    log("held-out evaluation of the quantized model (exact cosine):")
    res = evaluate(lambda ts: encode(qm, [H.text_to_ids(t) for t in ts]), data)
    if a.no_export:
        return
    os.makedirs(a.out, exist_ok=True)
    size = export_onnx(qm, os.path.join(a.out, "model.onnx"))
    write_reference(qm, os.path.join(a.out, "reference.json"))
    log(f"wrote {a.out}/model.onnx ({size / 1e6:.2f} MB) and reference.json")
    mpath = os.path.join(a.out, "manifest.json")
    old = {}
    if os.path.exists(mpath):
        with open(mpath, encoding="utf-8") as f:
            old = json.load(f)
    manifest = {
        "name": "encoder",
        "task": "sentence-embedding",
        "version": 1,
        "date": datetime.date.today().isoformat(),
        "dimensions": cfg["dim"],
        "normalization": "L2 (inside the graph): every output row has unit norm; an empty message gives the fixed "
                         "vector normalize(tanh(c1)), the same for every text with no feature id",
        "similarity": "cosine = dot product of two outputs",
        "input": {
            "inputs": {
                "ids": {"type": "int64", "shape": ["batch", "len"],
                        "desc": "feature ids from omnicx-hash-v1 (models/features/spec.md), padded with 0; "
                                "1 <= len <= maxLen"},
                "mask": {"type": "float32", "shape": ["batch", "len"], "desc": "1 for a real id, 0 for padding"},
            },
            "outputs": {"embeddings": {"type": "float32", "shape": ["batch", cfg["dim"]],
                                       "desc": "L2-normalized sentence embedding"}},
            "architecture": ARCH,
            "graph": "b = sum(mask*E[ids])/sqrt(max(1,sum(mask))); h = b + tanh(W1 b + c1); y = h/max(|h|,1e-6); "
                     "E = int8 rows (per-row scale) of the ids seen in >= minCount training texts, reached "
                     "through an int32 rowmap (other ids: zero row)" if cfg["hidden"] else "no hidden layer",
        },
        "features": H.spec_dict(),
        "split": {
            "heldOut": {"rule": "fnv1a32(salt + '|' + tokens.join(' ')) % 100 < percent, tokens = omnicx-hash-v1 "
                                "tokenization of the text (Bitext: of the instruction; its response pair goes with "
                                "it). Texts are deduplicated by that token key per source, first occurrence wins.",
                        "salt": SALT, "percent": HELD_OUT_PERCENT},
            "unseenIntents": {"rule": "Banking77 / CLINC150 intent never trained on (no row of it) when "
                                      "fnv1a32(salt + '|' + source + '|' + intent) % 100 < percent",
                              "salt": INTENT_SALT, "percent": UNSEEN_INTENT_PERCENT,
                              "intents": {src: sorted({x[1] for x in data[src] if unseen_intent(src, x[1])})
                                          for src in ("banking77", "clinc150")}},
        },
        "training": {
            "script": "models/encoder/train.py",
            "command": "/usr/bin/python3 models/encoder/train.py --data /work/shared/datasets",
            "config": cfg,
            "loss": "InfoNCE, in-batch negatives, symmetric; same-intent pairs (in-batch texts of the anchor's "
                    "intent masked out of the negatives) + Bitext instruction->response pairs",
            "data": [
                {"name": "Bitext customer-support sample (a+b), instructions, intents and responses",
                 "licence": "CDLA-Sharing-1.0", "source": "bitext/customer-support-llm-chatbot-training-dataset"},
                {"name": "Banking77 train", "licence": "CC BY 4.0",
                 "source": "PolyAI task-specific-datasets (Casanueva et al. 2020)"},
                {"name": "CLINC150 train+val (in-scope only)", "licence": "CC BY 3.0",
                 "source": "clinc/oos-eval (Larson et al. 2019)"},
            ],
            **info,
            "totalSeconds": round(time.time() - t0, 1),
            "threads": 1,
        },
        "metrics": {"trainingTimeCheck": {"note": "measured by train.py on the quantized torch model; the reference "
                                                  "figures (with the BM25 / TF-IDF baselines) are in 'retrieval'",
                                          "results": res}},
        "sizeBytes": size,
    }
    if "retrieval" in old.get("metrics", {}):
        log("the previous manifest's metrics.retrieval belong to the previous model: dropped; re-measure with "
            "npm run eval:retrieval -- --update-manifest")
    with open(mpath, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")
    log(f"wrote manifest; total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
