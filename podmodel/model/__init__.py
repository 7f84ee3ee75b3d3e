"""The model: what a pod may legally do, and nothing about how it is checked.

One module per concern, each standing only on those listed before it:

- `~podmodel.model.gates`, `~podmodel.model.config`: feature gates; the pod configuration read from a manifest
- `~podmodel.model.bounds`, `~podmodel.model.backoff`: checking bounds (kept out of the rules); crash-loop back-off
- `~podmodel.model.machines`: the component machines, declared as data
- `~podmodel.model.actions`: the action vocabulary (Actor+Verb)
- `~podmodel.model.kubelet`: the kubelet's rules (getPhase, conditions, restarts): their only copy
- `~podmodel.model.product`: the product model -- ``initial_states``, ``actions``, ``next_state``
- `~podmodel.model.properties`: the property catalogue
- `~podmodel.model.projection`, `~podmodel.model.reference`: states as Pod objects; Pod objects to expected status

This package imports nothing of the engines, renderers, verifier or command line.  The
product model's names are re-exported here, so ``from podmodel.model import Model`` works.

>>> from podmodel.model import Model, PodState
>>> Model.__module__
'podmodel.model.product'
"""

from podmodel.model.product import (
    CONTAINER_TRIGGERS,
    GUARDS,
    INSTANCE_STATES,
    POD_TRIGGERS,
    PROBE_TRIGGERS,
    RUNNING_STATES,
    SANDBOX_EXIT_CODE,
    STARTED_STATES,
    STATE_FIELD,
    TRANSIENT_GUARDS,
    ActionNotEnabled,
    ContainerState,
    Ctx,
    Guard,
    Model,
    PodState,
    UnsupportedConfig,
    any_running,
    exit_reason,
)

__all__ = [
    "CONTAINER_TRIGGERS", "GUARDS", "INSTANCE_STATES", "POD_TRIGGERS", "PROBE_TRIGGERS", "RUNNING_STATES",
    "SANDBOX_EXIT_CODE", "STARTED_STATES", "STATE_FIELD", "TRANSIENT_GUARDS", "ActionNotEnabled", "ContainerState",
    "Ctx", "Guard", "Model", "PodState", "UnsupportedConfig", "any_running", "exit_reason",
]
