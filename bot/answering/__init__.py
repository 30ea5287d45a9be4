"""Question in, cited answer or honest refusal out: parsing, timeframes, refusals, retrieval, answerers."""
