"""Ed25519 keys and IDs, exactly as the server and the C++ SDK derive them.

A private key is the 32-byte Ed25519 *seed* written as 64 hex characters (libsodium
``crypto_sign_seed_keypair``); the ID is the 32-byte public key as 64 lowercase hex characters
(docs/protocol.md §1). This module signs; it never talks to a server.
"""

from __future__ import annotations

import os
import stat
import string

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.exceptions import InvalidSignature
except ImportError as e:  # pragma: no cover - depends on the machine
    raise ImportError(
        "the Colonies SDK needs the 'cryptography' package for Ed25519: "
        "apt-get install python3-cryptography (Debian) or pip install cryptography") from e

_HEX = frozenset(string.hexdigits)


def _is_hex(text: str, length: int) -> bool:
    return len(text) == length and all(c in _HEX for c in text)


def _is_lower_hex(text: str, length: int) -> bool:
    return _is_hex(text, length) and text == text.lower()


class PrivateKey:
    """An Ed25519 signing key.

    >>> key = PrivateKey.generate()
    >>> len(key.id)
    64

    ``str(key)`` and ``repr(key)`` never show the secret; use ``key.hex()`` deliberately.
    """

    __slots__ = ("_key", "_hex", "_id")

    def __init__(self, private_key_hex: str) -> None:
        """Loads a key from its 64 hex characters (either case; stored lowercase).

        Raises:
            ValueError: the text is not 64 hex characters.
        """
        if not isinstance(private_key_hex, str):
            raise TypeError(f"a private key is a str of 64 hex characters, not {type(private_key_hex).__name__}")
        text = private_key_hex.strip()
        if len(text) != 64:
            raise ValueError(f"a private key is 64 hex characters, got {len(text)}")
        if not _is_hex(text, 64):
            raise ValueError("a private key is 64 hex characters; this one is not hex")
        self._hex = text.lower()
        self._key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(self._hex))
        public = self._key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._id = public.hex()

    @classmethod
    def generate(cls) -> "PrivateKey":
        """A new random key (32 bytes from the operating system's CSPRNG)."""
        return cls(os.urandom(32).hex())

    @classmethod
    def from_file(cls, path: str) -> "PrivateKey":
        """Reads a key file holding one key (surrounding whitespace allowed).

        Fails closed like the C++ tools: a file that group or others can access is refused,
        because a key others can read counts as disclosed (docs/security.md, "Permissions").

        Raises:
            ValueError: the file is not a regular file, is too open, or holds no valid key.
            OSError: the file cannot be read.
        """
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"key file {path} is not a regular file")
        if info.st_mode & 0o077:
            raise ValueError(
                f"key file {path} is accessible by group or others (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"a private key must be readable by its owner only: chmod 600 {path}")
        with open(path, "r", encoding="ascii", errors="replace") as f:
            text = f.read().strip()
        if not _is_hex(text, 64):
            raise ValueError(f"key file {path} must hold one private key: 64 hex characters")
        return cls(text)

    def save(self, path: str) -> None:
        """Writes the key to a new file created with mode 0600; an existing file is never replaced.

        Raises:
            FileExistsError: ``path`` exists.
        """
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, (self._hex + "\n").encode("ascii"))
        finally:
            os.close(fd)

    @property
    def id(self) -> str:
        """The ID: the public key as 64 lowercase hex characters."""
        return self._id

    def hex(self) -> str:
        """The private key (seed) as 64 lowercase hex characters. Keep it secret."""
        return self._hex

    def sign(self, message: bytes) -> str:
        """The detached Ed25519 signature of ``message`` as 128 lowercase hex characters."""
        return self._key.sign(message).hex()

    def __repr__(self) -> str:
        return f"PrivateKey(id={self._id})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivateKey) and other._hex == self._hex

    def __hash__(self) -> int:
        return hash(self._id)


def id_of(private_key_hex: str) -> str:
    """The ID (public key hex) of a private key given as 64 hex characters."""
    return PrivateKey(private_key_hex).id


def verify(message: bytes, signature_hex: str, signer_id: str) -> bool:
    """Whether ``signature_hex`` is a valid Ed25519 signature of ``message`` by ``signer_id``.

    Fails closed as the server does: anything malformed (not lowercase hex of the right length)
    is simply not a valid signature.
    """
    if not _is_lower_hex(signature_hex, 128) or not _is_lower_hex(signer_id, 64):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(signer_id)).verify(bytes.fromhex(signature_hex), message)
        return True
    except (InvalidSignature, ValueError):
        return False
