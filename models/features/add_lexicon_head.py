"""Adds a dense lexicon term to a packed hashbag classifier (what sentiment version 5 ships):

  /usr/bin/python3 models/features/add_lexicon_head.py IN.onnx OUT.onnx WEIGHTS.json
  NODE_PATH=node_modules node models/features/verify-lexicon-head.cjs OUT.onnx CHECK.json   # the check

The graph gains an input `lexicon` (float32 [batch, 4]: VADER's compound, neg, neu, pos for each message, computed
by src/inference/lexicon at run time and by models/features/vader-features.cjs at training time) and its logits
become  logits = bag + bias + lexicon @ Wl  (Wl [4, labels], from WEIGHTS.json: {"weights": [[...] x 4]}, already
scaled by the model's temperature); probs = softmax(logits) as before. A bag of hashed n-grams cannot express what
VADER's rules compute (boosters, capitals, "but", punctuation emphasis, the compound's normalisation), so the four
scores are an input of their own instead of being folded into the table.
"""
import argparse
import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("weights", help='JSON {"weights": [[w_label...] for compound, neg, neu, pos]}')
    a = ap.parse_args()
    model = onnx.load(a.src)
    g = model.graph
    if sorted(i.name for i in g.input) != ["ids", "offsets"]:
        raise SystemExit(f"expected a packed hashbag graph with inputs ids, offsets (got {[i.name for i in g.input]})")
    producer = [n for n in g.node if "logits" in n.output]
    softmax = [n for n in g.node if n.op_type == "Softmax" and list(n.input) == ["logits"]]
    if len(producer) != 1 or len(softmax) != 1:
        raise SystemExit("expected one node producing `logits` and a Softmax reading it")
    W = np.array(json.load(open(a.weights))["weights"], dtype=np.float32)
    if W.ndim != 2 or W.shape[0] != 4:
        raise SystemExit(f"weights must be [4, labels], got {W.shape}")
    out = list(producer[0].output)
    out[out.index("logits")] = "bag_logits"
    del producer[0].output[:]
    producer[0].output.extend(out)
    at = list(g.node).index(producer[0]) + 1
    g.node.insert(at, helper.make_node("MatMul", ["lexicon", "lexicon_weights"], ["lexicon_logits"], name="lexicon_head"))
    g.node.insert(at + 1, helper.make_node("Add", ["bag_logits", "lexicon_logits"], ["logits"], name="lexicon_add"))
    g.initializer.append(numpy_helper.from_array(W, "lexicon_weights"))
    g.input.append(helper.make_tensor_value_info("lexicon", TensorProto.FLOAT, ["batch", 4]))
    onnx.checker.check_model(model)
    onnx.save(model, a.dst)
    print(f"wrote {a.dst}: lexicon input [batch, 4], weights {W.shape}, {len(g.node)} nodes")


if __name__ == "__main__":
    main()
