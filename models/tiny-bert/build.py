"""Builds the tiny transformer test fixtures the way Hugging Face exports look: test/fixtures/tiny-bert/ (BERT,
WordPiece) and test/fixtures/tiny-roberta/ (RoBERTa, byte-level BPE).

What it writes in each (small: about 200 KB each):
    model.onnx             a sequence classifier (random weights, fixed seed), exported with torch.onnx.export like
                           `optimum`/`transformers.onnx` do: BERT takes input_ids, attention_mask, token_type_ids,
                           RoBERTa input_ids, attention_mask (int64 [batch, sequence]) -> logits float32 [batch, labels]
    tokenizer.json         the Hugging Face `tokenizers` JSON schema. BERT: BertNormalizer, BertPreTokenizer,
                           WordPiece with our own 337-token vocabulary, TemplateProcessing [CLS] $A [SEP], truncation
                           64. RoBERTa: ByteLevel pre-tokenizer, BPE with 300 merges trained here on customer-service
                           text, RobertaProcessing <s> $A </s>, <mask> with lstrip, no truncation (the model's 66
                           positions - 2 decide)
    tokenizer_config.json  as transformers writes it (model_max_length, ...)
    config.json            as transformers writes it for *ForSequenceClassification (id2label, label2id, ...)
    reference.json         for every test text: the token ids from the Python reference tokenizer below and the
                           logits from torch (each text run on its own, unpadded)

Neither `transformers` nor `tokenizers` is installed here (and PyPI is not reachable), so both halves are written
out in plain Python/torch, following the reference implementations:
  * tokenizers: `tokenizers` (Rust) BertNormalizer + BertPreTokenizer + WordPiece + TemplateProcessing, which is
    what a Hugging Face "fast" BERT tokenizer runs, and GPT-2's byte-level BPE (pattern split, byte -> character
    table, bpe() merge loop) + RobertaProcessing. Added/special tokens written literally in the text ("[SEP]",
    "<mask>") are matched first, as HF does. The ids were compared with Hugging Face's JS port of `tokenizers`
    (@huggingface/tokenizers 0.2.0): identical for every text of both fixtures.
  * models: transformers' BertForSequenceClassification / RobertaForSequenceClassification in eval mode:
    embeddings (word + position + token type, LayerNorm; RoBERTa positions counted from padding_idx + 1), N encoder
    layers (multi-head self-attention with the additive mask (1 - mask) * -10000, residual + LayerNorm, GELU (erf)
    feed-forward, residual + LayerNorm), then BERT's tanh pooler on [CLS] + linear classifier, or RoBERTa's head
    (dense, tanh, out_proj on <s>). Parameter names are the transformers ones (bert.embeddings.word_embeddings...).

Run (from the repo root; ~5 s, 1 thread; the output is byte-identical run to run):
    /usr/bin/python3 models/tiny-bert/build.py [--out test/fixtures/tiny-bert] [--roberta-out test/fixtures/tiny-roberta]
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



def legacy_exporter():
    """torch >= 2.9 defaults to the dynamo exporter (needs onnxscript); the TorchScript exporter is what this script
    and Debian's torch 1.13 use, so ask for it explicitly where the option exists."""
    import inspect
    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}

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


def init_weights(model, std, embeddings=None, pad_id=0, seed=0):
    """Random weights from a fixed seed. Larger than BERT's 0.02 so that logits differ visibly between texts."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith("weight")
                        else 0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(std * torch.randn(p.shape, generator=g))
        embeddings = embeddings or model.bert.embeddings
        embeddings.word_embeddings.weight[pad_id].zero_()  # padding_idx row, as nn.Embedding initialises it


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


# ----------------------------------------------------------------------------------------------------------------
# RoBERTa flavour: byte-level BPE tokenizer (GPT-2 pre-tokenizer pattern, bytes mapped to printable characters,
# merges by rank), <s> … </s>, positions counted from padding_idx + 1, classification head on <s>, and only
# input_ids + attention_mask as model inputs (as optimum exports RoBERTa).
# ----------------------------------------------------------------------------------------------------------------
ROBERTA_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0-3 as in roberta-base; <mask> comes last
ROBERTA_MERGES = 300
ROBERTA_EXTRA_TEXTS = [
    "hello <mask> world",
    "<s>already wrapped</s> <pad> text",
    "I'm sure they've said we'll re-check it; you'd think so's",
    "Line one\nline two\n\n  indented    spaces   ",
    "  leading and trailing spaces  ",
    "numbers 1234567 and 3.14 and ١٢٣",
]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map (the table of the ByteLevel pre-tokenizer)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()


def _cat(c):
    cat = unicodedata.category(c)
    return "L" if cat[0] == "L" else "N" if cat[0] == "N" else "S" if c in WHITE_SPACE else "O"


def gpt2_split(text):
    """The GPT-2 / RoBERTa pattern 's|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+
    written out by hand (Python's re has no \\p{L}), with \\s = Unicode White_Space."""
    out, i, n = [], 0, len(text)
    while i < n:
        for contraction in ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d"):
            if text.startswith(contraction, i):
                out.append(contraction)
                i += len(contraction)
                break
        else:
            j = i + 1 if text[i] == " " and i + 1 < n else i
            kind = _cat(text[j])
            if kind in "LNO" and (j == i or kind != "S"):
                k = j
                while k < n and _cat(text[k]) == kind:
                    k += 1
                out.append(text[i:k])
                i = k
                continue
            # whitespace: \s+(?!\S) backs off one character when a non-space follows, else \s+
            k = i
            while k < n and _cat(text[k]) == "S":
                k += 1
            if k < n and k - i > 1:
                k -= 1
            out.append(text[i:k])
            i = k
    return out


def bpe_word(word, ranks):
    """GPT-2's bpe(): repeatedly merge every occurrence of the lowest-ranked adjacent pair."""
    symbols = list(word)
    while len(symbols) > 1:
        pairs = {(symbols[k], symbols[k + 1]) for k in range(len(symbols) - 1)}
        best = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if best not in ranks:
            break
        merged, k = [], 0
        while k < len(symbols):
            if k < len(symbols) - 1 and (symbols[k], symbols[k + 1]) == best:
                merged.append(symbols[k] + symbols[k + 1])
                k += 2
            else:
                merged.append(symbols[k])
                k += 1
        symbols = merged
    return symbols


def byte_level(piece):
    return "".join(BYTE_CHARS[b] for b in piece.encode("utf-8"))


def train_bpe(corpus, num_merges):
    """A plain BPE trainer over byte-level words (most frequent pair first, ties by the pair's text)."""
    words = {}
    for text in corpus:
        for piece in gpt2_split(text):
            w = tuple(byte_level(piece))
            words[w] = words.get(w, 0) + 1
    merges = []
    for _ in range(num_merges):
        counts = {}
        for w, f in words.items():
            for k in range(len(w) - 1):
                counts[(w[k], w[k + 1])] = counts.get((w[k], w[k + 1]), 0) + f
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        if counts[best] < 2:
            break
        merges.append(best)
        new_words = {}
        for w, f in words.items():
            out, k = [], 0
            while k < len(w):
                if k < len(w) - 1 and (w[k], w[k + 1]) == best:
                    out.append(w[k] + w[k + 1])
                    k += 2
                else:
                    out.append(w[k])
                    k += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + f
        words = new_words
    return merges


def roberta_vocab_and_merges():
    corpus = [" ".join(WORDS), " ".join(WORDS).title()] + TEXTS[:4] + [
        "Where is my order? I want a refund. Please cancel my subscription.",
        "Thank you! My package arrived broken; I'd like a refund, please.",
        "Hello, can you help me track my parcel? It's late again.",
    ]
    merges = train_bpe(corpus, ROBERTA_MERGES)
    vocab = {}
    for tok in ROBERTA_SPECIALS + [BYTE_CHARS[b] for b in sorted(BYTE_CHARS)] + [a + b for a, b in merges]:
        vocab.setdefault(tok, len(vocab))
    vocab["<mask>"] = len(vocab)
    return vocab, merges


def roberta_encode(text, vocab, ranks, max_length):
    ids = []
    # <mask> has lstrip: the whitespace before it belongs to it; the others are matched literally
    parts, i, buf = [], 0, []
    while i < len(text):
        hit = next((t for t in ["<mask>", "</s>", "<pad>", "<unk>", "<s>"] if text.startswith(t, i)), None)
        if hit:
            chunk = "".join(buf)
            if hit == "<mask>":
                chunk = chunk.rstrip("".join(WHITE_SPACE))
            if chunk:
                parts.append(("text", chunk))
            buf = []
            parts.append(("special", hit))
            i += len(hit)
        else:
            buf.append(text[i])
            i += 1
    if buf:
        parts.append(("text", "".join(buf)))
    for kind, part in parts:
        if kind == "special":
            ids.append(vocab[part])
        else:
            for piece in gpt2_split(part):
                ids.extend(vocab[s] for s in bpe_word(byte_level(piece), ranks))
    ids = ids[: max_length - 2]
    return [vocab["<s>"]] + ids + [vocab["</s>"]]


def roberta_tokenizer_json(vocab, merges):
    def added(tok, lstrip=False):
        return {"id": vocab[tok], "content": tok, "single_word": False, "lstrip": lstrip, "rstrip": False,
                "normalized": False, "special": True}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(t) for t in ROBERTA_SPECIALS] + [added("<mask>", lstrip=True)],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", vocab["</s>"]], "cls": ["<s>", vocab["<s>"]],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges]},
    }


class RobertaEmbeddings(Embeddings):
    def forward(self, input_ids, token_type_ids):
        pad = self.word_embeddings.padding_idx
        not_pad = input_ids.ne(pad).long()
        positions = torch.cumsum(not_pad, dim=1) * not_pad + pad  # transformers' create_position_ids_from_input_ids
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids) + \
            self.position_embeddings(positions)
        return self.LayerNorm(x)


class RobertaClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.out_proj = nn.Linear(c["hidden_size"], c["num_labels"])

    def forward(self, h):
        return self.out_proj(torch.tanh(self.dense(h[:, 0])))


class Roberta(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = RobertaEmbeddings(c)
        self.embeddings.position_embeddings.padding_idx = c["pad_token_id"]
        self.encoder = Encoder(c)


class RobertaForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.roberta = Roberta(c)
        self.classifier = RobertaClassificationHead(c)

    def forward(self, input_ids, attention_mask):
        additive = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -10000.0
        types = torch.zeros_like(input_ids)
        h = self.roberta.encoder(self.roberta.embeddings(input_ids, types), additive)
        return self.classifier(h)


# ----------------------------------------------------------------------------------------------------------------
# Build: model, files, reference
# ----------------------------------------------------------------------------------------------------------------
def hf_config(arch, model_type, vocab_size, max_positions, pad_id, type_vocab_size, extra=None):
    return {
        "_name_or_path": f"omnicx/tiny-{model_type}-random",
        "architectures": [arch],
        "attention_probs_dropout_prob": 0.1,
        **(extra or {}),
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 32,
        "id2label": {str(i): label for i, label in enumerate(LABELS)},
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "label2id": {label: i for i, label in enumerate(LABELS)},
        "layer_norm_eps": 1e-12 if model_type == "bert" else 1e-05,
        "max_position_embeddings": max_positions,
        "model_type": model_type,
        "num_attention_heads": 2,
        "num_hidden_layers": 2,
        "pad_token_id": pad_id,
        "position_embedding_type": "absolute",
        "problem_type": "single_label_classification",
        "torch_dtype": "float32",
        "transformers_version": "4.44.2",
        "type_vocab_size": type_vocab_size,
        "use_cache": True,
        "vocab_size": vocab_size,
    }


def write_json(out, name, data, indent=2):
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=indent)


def export_and_reference(model, out, input_names, rows, texts, pad_id, max_length):
    """Exports model.onnx (dynamic batch/sequence) and writes reference.json: ids and torch logits per text."""
    def run(batch):
        """batch: rows of ids, padded with pad_id to the longest; attention_mask 1 on every real token (also on a
        literal "<pad>" typed in the text, as the tokenizer's mask has it)."""
        width = max(map(len, batch))
        ids = torch.tensor([r + [pad_id] * (width - len(r)) for r in batch], dtype=torch.long)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in batch], dtype=torch.long)
        args = (ids, mask, torch.zeros_like(ids))[: len(input_names)]
        return model(*args), args

    with torch.no_grad():
        _, dummy = run([rows[0][:4], rows[1][:3]])
        torch.onnx.export(
            model, dummy, os.path.join(out, "model.onnx"), input_names=input_names, output_names=["logits"],
            dynamic_axes={**{n: {0: "batch_size", 1: "sequence_length"} for n in input_names},
                          "logits": {0: "batch_size"}},
            opset_version=14, do_constant_folding=True, **legacy_exporter())
        cases = []
        for text, row in zip(texts, rows):
            logits = run([row])[0][0]
            cases.append({"text": text, "ids": row, "logits": [round(float(x), 7) for x in logits]})
        # batched with padding must give the same logits (checked here on the torch side too)
        batched = run(rows)[0]
        diff = float((batched - torch.tensor([c["logits"] for c in cases])).abs().max())
    spread = [max(c["logits"]) - min(c["logits"]) for c in cases]
    winners = sorted({LABELS[max(range(len(LABELS)), key=lambda k: c["logits"][k])] for c in cases})
    print(f"{out}: {len(texts)} texts, torch batched vs single max |diff| {diff:.2e}, logit spread "
          f"{min(spread):.2f}..{max(spread):.2f}, argmax labels {winners}")
    write_json(out, "reference.json", {"generator": "models/tiny-bert/build.py", "maxLength": max_length,
                                       "labels": LABELS, "cases": cases}, indent=1)
    for name in sorted(os.listdir(out)):
        print(f"  {name}: {os.path.getsize(os.path.join(out, name))} bytes")


def build_bert(out):
    os.makedirs(out, exist_ok=True)
    vocab = build_vocab()
    config = hf_config("BertForSequenceClassification", "bert", len(vocab), MAX_POSITIONS, 0, 2)
    torch.manual_seed(0)
    model = BertForSequenceClassification(dict(config, num_labels=len(LABELS))).eval()
    init_weights(model, std=0.3)
    write_json(out, "tokenizer.json", tokenizer_json(vocab, MAX_POSITIONS))
    write_json(out, "config.json", config)
    write_json(out, "tokenizer_config.json", {
        "clean_up_tokenization_spaces": True, "cls_token": "[CLS]", "do_lower_case": True, "mask_token": "[MASK]",
        "model_max_length": MAX_POSITIONS, "pad_token": "[PAD]", "sep_token": "[SEP]", "strip_accents": None,
        "tokenize_chinese_chars": True, "tokenizer_class": "BertTokenizer", "unk_token": "[UNK]"})
    rows = [encode(text, vocab, MAX_POSITIONS) for text in TEXTS]
    print(f"BERT vocabulary: {len(vocab)} tokens")
    export_and_reference(model, out, ["input_ids", "attention_mask", "token_type_ids"], rows, TEXTS, 0,
                         MAX_POSITIONS)


def build_roberta(out):
    os.makedirs(out, exist_ok=True)
    vocab, merges = roberta_vocab_and_merges()
    ranks = {pair: k for k, pair in enumerate(merges)}
    pad = vocab["<pad>"]
    # RoBERTa's positions start at pad + 1, so it needs max length + 2 position rows
    config = hf_config("RobertaForSequenceClassification", "roberta", len(vocab), MAX_POSITIONS + 2, pad, 1,
                       {"bos_token_id": 0, "eos_token_id": 2})
    torch.manual_seed(0)
    model = RobertaForSequenceClassification(dict(config, num_labels=len(LABELS))).eval()
    init_weights(model, std=0.3, embeddings=model.roberta.embeddings, pad_id=pad, seed=3)  # seed 3: 4 labels win
    write_json(out, "tokenizer.json", roberta_tokenizer_json(vocab, merges))
    write_json(out, "config.json", config)
    # no model_max_length set: transformers writes its "very large integer"; the model's positions decide
    write_json(out, "tokenizer_config.json", {
        "add_prefix_space": False, "bos_token": "<s>", "clean_up_tokenization_spaces": True, "cls_token": "<s>",
        "eos_token": "</s>", "errors": "replace", "mask_token": "<mask>",
        "model_max_length": 1000000000000000019884624838656, "pad_token": "<pad>", "sep_token": "</s>",
        "tokenizer_class": "RobertaTokenizer", "trim_offsets": True, "unk_token": "<unk>"})
    texts = TEXTS + ROBERTA_EXTRA_TEXTS
    rows = [roberta_encode(text, vocab, ranks, MAX_POSITIONS) for text in texts]
    print(f"RoBERTa vocabulary: {len(vocab)} tokens ({len(merges)} merges)")
    export_and_reference(model, out, ["input_ids", "attention_mask"], rows, texts, pad, MAX_POSITIONS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="test/fixtures/tiny-bert", help="where the BERT fixture goes")
    ap.add_argument("--roberta-out", default="test/fixtures/tiny-roberta", help="where the RoBERTa fixture goes")
    args = ap.parse_args()
    build_bert(args.out)
    build_roberta(args.roberta_out)


if __name__ == "__main__":
    main()
