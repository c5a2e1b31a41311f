"""Where frames and landmarks come from: video files, cameras, and the MediaPipe model (bundled in ``models/``)."""
