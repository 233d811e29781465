"""Text utilities shared by redaction, digests and lint: secrets, noise, keywords, tokens, similarity."""
