"""Test helpers shared by several test packages (local push service)."""
