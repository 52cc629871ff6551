"""Helpers shared by the tiers of test_data_profile's tests."""

from __future__ import annotations

from tests.conftest import SHIPPED_RAW

README = SHIPPED_RAW / "README.md"
