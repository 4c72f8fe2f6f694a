"""Pure numpy/scipy signal processing: no Qt, arrays shaped (channels, samples)."""
