"""A scripted stand-in for the Kubernetes API server's Pod list and watch (for the tests of
``podmodel watch`` and the pytest plugin): the real Kubernetes client talks to it over HTTP.

It serves what the API server serves (``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/
watch.go``, ``get.go``): a ``PodList`` with ``metadata.resourceVersion`` (paged with
``limit``/``continue``), and watch responses as chunked JSON lines ``{"type", "object"}``,
with ``BOOKMARK`` events and the ``ERROR`` event carrying a ``Status`` with code 410 when
the requested resourceVersion is too old (or an HTTP 410 answer).

The script is a list of responses, used in order per kind of request:
``lists`` (each a list of pages, a page ``(items, continue_token, resourceVersion)``) and
``watches`` (each a list of events, or the int 410 for an HTTP 410 answer).  When the
script is used up, a watch waits ``idle`` seconds and ends empty, like a timeout.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse


def gone(rv: str = "1") -> dict:
    """The ERROR event of an expired resourceVersion."""
    return {"type": "ERROR", "object": {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                                        "message": f"too old resource version: {rv}", "reason": "Expired", "code": 410}}


def bookmark(rv: str) -> dict:
    return {"type": "BOOKMARK", "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": rv}}}


class FakeApiServer:
    def __init__(self, lists, watches, *, idle: float = 0.2, delay: float = 0.01) -> None:
        self.lists, self.watches = list(lists), list(watches)
        self.idle, self.delay = idle, delay
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                with server._lock:
                    server.requests.append((url.path, query))
                if not (url.path.startswith("/api/v1/") and url.path.endswith("/pods")):
                    return self._json(404, {"kind": "Status", "code": 404, "message": "not found"})
                if query.get("watch") == ["true"]:
                    return self._watch()
                return self._list(query)

            def _json(self, code: int, doc: dict) -> None:
                body = json.dumps(doc).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _list(self, query) -> None:
                with server._lock:
                    pages = server.lists[0] if server.lists else [([], None, "1")]
                    token = (query.get("continue") or [None])[0]
                    k = int(token[1:]) if token else 0
                    items, cont, rv = pages[k]
                    if cont is None and server.lists:
                        server.lists.pop(0)
                meta = {"resourceVersion": rv, **({"continue": f"p{k + 1}"} if cont else {})}
                self._json(200, {"kind": "PodList", "apiVersion": "v1", "metadata": meta, "items": items})

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _watch(self) -> None:
                with server._lock:
                    script = server.watches.pop(0) if server.watches else None
                if script == 410:
                    return self._json(410, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                            "message": "too old resource version", "reason": "Expired", "code": 410})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if script is None:
                    time.sleep(server.idle)
                for event in script or []:
                    time.sleep(server.delay)
                    self._chunk(json.dumps(event).encode() + b"\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # clients hang up mid-stream: expected
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeApiServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def kubeconfig(self, directory: Path, namespace: str = "test") -> Path:
        """A kubeconfig pointing the client at this server."""
        path = Path(directory) / "kubeconfig"
        path.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "fake",
            "clusters": [{"name": "fake", "cluster": {"server": f"http://127.0.0.1:{self.port}"}}],
            "users": [{"name": "tester", "user": {"token": "not-a-secret"}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester", "namespace": namespace}}],
        }))
        return path

    def watch_queries(self) -> list[dict[str, list[str]]]:
        return [q for _, q in self.requests if q.get("watch") == ["true"]]
