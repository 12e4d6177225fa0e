"""Rewrites a padded hashbag graph (inputs `ids`/`mask` [batch, len], as optimize_bag.py writes it) into the packed
form (architecture suffix "-packed"): the same model, fed without padding.

  /usr/bin/python3 models/features/pack_bag.py IN.onnx OUT.onnx
  NODE_PATH=node_modules node models/features/compare-onnx.cjs IN.onnx OUT.onnx   # the check, in onnxruntime
  /usr/bin/python3 models/features/pack_bag.py --help

Why: measured with onnxruntime's profiler on batches of 64 real messages (Banking77), the padded graph spent its time
on padding and on the reduction, not on the model: a batch is padded to its longest message (300-650 ids, against
148 on average), and ReduceSum over the middle axis of [batch, len, D] is a slow strided loop (2.8 ms of the
encoder's 12.8 ms per batch; Mul by the mask another third).

Packed inputs, as torch.nn.EmbeddingBag takes them:
  ids      int32 [total]  every message's feature ids, concatenated (no padding; a message may have none)
  offsets  int32 [batch]  where each message's ids start in `ids` (offsets[0] = 0, non-decreasing)
Outputs: unchanged (logits/probs, or embeddings), same math up to float rounding.

The bag is a segment sum done with a prefix sum: C = cumsum(E[[0] ++ ids]) (id 0, the padding id, has a zero row), so message b's sum is
C[end_b] - C[offset_b], one sequential pass over [total, D] instead of a padded gather, a mask multiply and a
strided reduce. A message's count is end_b - offset_b (the old sum of its mask), and every node after the bag's
division by sqrt(max(count, 1)) is copied unchanged.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(model):
    g = model.graph
    inputs = {i.name for i in g.input}
    if inputs != {"ids", "mask"}:
        raise SystemExit(f"expected a padded hashbag graph with inputs ids, mask (got {sorted(inputs)})")
    names = [n.op_type for n in g.node]
    if "ReduceSum" not in names or "Div" not in names:
        raise SystemExit("not a hashbag graph (no ReduceSum/Div): run optimize_bag.py first")
    # The padded bag ends at Div(summed, norm) -> "bag" (optimize_bag.py names it so).
    div = next(n for n in g.node if n.op_type == "Div" and n.output[0] == "bag")
    head = list(g.node)[list(g.node).index(div) + 1:]
    keep = {"rowmap", "q", "scale"}
    inits = [i for i in g.initializer if i.name in keep or any(i.name in n.input for n in head)]
    init = {i.name: i for i in g.initializer}
    rowmap, q = numpy_helper.to_array(init["rowmap"]), numpy_helper.to_array(init["q"])
    if (q[rowmap[0]] != 0).any():
        raise SystemExit("feature id 0 (padding) must map to a zero row")
    inits += [
        numpy_helper.from_array(np.array([-1], np.int64), "axis_last"),
        numpy_helper.from_array(np.array([1], np.int64), "one_i64"),
        numpy_helper.from_array(np.array([2**31 - 1], np.int64), "int_max"),
        numpy_helper.from_array(np.array(0, np.int64), "axis0_scalar"),
        numpy_helper.from_array(np.array([1, 0], np.int64), "lead_pad"),
        numpy_helper.from_array(np.array(1.0, np.float32), "one"),
    ]
    nodes = [
        # Dequantized table from initializers only: constant-folded by onnxruntime at session creation.
        helper.make_node("Cast", ["q"], ["qf"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["scale", "axis_last"], ["scale_col"]),
        helper.make_node("Mul", ["qf", "scale_col"], ["table"]),
        # A leading id 0 (its row is zero): gathered row 0 is zero, so the prefix sum starts with the empty sum.
        helper.make_node("Pad", ["ids", "lead_pad"], ["ids0"], mode="constant"),
        helper.make_node("Gather", ["rowmap", "ids0"], ["rows"]),
        helper.make_node("Gather", ["table", "rows"], ["gathered"]),  # [total + 1, D]
        helper.make_node("CumSum", ["gathered", "axis0_scalar"], ["prefix0"]),
        # ends = offsets[1:] ++ [total]
        helper.make_node("Shape", ["ids"], ["total64"]),
        helper.make_node("Cast", ["total64"], ["total"], to=TensorProto.INT32),
        helper.make_node("Slice", ["offsets", "one_i64", "int_max"], ["next_offsets"]),
        helper.make_node("Concat", ["next_offsets", "total"], ["ends"], axis=0),
        helper.make_node("Gather", ["prefix0", "ends"], ["at_end"]),
        helper.make_node("Gather", ["prefix0", "offsets"], ["at_start"]),
        helper.make_node("Sub", ["at_end", "at_start"], ["summed"]),  # [batch, D]
        helper.make_node("Sub", ["ends", "offsets"], ["count_i"]),
        helper.make_node("Cast", ["count_i"], ["count_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["count_f", "axis_last"], ["count"]),
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Sqrt", ["count1"], ["norm"]),
        helper.make_node("Div", ["summed", "norm"], ["bag"]),
    ]
    for n in head:
        m = onnx.NodeProto()
        m.CopyFrom(n)
        nodes.append(m)
    graph_inputs = [
        helper.make_tensor_value_info("ids", TensorProto.INT32, ["total"]),
        helper.make_tensor_value_info("offsets", TensorProto.INT32, ["batch"]),
    ]
    graph = helper.make_graph(nodes, (g.name or "hashbag") + "_packed", graph_inputs, list(g.output), inits)
    opset = max(13, max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")))
    out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="omnicx-pack_bag")
    out.ir_version = model.ir_version
    onnx.checker.check_model(out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", help="a padded hashbag model.onnx (optimize_bag.py output)")
    ap.add_argument("dst", help="where to write the packed graph")
    a = ap.parse_args()
    out = build(onnx.load(a.src))
    onnx.save(out, a.dst)
    print(f"wrote {a.dst} ({os.path.getsize(a.dst) / 1e6:.1f} MB, was {os.path.getsize(a.src) / 1e6:.1f} MB)")
    print(f"check it: NODE_PATH=node_modules node models/features/compare-onnx.cjs {a.src} {a.dst}")


if __name__ == "__main__":
    main()
