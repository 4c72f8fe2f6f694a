"""The streaming chain, pure numpy/scipy, no Qt: ring buffer, filters, envelope, firing detection,
display decimation and the DSP worker thread. Arrays are shaped (channels, samples).

What the signal *means* (onsets, reps, fatigue, %MVIC...) lives one floor up, in ``app.analysis``.
"""
