"""Running a session: ``LiveStream`` (source -> ring -> DSP worker -> sinks) and the
``SessionController`` the window and the CLI both drive. No Qt.
"""
