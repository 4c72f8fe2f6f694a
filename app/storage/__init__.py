"""What is kept: the crash-safe streaming CSV recorder, readers for our CSV and generic text, the
CSV format's metadata helpers and the SQLite records (people, %MVIC references, sessions).
"""
