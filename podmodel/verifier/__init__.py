"""The verifier suite: what ``make verify`` runs.

- `~podmodel.verifier.scenarios`: bundled scenarios (manifests with checking bounds)
- `~podmodel.verifier.suite`: the scenario matrix, the plan from a budget, both engines with cross-check
- `~podmodel.verifier.mutants`: seeded model bugs that the engines must catch (the self-check)
- `~podmodel.verifier.workers`: running jobs in worker processes

The verifier sits on the model and the engines; only the command line imports it.
"""
