"""The one exception every decoder raises for a payload it cannot use."""

from __future__ import annotations


class MalformedPacket(ValueError):
    """A notification that does not fit its protocol; the message is one sentence."""
