"""One module per CLI command (see :mod:`altmeasures_eval.cli`). Commands are the I/O edge."""
