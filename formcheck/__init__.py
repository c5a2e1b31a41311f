"""formcheck: stretching and exercise form feedback from pose landmarks."""

__version__ = "0.1.0"
