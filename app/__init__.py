"""GluteFire: live surface-EMG biofeedback for glute activation."""

from __future__ import annotations

__version__ = "0.1.0"
