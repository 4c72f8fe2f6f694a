"""Sessions: live streaming wiring, crash-safe recording, reading recordings back."""
