"""podmodel: a formal, Kubernetes-faithful model of the Pod and container lifecycle."""

__version__ = "0.1.0"
