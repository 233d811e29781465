"""Provider batch APIs: phase one's model calls sent as one batch (OpenAI-compatible files and batches
endpoints, through litellm): half the price and no rate limits, at the cost of waiting, up to a day."""
