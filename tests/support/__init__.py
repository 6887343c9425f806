"""Helpers shared by the test modules (imported by them and by the conftest fixtures)."""
