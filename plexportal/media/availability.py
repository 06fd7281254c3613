"""Availability gate (filled in next)."""
