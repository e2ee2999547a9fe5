"""Load tests and pipeline benchmarks that drive a running clearance service over HTTP."""
