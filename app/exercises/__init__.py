"""Guided exercise: the library of glute drills (``library``) with their protocols, cues, electrode
pictures and published %MVIC, and how a protocol is run and scored. Pure logic, no Qt; imports
``app.analysis`` and below, never ``app.session`` or ``app.ui``.
"""
