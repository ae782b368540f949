"""Publications: the day's fixings as files, a manifest of their digests, and its Ed25519 signature."""

from pipeline.publish.files import fixing_records, verify_publication, write_publication

__all__ = ["fixing_records", "verify_publication", "write_publication"]
