"""What a session leaves behind: the overlay drawn on frames, report.json and timeline.csv, the history database."""
