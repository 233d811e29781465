"""Fixtures of the model-path tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A placeholder key (local servers need one), a fixed date, and litellm's bundled price map."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-secret")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
