"""Benchmarks: measured and reported, never asserted as wall-clock limits in tests."""
