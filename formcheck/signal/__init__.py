"""From raw landmarks to clean numbers: smoothing, and the named features (angles, ratios) rules are written in."""
