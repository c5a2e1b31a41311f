"""Plain values every stage shares: landmark names, a pose, verdicts, errors. Imports nothing else from formcheck."""
