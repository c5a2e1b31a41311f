"""From raw landmarks to clean numbers: smoothing, geometry, leg roles, and the registry of named features (angles, ratios) rules are written in."""
