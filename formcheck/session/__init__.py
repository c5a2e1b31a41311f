"""Drivers that run the engine end to end: over a recorded video (offline) and over a camera (live)."""
