"""Training: the hyper-parameter panel, the live run (session, worker, snapshots) and the curves."""
