"""Write the benchmark splits used in EXPERIMENTS.md as text,label CSVs (outside the repo).

  /usr/bin/python3 models/intent/make_splits.py [--data /work/shared/datasets] [--out /tmp/omnicx-splits]

banking77-train.csv / banking77-test.csv : Banking77 train.csv, 20% held out, stratified by label, seed 0
                                            (sklearn.model_selection.train_test_split(..., random_state=0)).
clinc150-train.csv / clinc150-test.csv   : CLINC150 train + oos_train  /  val + oos_val (label 'oos').
These are OUR splits; the official test sets are not available here.
"""
import argparse
import csv
import json
import os

from sklearn.model_selection import train_test_split


def write(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/work/shared/datasets")
    ap.add_argument("--out", default="/tmp/omnicx-splits")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.data, "banking77", "train.csv"), encoding="utf-8") as f:
        rows = [(r["text"], r["category"]) for r in csv.DictReader(f)]
    tr, te = train_test_split(rows, test_size=0.2, random_state=0, stratify=[r[1] for r in rows])
    write(os.path.join(a.out, "banking77-train.csv"), tr)
    write(os.path.join(a.out, "banking77-test.csv"), te)
    with open(os.path.join(a.data, "clinc150", "train_val.json"), encoding="utf-8") as f:
        d = json.load(f)
    write(os.path.join(a.out, "clinc150-train.csv"), [tuple(x) for x in d["train"] + d["oos_train"]])
    write(os.path.join(a.out, "clinc150-test.csv"), [tuple(x) for x in d["val"] + d["oos_val"]])


if __name__ == "__main__":
    main()
