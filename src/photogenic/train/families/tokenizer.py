"""CLIP and T5 tokenizers built offline from a word list (no download): whole words for the known
vocabulary, characters for anything else.

CLIP's BPE splits a word into characters, marks the last with ``</w>``, then applies merges by
rank. Merging each known word left to right (``r e`` → ``re``, ``re d</w>`` → ``red</w>``) makes
every known word a single token, while the full byte alphabet keeps unknown text encodable.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

from tokenizers.pre_tokenizers import ByteLevel
from transformers import CLIPTokenizer, T5Tokenizer

SPECIALS = ["<|startoftext|>", "<|endoftext|>"]


def build_clip_tokenizer(words: Iterable[str], model_max_length: int = 77) -> CLIPTokenizer:
    """A ``CLIPTokenizer`` whose vocabulary holds every byte, and each of ``words`` as one token."""
    alphabet = sorted(ByteLevel.alphabet())
    vocab: dict[str, int] = {}
    for token in [*SPECIALS, *alphabet, *(c + "</w>" for c in alphabet)]:
        vocab.setdefault(token, len(vocab))
    merges: list[tuple[str, str]] = []
    seen_merges: set[tuple[str, str]] = set()
    for word in sorted({w.lower() for w in words if w.strip()}):
        if not word.isalpha() or len(word) < 2:
            continue
        parts = list(word[:-1]) + [word[-1] + "</w>"]
        left = parts[0]
        for right in parts[1:]:
            merge = (left, right)
            left = left + right
            if merge not in seen_merges:
                seen_merges.add(merge)
                merges.append(merge)
            vocab.setdefault(left, len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=model_max_length)


def build_t5_tokenizer(words: Iterable[str]) -> T5Tokenizer:
    """A ``T5Tokenizer`` built offline (no download): each of ``words`` is one ``▁word`` piece,
    single printable characters spell anything else (other characters become ``<unk>``)."""
    vocab: list[tuple[str, float]] = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    known = sorted({w.lower() for w in words if w.strip() and " " not in w.strip()})
    vocab += [("▁" + w, -1.0) for w in known]
    seen = {piece for piece, _ in vocab}
    chars = ["▁", *string.ascii_letters, *string.digits, *string.punctuation]
    vocab += [(c, -10.0) for c in chars if c not in seen]
    return T5Tokenizer(vocab=vocab, extra_ids=0)
