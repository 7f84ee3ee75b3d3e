"""Renderers: everything podmodel draws or writes about the model, derived from it.

- `~podmodel.render.diagrams`: Graphviz diagrams of the machines, of explored graphs projected
  onto a component, and of counterexample paths
- `~podmodel.render.graph_export`: an explored graph as GraphML or JSON
- `~podmodel.render.catalogue`: the property catalogue as the README's table

Renderers sit on the model and the engines; nothing below imports them.
"""
