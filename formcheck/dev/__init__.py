"""Developer tools: the synthetic performer that makes the sample clips, and the regression runner."""
