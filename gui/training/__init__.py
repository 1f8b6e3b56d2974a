"""Training: the hyper-parameter panel, the live run (the session and its trainer process) and the curves."""
