#!/usr/bin/env python3
"""Python PyTorch baseline for bench_bert: tokenize + encode one query with a BERT of the
bert-base-multilingual-cased shape (random weights), in plain torch (transformers is not needed).

The model below follows Hugging Face's BertModel semantics (post-LN blocks, erf GELU, additive -10000
mask, tanh pooler) written as plain torch modules, the way a Python user would run it: eval mode,
torch.inference_mode(), nn.Linear per projection. The tokenizer is a small BasicTokenizer + WordPiece
(cased) so that "tokenize + encode" is measured end to end, as the C++ bench does.

Prints key=value lines (bench_bert parses them):
  python_threads=2
  python_query_p50_ms=...
  python_query_p95_ms=...
Usage: bench_bert_python.py --vocab tokenizer/vocab-mbert-cased.txt [--runs 30] [--warmup 3]
       [--threads N] [--query TEXT] [--max-length 16] [--layers 12 --hidden 768 ...]
"""
import argparse
import math
import os
import statistics
import sys
import time
import unicodedata

import torch
from torch import nn


# --- tokenizer: BasicTokenizer (cased) + greedy WordPiece -------------------------------------------
def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class Tokenizer:
    SPECIALS = {"[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"}

    def __init__(self, vocab_path):
        with open(vocab_path, encoding="utf-8") as f:
            self.vocab = {line.strip(): i for i, line in enumerate(f)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    def _basic(self, text):
        out = []
        for ch in text:
            cp = ord(ch)
            if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
                out.append(" ")
            elif cp == 0 or cp == 0xFFFD or unicodedata.category(ch).startswith("C"):
                continue
            elif _is_cjk(cp):
                out.append(" " + ch + " ")
            else:
                out.append(ch)
        words = []
        for word in "".join(out).split():
            if word in self.SPECIALS:
                words.append(word)
                continue
            cur = ""
            for ch in word:
                if _is_punct(ch):
                    if cur:
                        words.append(cur)
                        cur = ""
                    words.append(ch)
                else:
                    cur += ch
            if cur:
                words.append(cur)
        return words

    def _wordpiece(self, word):
        if len(word) > 100:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text, max_length):
        ids = []
        for w in self._basic(text):
            ids.extend(self._wordpiece(w))
        ids = [self.cls] + ids[: max_length - 2] + [self.sep]
        return ids, [1] * len(ids), [0] * len(ids)


# --- BERT in plain torch (Hugging Face BertModel semantics) -----------------------------------------
class Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, ids, types):
        pos = torch.arange(ids.size(1), dtype=torch.long).unsqueeze(0)
        x = self.word_embeddings(ids) + self.position_embeddings(pos) + self.token_type_embeddings(types)
        return self.dropout(self.LayerNorm(x))


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c["hidden_size"]
        self.heads = c["num_attention_heads"]
        self.head_size = h // self.heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_size).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_size) + mask
        probs = self.dropout(torch.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size(0), ctx.size(1), -1)


class AddNorm(nn.Module):
    def __init__(self, c, d_in):
        super().__init__()
        self.dense = nn.Linear(d_in, c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = SelfAttention(c)
        self.output = AddNorm(c, c["hidden_size"])

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = Attention(c)
        self.intermediate = Intermediate(c)
        self.output = AddNorm(c, c["intermediate_size"])

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Bert(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = Embeddings(c)
        self.encoder = nn.Module()
        self.encoder.layer = nn.ModuleList([Layer(c) for _ in range(c["num_hidden_layers"])])
        self.pooler = nn.Module()
        self.pooler.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, ids, mask, types):
        ext = (1.0 - mask[:, None, None, :].to(torch.float32)) * -10000.0
        x = self.embeddings(ids, types)
        for layer in self.encoder.layer:
            x = layer(x, ext)
        return x, torch.tanh(self.pooler.dense(x[:, 0]))


def percentile(values, q):
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--query", default="Ağ bir çitlə əhatə olunmuş otlu bir bağda qara və ağ bir it qaçır.")
    ap.add_argument("--max-length", type=int, default=16)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0,
                    help="0: all CPUs (os.cpu_count()); -1: leave torch's default")
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--intermediate", type=int, default=3072)
    ap.add_argument("--vocab-size", type=int, default=119547)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    if a.threads >= 0:
        torch.set_num_threads(a.threads if a.threads > 0 else (os.cpu_count() or 1))
    torch.manual_seed(a.seed)
    config = dict(vocab_size=a.vocab_size, hidden_size=a.hidden, num_hidden_layers=a.layers,
                  num_attention_heads=a.heads, intermediate_size=a.intermediate, max_position_embeddings=512,
                  type_vocab_size=2, layer_norm_eps=1e-12, hidden_dropout_prob=0.1,
                  attention_probs_dropout_prob=0.1)
    model = Bert(config).eval()
    tok = Tokenizer(a.vocab)

    def query():
        ids, mask, types = tok.encode(a.query, a.max_length)
        with torch.inference_mode():
            ids_t = torch.tensor([ids], dtype=torch.long)
            mask_t = torch.tensor([mask], dtype=torch.long)
            types_t = torch.tensor([types], dtype=torch.long)
            return model(ids_t, mask_t, types_t)[1]

    tokens = len(tok.encode(a.query, a.max_length)[0])
    for _ in range(a.warmup):
        query()
    times = []
    for _ in range(a.runs):
        t0 = time.perf_counter()
        query()
        times.append((time.perf_counter() - t0) * 1000.0)
    print(f"python_torch={torch.__version__}")
    print(f"python_threads={torch.get_num_threads()}")
    print(f"python_query_tokens={tokens}")
    print(f"python_query_runs={a.runs}")
    print(f"python_query_p50_ms={statistics.median(times):.2f}")
    print(f"python_query_p95_ms={percentile(times, 0.95):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
