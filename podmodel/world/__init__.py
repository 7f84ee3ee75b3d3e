"""Worlds of pods: nodes, a scheduler, controllers and the pod GC around product-model pods.

The layer between the pod model and the engines (docs/architecture.md, docs/worlds.md):
`podmodel.world.model.World` has the product model's interface, so the explorer and the
Hypothesis engine run it unchanged.
"""

from podmodel.world.model import Slot, World, WorldState
from podmodel.world.spec import WORLD_DIR, WorldError, bundled_worlds, is_world_file, load_world

__all__ = ["Slot", "World", "WorldState", "WORLD_DIR", "WorldError", "bundled_worlds", "is_world_file", "load_world"]
