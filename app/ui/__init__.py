"""Qt widgets and windows only; thin, talking to the session layer."""
