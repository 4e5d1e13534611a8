"""Counting only — no torch here. Every number depthsep states about a theorem comes from this package."""
