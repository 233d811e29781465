"""Approximate token counts, without a tokenizer (no downloads, no heavy imports).

About four characters of English per token is the usual rule of thumb for BPE
tokenizers; code and non-Latin text cost more, so this is a floor-ish estimate
meant for comparing skills, not for billing.
"""

from __future__ import annotations

import math

CHARS_PER_TOKEN = 4


def approx_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0
