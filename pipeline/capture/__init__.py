"""Raw captures: the content-addressed body store, and the offline replay of a capture set."""

from pipeline.capture.replay import CaptureSet, ReplayEntry, replay_server
from pipeline.capture.store import CaptureIntegrityError, CaptureStore

__all__ = ["CaptureIntegrityError", "CaptureSet", "CaptureStore", "ReplayEntry", "replay_server"]
