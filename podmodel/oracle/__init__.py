"""Trace oracle: decide whether a recorded sequence of Pod observations is legal."""
