"""The one exception every decoder raises for a payload it cannot use.

A BLE notification callback catches exactly this type, counts the payload as malformed and carries
on; anything else escaping a decoder is a programming error and should surface.
"""

from __future__ import annotations


class MalformedPacket(ValueError):
    """A notification that does not fit its protocol; the message is one plain sentence."""
