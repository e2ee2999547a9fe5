"""The what-if planner: a discrete-event simulation of the gate, calibrated on its events."""
