"""A skill as a merge base, for the merge and merge-driver tests."""

from __future__ import annotations


BASE = """---
name: deploy-service
description: Deploy the service. Use when releasing.
metadata:
  owner: ops
  version: '1'
---

# Deploy

## Steps

1. Build the image.
2. Push it.

## Verify

- Check the health endpoint.
"""
