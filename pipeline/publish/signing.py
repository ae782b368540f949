"""Ed25519 signatures over publication manifests.

The private key never lives in the repository: it comes from `CIX_SIGNING_KEY` (PEM, or
base64 of the 32-byte seed), `CIX_SIGNING_KEY_FILE`, or an Airflow connection named by
`CIX_SIGNING_CONN_ID` (its password holds the key). With none of these, a development key
is created under `$CIX_HOME/keys/` and every manifest says so.
"""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    origin: str  # env | file | airflow | development

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def fingerprint(self) -> str:
        raw = self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "sha256:" + hashlib.sha256(raw).hexdigest()

    def sign(self, message: bytes) -> bytes:
        return base64.b64encode(self.private.sign(message)) + b"\n"


def _from_text(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key is not an Ed25519 key")
        return key
    seed = base64.b64decode(text, validate=True)
    if len(seed) != 32:
        raise ValueError("a base64 signing key must decode to the 32-byte Ed25519 seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_signing_key(
    home: Path, *, allow_development: bool = True, connection: Callable[[str], str] | None = None
) -> SigningKey:
    """The publication key: from the environment, a file, or a named connection (`connection` looks it up)."""
    if os.environ.get("CIX_SIGNING_KEY"):
        return SigningKey(_from_text(os.environ["CIX_SIGNING_KEY"]), "env")
    if os.environ.get("CIX_SIGNING_KEY_FILE"):
        return SigningKey(_from_text(Path(os.environ["CIX_SIGNING_KEY_FILE"]).read_text()), "file")
    if os.environ.get("CIX_SIGNING_CONN_ID"):
        if connection is None:
            raise RuntimeError("CIX_SIGNING_CONN_ID is set but no connection lookup is available outside Airflow")
        return SigningKey(_from_text(connection(os.environ["CIX_SIGNING_CONN_ID"])), "airflow")
    if not allow_development:
        raise RuntimeError("no signing key: set CIX_SIGNING_KEY, CIX_SIGNING_KEY_FILE or CIX_SIGNING_CONN_ID")
    return SigningKey(development_key(home / "keys"), "development")


def development_key(folder: Path) -> Ed25519PrivateKey:
    """A local key for `make run` and tests, created once (0600, written atomically) with its public half beside
    it. An empty key file (a crash of an older version mid-write) is replaced."""
    path = folder / "dev-ed25519.pem"
    if path.exists() and path.stat().st_size == 0:
        path.unlink()
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fresh = Ed25519PrivateKey.generate()
        pem = fresh.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_atomically(path, pem, 0o600)  # if another process made the key first, theirs is kept
    key = _from_text(path.read_text())
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pub = folder / "dev-ed25519.pub.pem"
    if not pub.is_file() or pub.read_bytes() != public:
        _write_atomically(pub, public, 0o644, replace=True)
    return key


def _write_atomically(path: Path, data: bytes, mode: int, *, replace: bool = False) -> bool:
    """Write, fsync, then link into place (or replace, if asked): a crash leaves no empty or partial file.
    False if the file already existed and was not to be replaced."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            if replace:
                os.replace(tmp, path)
            else:
                os.link(tmp, path)  # atomic, and fails rather than replace a key someone else wrote
        except FileExistsError:
            return False
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def verify_signature(message: bytes, signature_b64: bytes, public_pem: bytes) -> bool:
    """Whether the signature verifies; ValueError (with the reason) when the public key is not a usable key."""
    try:
        key = serialization.load_pem_public_key(public_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"not a PEM public key ({type(exc).__name__})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the public key is not an Ed25519 key")
    try:
        key.verify(base64.b64decode(signature_b64.strip(), validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
