"""Rewrites a hashbag-v1 ONNX graph (as torch exports it from bagmodel.QuantBag) into an equivalent, cheaper one.

  /usr/bin/python3 models/features/optimize_bag.py IN.onnx OUT.onnx
  NODE_PATH=node_modules node models/features/compare-onnx.cjs IN.onnx OUT.onnx   # the check, in onnxruntime
  /usr/bin/python3 models/features/optimize_bag.py --help

Same inputs (`ids` int64, `mask` float32 [batch, len]) and outputs (`logits`/`probs`, or `embeddings`), same math up
to int8 rounding. Two rewrites, because the cost of a bag model in onnxruntime is memory traffic over the gathered
[batch, len, D] tensor (one pass per op), not arithmetic:

1. Dequantize before the gather. The export gathers int8 rows, casts them and multiplies by their gathered scales:
   three passes over [batch, len, D]. Here the table is dequantized once (Cast(q) * scale over the initializers,
   which onnxruntime constant-folds when it loads the session: the file stays int8) and float rows are gathered.
2. Fold a linear head into the table. When the graph ends `Add(c) -> Gemm(W, b) -> logits` (intent, sentiment), the
   logits are linear in the bag: logits = sum_j mask_j (W E[id_j]) / sqrt(n) + (W c + b). So the table becomes
   T = E W^T (one row of numLabels values per feature instead of D), requantized to int8 per row, and the head a
   bias add. For the intent model that is 31 values per id instead of 128.

compare-onnx.cjs checks the result against the input model in onnxruntime-node on real messages (Banking77, CLINC150
and SST-2 texts hashed with models/features/hashing.cjs): it prints the max |output difference|, the argmax agreement
and the CPU time of both, and fails when an argmax differs on more than 0.2 % of the texts or an output moves by more
than 0.05.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper



def init_map(graph):
    return {i.name: numpy_helper.to_array(i) for i in graph.initializer}


def find(graph, op, first_input=None):
    for n in graph.node:
        if n.op_type == op and (first_input is None or n.input[0] == first_input):
            return n
    return None


def quantize_rows(table):
    """Per-row symmetric int8: row = q * scale."""
    amax = np.abs(table).max(axis=1)
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(table / scale[:, None]), -127, 127).astype(np.int8)
    scale[amax == 0] = 0.0
    return q, scale


def build(model):
    g = model.graph
    W = init_map(g)
    q, scale, rowmap = W["q"], W["scale"], W["rowmap"]
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    gemm = find(g, "Gemm")
    head_is_linear = (
        gemm is not None and gemm.output[0] == "logits" and any(n.op_type == "Softmax" for n in g.node)
        and not any(n.op_type in ("Tanh", "Relu", "Gelu", "Sigmoid") for n in g.node)
    )
    nodes, inits = [], [numpy_helper.from_array(rowmap, "rowmap")]
    if head_is_linear:
        w = W[gemm.input[1]]
        b = W[gemm.input[2]] if len(gemm.input) > 2 else np.zeros(w.shape[0], np.float32)
        trans_b = next((a.i for a in gemm.attribute if a.name == "transB"), 0)
        if not trans_b:
            w = w.T  # Gemm(x, W) with W [D, L]: make it [L, D]
        c = W["c"] if "c" in W else np.zeros(w.shape[1], np.float32)
        table = (q.astype(np.float32) * scale[:, None]) @ w.T.astype(np.float32)  # [rows, L]
        bias = (w @ c + b).astype(np.float32)
        tq, tscale = quantize_rows(table)
        inits += [numpy_helper.from_array(tq, "q"), numpy_helper.from_array(tscale, "scale"),
                  numpy_helper.from_array(bias, "bias")]
    else:
        inits += [numpy_helper.from_array(q, "q"), numpy_helper.from_array(scale, "scale")]
    inits.append(numpy_helper.from_array(np.array([-1], np.int64), "axis_last"))
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis_len"))
    inits.append(numpy_helper.from_array(np.array(1.0, np.float32), "one"))
    # Dequantized table from initializers only: constant-folded by onnxruntime at session creation.
    nodes += [
        helper.make_node("Cast", ["q"], ["qf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["scale", "axis_last"], ["scale_col"]),
        helper.make_node("Mul", ["qf", "scale_col"], ["table"]),
        helper.make_node("Gather", ["rowmap", "ids"], ["rows"]),
        helper.make_node("Gather", ["table", "rows"], ["gathered"]),
        helper.make_node("Unsqueeze", ["mask", "axis_last"], ["mask3"]),
        helper.make_node("Mul", ["gathered", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis_len"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask", "axis_len"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Sqrt", ["count1"], ["norm"]),
        helper.make_node("Div", ["summed", "norm"], ["bag"]),
    ]
    if head_is_linear:
        nodes += [
            helper.make_node("Add", ["bag", "bias"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
        ]
        outputs = [o for o in g.output]
    else:
        # Keep the original head: every node after the bag's Div, rewired to read "bag".
        old_div = next(n for n in g.node if n.op_type == "Div" and n.input[0].startswith("/ReduceSum"))
        rename = {old_div.output[0]: "bag"}
        start = list(g.node).index(old_div) + 1
        for n in list(g.node)[start:]:
            m = onnx.NodeProto()
            m.CopyFrom(n)
            for k, name in enumerate(m.input):
                m.input[k] = rename.get(name, name)
            nodes.append(m)
        used = {i for n in nodes for i in n.input}
        inits += [i for i in g.initializer if i.name in used and i.name not in {x.name for x in inits}]
        outputs = [o for o in g.output]
    graph = helper.make_graph(nodes, g.name or "hashbag", list(g.input), outputs, inits)
    out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="omnicx-optimize_bag")
    out.ir_version = model.ir_version
    onnx.checker.check_model(out)
    return out, head_is_linear


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    a = ap.parse_args()
    model = onnx.load(a.src)
    out, folded = build(model)
    print(f"{a.src}: {'linear head folded into the table' if folded else 'dequantize-before-gather only'}")
    onnx.save(out, a.dst)
    print(f"wrote {a.dst} ({os.path.getsize(a.dst) / 1e6:.1f} MB, was {os.path.getsize(a.src) / 1e6:.1f} MB)")
    print(f"check it: NODE_PATH=node_modules node models/features/compare-onnx.cjs {a.src} {a.dst}")


if __name__ == "__main__":
    main()
