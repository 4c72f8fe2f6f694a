"""What the signal means, no Qt, the same code live and offline: onsets, firing order, reps,
symmetry, fatigue, signal quality, %MVIC; ``offline.analyze`` for a recording and
``live.LiveAnalysis`` rep by rep on the DSP thread. Imports only ``app.dsp`` and below.
"""
