"""Exercise knowledge applied frame by frame: the exercise files, setup and position checks, rules, reps, holds, cues."""
