"""Raw captures: the content-addressed body store (local or in the lake's object store), and the offline replay of a
capture set."""

from pipeline.capture.objects import ObjectStore
from pipeline.capture.replay import CaptureSet, ReplayEntry, replay_server
from pipeline.capture.store import CaptureIntegrityError, CaptureStore

__all__ = ["CaptureIntegrityError", "CaptureSet", "CaptureStore", "ObjectStore", "ReplayEntry", "replay_server"]
