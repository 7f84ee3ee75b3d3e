"""Live input: watch the Pods of a running cluster with the official Kubernetes client.

`PodWatcher` lists the pods (in pages, ``limit``/``continue``), then watches from the list's
``resourceVersion`` with bookmarks (``allowWatchBookmarks``), the way client-go's reflector
does (``k8s.io/client-go/tools/cache/reflector.go``, ``ListAndWatch``):

* each watch request has a ``timeoutSeconds``; when the server closes it, the next one
  resumes from the last ``resourceVersion`` seen (an object's or a bookmark's);
* ``410 Gone`` (the version is too old: an ``ERROR`` event with code 410, or the HTTP status)
  means events were lost: the watcher lists again and reports what changed meanwhile --
  every pod whose ``resourceVersion`` moved as ``MODIFIED``, every pod that disappeared as
  ``DELETED`` (carrying the last object seen) -- then watches from the new list.  A pod
  updated several times during the gap shows only its last state: to the oracle this is
  like any coalesced watch update (hidden steps are searched for).

`PodWatcher.events` yields watch events ``{"type": "ADDED"|"MODIFIED"|"DELETED", "object":
<Pod as the API serves it>}``, the input `podmodel.oracle.checker.TraceChecker` reads.
The ``kubernetes`` package is the ``watch`` extra (``pip install 'podmodel[watch]'``).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

#: HTTP status of an expired resourceVersion.
GONE = 410
#: Page size of the list requests.
PAGE = 500


def pod_to_api_dict(pod: Any) -> dict[str, Any]:
    """A kubernetes-client ``V1Pod`` as the API's JSON (camelCase keys, RFC 3339 times)."""
    from kubernetes.client import ApiClient

    return ApiClient().sanitize_for_serialization(pod)


def load_client(*, kubeconfig: str | None = None, context: str | None = None, in_cluster: bool = False) -> Any:
    """A ``kubernetes.client.ApiClient`` from a kubeconfig (default: ``$KUBECONFIG`` or
    ``~/.kube/config``) or, with ``in_cluster``, from the pod's service account."""
    from kubernetes import client, config

    if in_cluster:
        config.load_incluster_config()
        return client.ApiClient()
    return config.new_client_from_config(config_file=kubeconfig, context=context)


class PodWatcher:
    """List then watch Pods; `events` yields watch events, resuming after ``410 Gone``.

    Parameters
    ----------
    api_client : kubernetes.client.ApiClient, optional
        Default: `load_client` from the kubeconfig.
    namespace : str, optional
        Watch one namespace (default: ``"default"`` unless ``all_namespaces``).
    label_selector : str, optional
        E.g. ``"app=web"``.
    all_namespaces : bool
        Watch every namespace.
    timeout_seconds : int
        Lifetime of one watch request (the server closes it; the watcher opens the next).
    """

    def __init__(self, api_client: Any = None, *, namespace: str | None = None, label_selector: str | None = None,
                 all_namespaces: bool = False, timeout_seconds: int = 60) -> None:
        from kubernetes import client

        self.api = client.CoreV1Api(api_client if api_client is not None else load_client())
        self.namespace = None if all_namespaces else (namespace or "default")
        self.label_selector = label_selector
        self.timeout_seconds = timeout_seconds
        self.resource_version: str | None = None
        self.relists = 0
        self.error: BaseException | None = None
        self._known: dict[str, dict[str, Any]] = {}  # uid -> last object
        self._stopped = threading.Event()
        self._listed = threading.Event()
        self._resp = None

    # ------------------------------------------------------------------ requests
    def _call(self, **kwargs: Any) -> Any:
        if self.label_selector:
            kwargs["label_selector"] = self.label_selector
        if self.namespace is None:
            return self.api.list_pod_for_all_namespaces, kwargs
        return self.api.list_namespaced_pod, {"namespace": self.namespace, **kwargs}

    def list(self) -> tuple[list[dict[str, Any]], str]:
        """Every pod (all pages) and the list's resourceVersion."""
        items: list[dict[str, Any]] = []
        token = None
        while True:
            func, kwargs = self._call(limit=PAGE, _preload_content=False, **({"_continue": token} if token else {}))
            resp = func(**kwargs)
            try:
                _check_status(resp)
                doc = json.loads(resp.data)
            finally:
                resp.release_conn()
            items += [dict(p, apiVersion="v1", kind="Pod") for p in doc.get("items") or []]
            meta = doc.get("metadata") or {}
            token = meta.get("continue")
            if not token:
                return items, str(meta.get("resourceVersion") or "")

    def _relist(self, initial: bool) -> Iterator[dict[str, Any]]:
        items, rv = self.list()
        seen = set()
        for pod in items:
            uid = (pod.get("metadata") or {}).get("uid")
            seen.add(uid)
            old = self._known.get(uid)
            if old is not None and _rv(old) == _rv(pod):
                continue
            self._known[uid] = pod
            yield {"type": "ADDED" if old is None else "MODIFIED", "object": pod}
        if not initial:
            for uid in [u for u in self._known if u not in seen]:
                yield {"type": "DELETED", "object": self._known.pop(uid)}
        self.resource_version = rv
        self._listed.set()

    # ------------------------------------------------------------------ the loop
    def _lines(self, resp) -> Iterator[bytes]:
        buf = b""
        for chunk in resp.stream(4096, decode_content=True):
            buf += chunk
            *lines, buf = buf.split(b"\n")
            yield from (line for line in lines if line.strip())
            if self._stopped.is_set():
                return
        if buf.strip():
            yield buf

    def _watch_once(self) -> Iterator[dict[str, Any]]:
        """One watch request, from `resource_version`; raises `Gone` on 410."""
        func, kwargs = self._call(resource_version=self.resource_version, allow_watch_bookmarks=True,
                                  timeout_seconds=self.timeout_seconds, watch=True, _preload_content=False)
        # The request goes through the client's generated API (auth, TLS, proxies); the
        # response is read here, as JSON lines, so that objects reach the oracle exactly as
        # the API served them (the client's models reject objects lacking fields they require).
        from kubernetes.client.exceptions import ApiException

        try:
            self._resp = resp = func(**kwargs)
        except ApiException as e:
            if e.status == GONE:
                raise Gone(str(e.reason)) from None
            raise
        try:
            _check_status(resp)
            for line in self._lines(resp):
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    if obj.get("code") == GONE:
                        raise Gone(obj.get("message") or "Gone")
                    raise _api_error(obj.get("code"), f"{obj.get('reason')}: {obj.get('message')}")
                rv = (obj.get("metadata") or {}).get("resourceVersion")
                if rv:
                    self.resource_version = str(rv)
                if kind not in ("ADDED", "MODIFIED", "DELETED"):
                    continue  # BOOKMARK: only its resourceVersion matters
                obj = dict(obj, apiVersion=obj.get("apiVersion", "v1"), kind=obj.get("kind", "Pod"))
                uid = (obj.get("metadata") or {}).get("uid")
                if kind == "DELETED":
                    self._known.pop(uid, None)
                else:
                    self._known[uid] = obj
                yield {"type": kind, "object": obj}
        finally:
            resp.release_conn()
            self._resp = None

    def events(self) -> Iterator[dict[str, Any]]:
        """Watch events until `stop` (or an error other than ``410 Gone``, kept in `error`)."""
        try:
            yield from self._relist(initial=True)
            while not self._stopped.is_set():
                try:
                    for event in self._watch_once():
                        yield event
                        if self._stopped.is_set():
                            return
                except Gone:
                    self.relists += 1
                    yield from self._relist(initial=False)
        except BaseException as e:  # noqa: BLE001 - handed to the caller through `error`
            if not isinstance(e, GeneratorExit) and not self._stopped.is_set():
                self.error = e
                self._listed.set()
                raise

    def wait_listed(self, timeout: float | None = 30) -> bool:
        """Block until the first list is done (for callers running `events` in a thread)."""
        return self._listed.wait(timeout)

    def stop(self) -> None:
        """Stop now: the open watch request is cut (as the client's own ``Watch.stop`` does)."""
        self._stopped.set()
        resp = self._resp
        sock = getattr(getattr(resp, "connection", None), "sock", None) if resp is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Gone(Exception):
    """The watch's resourceVersion is too old (HTTP 410): list again."""


def _api_error(status: Any, reason: str) -> Exception:
    from kubernetes.client.exceptions import ApiException

    return ApiException(status=status, reason=reason)


def _check_status(resp: Any) -> None:
    status = getattr(resp, "status", 200)
    if status == GONE:
        raise Gone(getattr(resp, "reason", "Gone"))
    if not 200 <= status <= 299:
        try:
            message = json.loads(resp.data).get("message")
        except (ValueError, AttributeError):
            message = None
        raise _api_error(status, message or getattr(resp, "reason", ""))


def _rv(pod: dict[str, Any]) -> Any:
    return (pod.get("metadata") or {}).get("resourceVersion")
