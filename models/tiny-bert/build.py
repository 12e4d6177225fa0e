"""Builds the tiny BERT test fixture (test/fixtures/tiny-bert/) the way a Hugging Face export looks.

What it writes (all small, < 300 KB together):
    model.onnx             a BERT-architecture sequence classifier (random weights, seed 0), exported with
                           torch.onnx.export like `optimum`/`transformers.onnx` do: inputs input_ids,
                           attention_mask, token_type_ids (int64 [batch, sequence]) -> logits float32 [batch, labels]
    tokenizer.json         the Hugging Face `tokenizers` JSON schema: BertNormalizer, BertPreTokenizer,
                           WordPiece model with our own ~400-token vocabulary, TemplateProcessing [CLS] $A [SEP]
    tokenizer_config.json  as transformers writes it (model_max_length, do_lower_case, ...)
    config.json            as transformers writes it for BertForSequenceClassification (id2label, label2id, ...)
    reference.json         for every test text: the token ids from the Python reference tokenizer below and the
                           logits from torch (each text run on its own, unpadded)

Neither `transformers` nor `tokenizers` is installed here (and PyPI is not reachable), so both halves are written
out in plain Python/torch, following the reference implementations:
  * tokenizer: `tokenizers` (Rust) BertNormalizer + BertPreTokenizer + WordPiece + TemplateProcessing, which is what
    a Hugging Face "fast" BERT tokenizer runs (same results as transformers' BasicTokenizer/WordpieceTokenizer for
    these texts). Added/special tokens written literally in the text ("[SEP]") are matched first, as HF does.
  * model: transformers' BertForSequenceClassification in eval mode: embeddings (word + position + token type,
    LayerNorm eps 1e-12), N encoder layers (multi-head self-attention with the additive mask (1 - mask) * -10000,
    residual + LayerNorm, GELU (erf) feed-forward, residual + LayerNorm), tanh pooler on [CLS], linear classifier.
    Parameter names are the transformers ones (bert.embeddings.word_embeddings.weight, ...).

Run (from the repo root; ~5 s, 1 thread):
    /usr/bin/python3 models/tiny-bert/build.py [--out test/fixtures/tiny-bert]
"""
import argparse
import json
import math
import os
import unicodedata

import torch
import torch.nn as nn

torch.set_num_threads(1)

# ----------------------------------------------------------------------------------------------------------------
# Vocabulary: specials first ([PAD] = 0 as in BERT), then punctuation, single characters, '##' characters, common
# customer-service words and a few suffix pieces, so that words split into several pieces.
# ----------------------------------------------------------------------------------------------------------------
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["¿", "¡", "。", "，", "？", "！", "、", "…", "—", "«", "»"]
CHARS = list("abcdefghijklmnopqrstuvwxyz0123456789")
CONT_CHARS = ["##" + c for c in CHARS]
CJK = list("我的订单在哪里你好谢谢退款取消注文")
WORDS = """
the a an i you we my your our me it is are was be to of and or in on for with at from by this that not no yes
do does did can could would will should please thanks thank hello hi hey help want need have has had get got
order orders package parcel delivery deliver shipping ship address track tracking where when what why how who
cancel refund return money payment pay paid card credit invoice bill account password reset login email phone
number item items product broken damaged late wrong missing arrived still yet today tomorrow week day days
agent human person speak talk manager complaint problem issue error app website work working doesn don t s
subscription plan price cost charge charged twice fee good great bad terrible awful love hate happy sad angry
new old change update name first last all some any more less very much many just now again also but so if
cafe naive resume street city hotel check weather time out up down off over here there them they he she his
her its
""".split()
SUFFIXES = ["##s", "##ed", "##ing", "##er", "##ly", "##ment", "##tion", "##able", "##un", "##ful", "##ness", "##es"]
PREFIX_WORDS = ["un", "re", "super", "cal", "fragi", "list", "expi", "ali", "docious"]
LABELS = ["cancel_order", "get_refund", "track_order", "greeting", "other"]
MAX_POSITIONS = 64  # tokenizer max length; the truncation test text is longer than this


def build_vocab():
    seen, vocab = set(), []
    for tok in SPECIALS + PUNCT + CHARS + CONT_CHARS + CJK + WORDS + SUFFIXES + PREFIX_WORDS:
        if tok not in seen:
            seen.add(tok)
            vocab.append(tok)
    return {tok: i for i, tok in enumerate(vocab)}


# ----------------------------------------------------------------------------------------------------------------
# Reference tokenizer (tokenizers' BertNormalizer / BertPreTokenizer / WordPiece / TemplateProcessing)
# ----------------------------------------------------------------------------------------------------------------
# Rust's char::is_whitespace (Unicode White_Space); str.isspace() would also take U+001C..U+001F.
WHITE_SPACE = set(map(chr, [*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
                             0x202F, 0x205F, 0x3000]))


def is_whitespace(c):
    return c in WHITE_SPACE


def is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c).startswith("C")


def is_chinese_char(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


def is_punctuation(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def bert_normalize(text, clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True):
    if clean_text:
        text = "".join(" " if is_whitespace(c) else c for c in text
                       if not (ord(c) == 0 or ord(c) == 0xFFFD or is_control(c)))
    if handle_chinese_chars:
        text = "".join(f" {c} " if is_chinese_char(ord(c)) else c for c in text)
    if strip_accents is None:
        strip_accents = lowercase
    if strip_accents:  # tokenizers strips accents BEFORE lower-casing, char by char
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    if lowercase:  # char by char (no final-sigma context), as Rust's char::to_lowercase
        text = "".join(c.lower() for c in text)
    return text


def bert_pre_tokenize(text):
    words, cur = [], []
    for c in text:
        if is_whitespace(c):
            if cur:
                words.append("".join(cur))
                cur = []
        elif is_punctuation(c):
            if cur:
                words.append("".join(cur))
                cur = []
            words.append(c)
        else:
            cur.append(c)
    if cur:
        words.append("".join(cur))
    return words


def wordpiece(word, vocab, unk="[UNK]", prefix="##", max_chars=100):
    if len(word) > max_chars:
        return [vocab[unk]]
    out, start = [], 0
    while start < len(word):
        end, cur = len(word), None
        while start < end:
            sub = word[start:end]
            if start > 0:
                sub = prefix + sub
            if sub in vocab:
                cur = vocab[sub]
                break
            end -= 1
        if cur is None:
            return [vocab[unk]]
        out.append(cur)
        start = end
    return out


def split_added(text, added):
    """Splits raw text on literal special tokens (normalized: false, no lstrip/rstrip), longest match first."""
    parts, i, buf = [], 0, []
    ordered = sorted(added, key=len, reverse=True)
    while i < len(text):
        hit = next((t for t in ordered if text.startswith(t, i)), None)
        if hit:
            if buf:
                parts.append(("text", "".join(buf)))
                buf = []
            parts.append(("special", hit))
            i += len(hit)
        else:
            buf.append(text[i])
            i += 1
    if buf:
        parts.append(("text", "".join(buf)))
    return parts


def encode(text, vocab, max_length):
    ids = []
    for kind, part in split_added(text, SPECIALS):
        if kind == "special":
            ids.append(vocab[part])
        else:
            for word in bert_pre_tokenize(bert_normalize(part)):
                ids.extend(wordpiece(word, vocab))
    ids = ids[: max_length - 2]  # truncation direction Right, 2 special tokens added by the template
    return [vocab["[CLS]"]] + ids + [vocab["[SEP]"]]


def tokenizer_json(vocab, max_length):
    def added(tok):
        return {"id": vocab[tok], "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}

    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length, "strategy": "LongestFirst", "stride": 0},
        "padding": None,
        "added_tokens": [added(t) for t in SPECIALS],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [vocab["[CLS]"]], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [vocab["[SEP]"]], "tokens": ["[SEP]"]},
            },
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


# ----------------------------------------------------------------------------------------------------------------
# BERT for sequence classification (transformers' module layout and parameter names)
# ----------------------------------------------------------------------------------------------------------------
class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.shape[1], dtype=torch.long).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids) + \
            self.position_embeddings(positions)
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c["num_attention_heads"]
        self.head_size = c["hidden_size"] // self.heads
        self.query = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.key = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.value = nn.Linear(c["hidden_size"], c["hidden_size"])

    def split(self, x):
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, x, additive_mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + additive_mask
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.shape[0], ctx.shape[1], -1)


class DenseNorm(nn.Module):  # BertSelfOutput / BertOutput: dense, residual, LayerNorm
    def __init__(self, c, n_in):
        super().__init__()
        self.dense = nn.Linear(n_in, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])

    def forward(self, h, residual):
        return self.LayerNorm(self.dense(h) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = DenseNorm(c, c["hidden_size"])

    def forward(self, x, additive_mask):
        return self.output(self.self(x, additive_mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))  # exact (erf) GELU, transformers' "gelu"


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = DenseNorm(c, c["intermediate_size"])

    def forward(self, x, additive_mask):
        a = self.attention(x, additive_mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, x, additive_mask):
        for layer in self.layer:
            x = layer(x, additive_mask)
        return x


class Pooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = Encoder(c)
        self.pooler = Pooler(c)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bert = Bert(c)
        self.classifier = nn.Linear(c["hidden_size"], c["num_labels"])

    def forward(self, input_ids, attention_mask, token_type_ids):
        # (batch, 1, 1, seq): 0 where attended, -10000 on padding, added to every head's scores
        additive = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        h = self.bert.encoder(self.bert.embeddings(input_ids, token_type_ids), additive)
        return self.classifier(self.bert.pooler(h))


def init_weights(model, std):
    """Random weights, seed 0. Larger than BERT's 0.02 so that logits differ visibly between texts."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith("weight")
                        else 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))
        model.bert.embeddings.word_embeddings.weight[0].zero_()  # padding_idx row, as nn.Embedding initialises it


# ----------------------------------------------------------------------------------------------------------------
# Test texts
# ----------------------------------------------------------------------------------------------------------------
LONG_WORD = "supercalifragilisticexpialidocious" * 4  # 136 characters: longer than max_input_chars_per_word
TEXTS = [
    "Where is my order?",
    "I want a REFUND for order #4711!!!",
    "Café naïve résumé",
    "TrAcK My OrDeR PlEaSe",
    "我的订单在哪里？谢谢",
    "こんにちは、注文をキャンセルしたい",
    "my package arrived broken 😡😡",
    "👍🏽🙏",
    "",
    "   \t\n ",
    "my " + LONG_WORD + " order",
    "supercalifragilisticexpialidocious",
    "unhelpful refunded cancellation tracking",
    "e-mail: john.doe@example.com, phone +44 7700 900123",
    "don't can't won't it's",
    "hello [SEP] world [MASK] [cls] [UNK]",
    "pass\u200bword\u0000 re\u0007set\ufffd now",
    "Ελληνικά ΟΔΟΣ İstanbul straße ﬁnal",
    "price is 20€ or $25.99 (approx.) — ok…",
    "\u00a0non\u00a0breaking\u2003spaces\u3000here\u2028and\u0085there",
    "e\u0301te\u0301 cafe\u0301",
    "أين طلبي؟ شكرا",
    "¿Dónde está mi pedido? ¡Gracias!",
    " ".join(["please cancel my subscription and refund the money"] * 12),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="test/fixtures/tiny-bert")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    vocab = build_vocab()
    config = {
        "_name_or_path": "omnicx/tiny-bert-random",
        "architectures": ["BertForSequenceClassification"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 32,
        "id2label": {str(i): label for i, label in enumerate(LABELS)},
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "label2id": {label: i for i, label in enumerate(LABELS)},
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAX_POSITIONS,
        "model_type": "bert",
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "problem_type": "single_label_classification",
        "torch_dtype": "float32",
        "transformers_version": "4.44.2",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": len(vocab),
    }
    c = dict(config, num_labels=len(LABELS))
    torch.manual_seed(0)
    model = BertForSequenceClassification(c).eval()
    init_weights(model, std=0.3)

    # export (dummy batch of 2 rows of different lengths; dynamic batch and sequence axes)
    ids = torch.tensor([[2, 50, 60, 3], [2, 70, 3, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    onnx_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(
        model, (ids, mask, types), onnx_path,
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
        dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                      "attention_mask": {0: "batch_size", 1: "sequence_length"},
                      "token_type_ids": {0: "batch_size", 1: "sequence_length"},
                      "logits": {0: "batch_size"}},
        opset_version=14, do_constant_folding=True)

    tok = tokenizer_json(vocab, MAX_POSITIONS)
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=2)
    with open(os.path.join(args.out, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(args.out, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump({"clean_up_tokenization_spaces": True, "cls_token": "[CLS]", "do_lower_case": True,
                   "mask_token": "[MASK]", "model_max_length": MAX_POSITIONS, "pad_token": "[PAD]",
                   "sep_token": "[SEP]", "strip_accents": None, "tokenize_chinese_chars": True,
                   "tokenizer_class": "BertTokenizer", "unk_token": "[UNK]"}, f, indent=2)

    cases = []
    with torch.no_grad():
        for text in TEXTS:
            row = encode(text, vocab, MAX_POSITIONS)
            t = torch.tensor([row], dtype=torch.long)
            logits = model(t, torch.ones_like(t), torch.zeros_like(t))[0]
            cases.append({"text": text, "ids": row, "logits": [round(float(x), 7) for x in logits]})
        # batched with padding must give the same logits (checked here on the torch side too)
        rows = [case["ids"] for case in cases]
        width = max(map(len, rows))
        batch = torch.tensor([r + [0] * (width - len(r)) for r in rows], dtype=torch.long)
        batched = model(batch, (batch != 0).long(), torch.zeros_like(batch))
        single = torch.tensor([case["logits"] for case in cases])
        diff = float((batched - single).abs().max())
    print(f"vocab {len(vocab)} tokens, {len(TEXTS)} texts, torch batched vs single max |diff| {diff:.2e}")
    spread = [max(case["logits"]) - min(case["logits"]) for case in cases]
    print(f"logit spread per text: min {min(spread):.2f} max {max(spread):.2f}; argmax labels "
          f"{sorted(set(LABELS[max(range(len(LABELS)), key=lambda k: case['logits'][k])] for case in cases))}")
    with open(os.path.join(args.out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "models/tiny-bert/build.py", "maxLength": MAX_POSITIONS, "labels": LABELS,
                   "cases": cases}, f, ensure_ascii=False, indent=1)
    for name in sorted(os.listdir(args.out)):
        print(f"  {name}: {os.path.getsize(os.path.join(args.out, name))} bytes")


if __name__ == "__main__":
    main()
