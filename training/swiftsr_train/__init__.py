"""SwiftSR training engine (PyTorch): `python3 -m training.swiftsr_train --help` from the repository root."""
