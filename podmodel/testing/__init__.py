"""Testing helpers for users' own test suites.

- `~podmodel.testing.strategies`: Hypothesis strategies (Pod manifests, configurations,
  bounds, action sequences) for property tests of an implementation (extra ``explore``)
- `~podmodel.testing.pytest_plugin`: the pytest plugin (entry point ``pytest11``), whose
  fixture ``pod_recorder`` checks the Pods a test's cluster produced
"""
