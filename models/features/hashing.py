"""Reference implementation of the OmniCX hashed n-gram features ("omnicx-hash-v1").

The normative description is spec.md in this folder; this file must agree with it, and
test-vectors.json is generated from it (python3 hashing.py --write-vectors).
The TypeScript runtime re-implements exactly this; nothing here is needed at run time.
"""
import json
import sys
import unicodedata

VERSION = "omnicx-hash-v1"
WORD_BUCKETS = 1 << 18     # word unigrams + bigrams  -> ids 1 .. WORD_BUCKETS
CHAR_BUCKETS = 1 << 18     # char 3..5-grams          -> ids WORD_BUCKETS+1 .. WORD_BUCKETS+CHAR_BUCKETS
NUM_IDS = 1 + WORD_BUCKETS + CHAR_BUCKETS   # id 0 = padding
MAX_LEN = 1024             # L
CHAR_NGRAMS = (3, 4, 5)

FNV_OFFSET = 0x811C9DC5
FNV_PRIME = 0x01000193


def fnv1a32(s: str) -> int:
    """FNV-1a, 32 bit, over the UTF-8 bytes of s (s never contains surrogates here)."""
    h = FNV_OFFSET
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFF
    return h


def normalize(text: str) -> str:
    # 1. lone surrogates -> U+FFFD (JS: String.prototype.toWellFormed); Python text read
    #    from UTF-8 never has them, but be explicit for strings built otherwise.
    text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    # 2. NFKC, 3. full Unicode lowercase (JS: toLowerCase)
    text = unicodedata.normalize("NFKC", text).lower()
    # 4. delete apostrophes (U+0027, U+2019) so "don't" -> "dont"
    text = text.replace("'", "").replace("\u2019", "")
    # 5. every ASCII digit -> '0'
    return text.translate(_DIGITS)


_DIGITS = str.maketrans("123456789", "000000000")


def char_class(cp: int) -> str:
    """'W' word character, 'S' single-code-point symbol token, '' separator."""
    if 0x61 <= cp <= 0x7A or 0x30 <= cp <= 0x39:          # a-z 0-9
        return "W"
    if 0xC0 <= cp <= 0x1FFF and cp != 0xD7 and cp != 0xF7:  # Latin-1 letters .. Greek Extended
        return "W"
    if 0x3040 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF:   # kana, CJK, Hangul
        return "W"
    if cp == 0x21 or cp == 0x3F:                           # ! ?
        return "S"
    if 0x2190 <= cp <= 0x2BFF or 0x1F000 <= cp <= 0x1FAFF:  # arrows, symbols, dingbats, emoji
        return "S"
    return ""


def tokenize(text: str):
    """Returns a list of (token, is_word) after normalize()."""
    out = []
    cur = []
    for c in normalize(text):
        k = char_class(ord(c))
        if k == "W":
            cur.append(c)
            continue
        if cur:
            out.append(("".join(cur), True))
            cur = []
        if k == "S":
            out.append((c, False))
    if cur:
        out.append(("".join(cur), True))
    return out


def iter_features(text: str):
    """Yields (kind, feature_string) in the normative order; kind 'w' or 'c'."""
    toks = tokenize(text)
    prev = None
    for tok, is_word in toks:
        yield "w", tok
        if prev is not None:
            yield "w", prev + " " + tok
        if is_word:
            marked = "<" + tok + ">"
            for n in CHAR_NGRAMS:
                for i in range(0, len(marked) - n + 1):
                    yield "c", marked[i:i + n]
        prev = tok


def feature_id(kind: str, feat: str) -> int:
    h = fnv1a32(feat)
    if kind == "w":
        return 1 + h % WORD_BUCKETS
    return 1 + WORD_BUCKETS + h % CHAR_BUCKETS


def text_to_ids(text: str, max_len: int = MAX_LEN):
    """Unique ids in first-occurrence order, at most max_len of them (no padding)."""
    seen = set()
    ids = []
    for kind, feat in iter_features(text):
        i = feature_id(kind, feat)
        if i in seen:
            continue
        seen.add(i)
        ids.append(i)
        if len(ids) >= max_len:
            break
    return ids


def batch(texts, max_len: int = MAX_LEN, pad_to=None):
    """numpy (ids int64 [n, T], mask float32 [n, T]), T = pad_to or max(1, longest)."""
    import numpy as np
    rows = [text_to_ids(t, max_len) for t in texts]
    T = pad_to or max(1, max((len(r) for r in rows), default=1))
    ids = np.zeros((len(rows), T), dtype=np.int64)
    mask = np.zeros((len(rows), T), dtype=np.float32)
    for k, r in enumerate(rows):
        ids[k, :len(r)] = r
        mask[k, :len(r)] = 1.0
    return ids, mask


# --- Negation scope ("omnicx-neg-v1", spec.md section 6): extra ids for the sentiment model only -------------------
# A bag of n-grams sees "not happy" as "not" + "happy" + one bigram, and "not disappointed at all" teaches it that
# "disappointed" is positive. These ids mark the words a negator governs, the way VADER scopes negation: after a
# negator, the next NEG_WINDOW word tokens, up to a clause break, each add the id of "NOT_" + word. They are appended
# to text_to_ids(text) (after its ids, in their own id range), so the shared ids stay exactly as they are.
NEG_VERSION = "omnicx-neg-v1"
NEG_BUCKETS = 1 << 16      # ids NUM_IDS .. NUM_IDS + NEG_BUCKETS - 1
NEG_WINDOW = 3             # word tokens after a negator
NEG_MAX = 64               # at most this many negation ids per message
# After normalize(): apostrophes are deleted ("don't" -> "dont"), and SST-2's PTB "n't" is the token "nt".
NEGATORS = ("not", "no", "never", "nt", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant",
            "cannot", "couldnt", "wont", "wouldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint", "without",
            "nothing", "nobody", "hardly", "neither", "nor", "none")
# Words that end a scope (and are not negated themselves): "not cheap but good".
NEG_STOPS = ("but", "however", "although", "though", "yet")
# Function words and intensifiers: in a scope they count towards the window but are not negated themselves (their
# NOT_ ids would only carry noise: the first model of this spec learned a large positive weight for NOT_the).
NEG_UNMARKED = ("a", "an", "the", "to", "of", "for", "with", "at", "in", "on", "by", "from", "about", "as", "all",
                "any", "my", "your", "our", "their", "his", "her", "its", "it", "this", "that", "these", "those", "me",
                "you", "him", "them", "us", "i", "we", "he", "she", "they", "is", "am", "are", "was", "were", "be",
                "been", "being", "so", "very", "too", "really", "quite", "even", "ever", "just", "much", "more",
                "and", "or", "one", "have", "has", "had", "do", "does", "did", "get", "got", "if")
# Separator characters that end a scope (a clause break); symbol tokens (! ? emoji) end it too.
NEG_BREAKS = ".,;:\n"


def negated_words(text: str):
    """The word tokens in a negation scope, in order (repeats included)."""
    out = []
    scope = 0
    cur = []

    def word(tok):
        nonlocal scope
        if tok in NEGATORS:
            scope = NEG_WINDOW
        elif tok in NEG_STOPS:
            scope = 0
        elif scope > 0:
            if tok not in NEG_UNMARKED:
                out.append(tok)
            scope -= 1

    for c in normalize(text):
        k = char_class(ord(c))
        if k == "W":
            cur.append(c)
            continue
        if cur:
            word("".join(cur))
            cur = []
        if k == "S" or c in NEG_BREAKS:
            scope = 0
    if cur:
        word("".join(cur))
    return out


def negation_ids(text: str):
    """Distinct ids of "NOT_" + each negated word, first-occurrence order, at most NEG_MAX."""
    seen = set()
    ids = []
    for w in negated_words(text):
        i = NUM_IDS + fnv1a32("NOT_" + w) % NEG_BUCKETS
        if i in seen:
            continue
        seen.add(i)
        ids.append(i)
        if len(ids) >= NEG_MAX:
            break
    return ids


def negation_spec_dict():
    return {
        "name": NEG_VERSION,
        "spec": "models/features/spec.md (section 6)",
        "reference": "models/features/hashing.py (negation_ids)",
        "testVectors": "models/features/negation-vectors.json",
        "buckets": NEG_BUCKETS,
        "window": NEG_WINDOW,
        "maxIds": NEG_MAX,
        "negators": list(NEGATORS),
        "stops": list(NEG_STOPS),
        "unmarked": list(NEG_UNMARKED),
        "breaks": NEG_BREAKS,
    }


NEG_VECTOR_TEXTS = [
    "", "not", "not happy", "I am not happy with the product", "not disappointed at all, it's lovely",
    "I don't like it", "I DON'T like it!!! not at all", "not cheap but good", "not bad. great service",
    "not bad, the delivery was quick", "never, ever again", "no one answered; nothing works", "nothing to complain about",
    "isn't it great?", "hardly worth it", "not not happy", "it does n't work", "without any problem \U0001F600 happy",
    "not\nhappy", "not   very    happy", "No, not really satisfied: the app doesn’t open",
    ("not happy " * 100), "not café crème", "Не плохо, not плохо",
]


def write_negation_vectors(path):
    vectors = [{"text": t, "negatedWords": negated_words(t), "ids": negation_ids(t)} for t in NEG_VECTOR_TEXTS]
    doc = {
        "features": spec_dict(),
        "negation": negation_spec_dict(),
        "note": "ids = negation_ids(text): appended after text_to_ids(text) for models whose manifest has "
                "features.negation; negatedWords for debugging.",
        "vectors": vectors,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"wrote {len(vectors)} negation vectors to {path}")


def spec_dict():
    return {
        "name": VERSION,
        "spec": "models/features/spec.md",
        "reference": "models/features/hashing.py",
        "testVectors": "models/features/test-vectors.json",
        "wordBuckets": WORD_BUCKETS,
        "charBuckets": CHAR_BUCKETS,
        "numIds": NUM_IDS,
        "maxLen": MAX_LEN,
        "charNgrams": list(CHAR_NGRAMS),
        "hash": "fnv1a32-utf8",
        "dedup": True,
        "padId": 0,
    }


def _pseudo_words(n, seed=12345):
    """n deterministic pseudo-random lowercase words (LCG), to exercise truncation at MAX_LEN."""
    x, words = seed, []
    for _ in range(n):
        w = []
        x = (x * 1103515245 + 12345) % 2147483648
        for _ in range(3 + x % 6):
            x = (x * 1103515245 + 12345) % 2147483648
            w.append(chr(97 + (x >> 16) % 26))
        words.append("".join(w))
    return " ".join(words)


VECTOR_TEXTS = [
    "",
    " ",
    "\t\n\r",
    "hi",
    "Hi!",
    "Hello, world.",
    "I want to cancel my order",
    "I'd like to CANCEL order #113542617735902, please!!!",
    "Don't you dare charge me twice – I’ve already paid £49.99",
    "where is my refund?????",
    "can u help me w/ my acct? it's locked :(",
    "My card (Visa) was declined at 10:45pm on 2024-03-01.",
    "Email me at jane.doe+test@example.com or call +44 20 7946 0958",
    "https://www.example.com/orders?id=42&ref=abc",
    "<b>bold</b> &amp; <script>alert('x')</script>",
    "tab\tseparated\tvalues\nand\nnew lines",
    "a",
    "ab",
    "abc",
    "a b c d e f g",
    "the the the the the",
    "x" * 40,
    "😀",
    "great service 😀😀👍",
    "worst app ever 😡😡 ☹️",
    "I ❤️ this",
    "👨‍👩‍👧 family plan",
    "👋🏽 hello",
    "🇩🇪 shipping to Germany?",
    "1️⃣ first question",
    "café crème brûlée",
    "café (decomposed e + combining acute)",
    "Straße STRASSE",
    "İstanbul İ ı",
    "ΟΔΟΣ ΣΙΣΥΦΟΣ",
    "Привет, мне нужна помощь",
    "مرحبا كيف حالك؟",
    "我的订单在哪里？",
    "注文をキャンセルしたいです",
    "환불해 주세요",
    "मुझे मदद चाहिए",
    "สวัสดีครับ",
    "ＡＢＣ１２３ ｈｅｌｌｏ",
    "ﬁnance oﬀer Ⅲ ① x² ½",
    "Ǆ ǅ ǆ",
    "zero​width nbsp emspace",
    "arrows → ⇒ and stars ★☆ and check ✔",
    "lone surrogate \ud800 here",
    "¿Qué pasó? ¡Ay!",
    "×÷ ± § ¶ ® ©",
    "100% 50$ €20 ¥5 3.14 1,000,000",
    "!!!???!!!",
    "A" * 3000,
    _pseudo_words(1500),
    ("I have been waiting for my package for three weeks now and nobody answers my emails. " * 60),
]


def write_vectors(path):
    vectors = []
    for t in VECTOR_TEXTS:
        vectors.append({
            "text": t,
            "normalized": normalize(t),
            "tokens": [tok for tok, _ in tokenize(t)],
            "ids": text_to_ids(t),
        })
    hashes = {s: fnv1a32(s) for s in ["", "a", "foobar", "<hi>", "cancel order", "caf\u00e9", "\U0001F600"]}
    doc = {
        "features": spec_dict(),
        "note": "ids = text_to_ids(text) with maxLen as in features; tokens/normalized are for debugging. "
                "'text' may contain a lone surrogate (escaped \\ud800): JSON.parse keeps it, toWellFormed() maps it to U+FFFD.",
        "fnv1a32": hashes,
        "vectors": vectors,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=True, indent=1)
        f.write("\n")
    print(f"wrote {len(vectors)} vectors to {path}")


if __name__ == "__main__":
    import os
    if len(sys.argv) > 1 and sys.argv[1] == "--write-vectors":
        write_vectors(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                          "test-vectors.json"))
    elif len(sys.argv) > 1 and sys.argv[1] == "--write-negation-vectors":
        write_negation_vectors(sys.argv[2] if len(sys.argv) > 2 else os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "negation-vectors.json"))
    elif len(sys.argv) > 1 and sys.argv[1] == "--tokens":
        for t in sys.argv[2:]:
            print(tokenize(t), list(iter_features(t))[:40], text_to_ids(t)[:40])
