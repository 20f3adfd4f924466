"""Intake's entrypoints in groups, composed into one nameko service by ``service.py``."""
