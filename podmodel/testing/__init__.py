"""Testing helpers for users' own test suites.

- `~podmodel.testing.strategies`: Hypothesis strategies (Pod manifests, configurations,
  bounds, action sequences) for property tests of an implementation
"""
