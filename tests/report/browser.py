"""Headless Chromium driven over the DevTools protocol: what a reader's browser sees of a report.

One browser per check, offline (every host name fails to resolve), file:// pages. For each page it
records console errors, uncaught exceptions, failed requests, requests leaving the machine, images
that did not load, and the visible text; it can also check that link targets exist and save a
screenshot. websocket-client (a dev dependency) carries the protocol.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import websocket

LOCAL = re.compile(r"^(file:|data:|about:|chrome|devtools:)")


@dataclass
class PageSeen:
    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    text: str = ""
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # href of every <a class="evidence-link">


class Browser:
    """A headless Chromium with one page, driven over its DevTools websocket."""

    def __init__(self, binary: str, profile: Path) -> None:
        self.proc = subprocess.Popen(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        browser_ws = self._listening_url()
        port = re.search(r":(\d+)/", browser_ws).group(1)
        self.ws = websocket.create_connection(browser_ws, timeout=60)
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.port = int(port)
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable", session=True)

    def _listening_url(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on (ws://\S+)", line)
            if m:
                return m.group(1)
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("chromium did not start its DevTools endpoint")

    def call(self, method: str, session: bool = False, **params) -> dict:
        """Send one command and return its result; events met on the way are kept."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def visit(self, url: str, settle: float = 0.5) -> PageSeen:
        """Load url, wait for its load event, and report what the reader would meet."""
        self.events = []
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + 60
        loaded = False
        while time.monotonic() < deadline and not loaded:
            event = json.loads(self.ws.recv())
            self.events.append(event)
            loaded = event.get("method") == "Page.loadEventFired"
        time.sleep(settle)
        probe = """JSON.stringify({
          text: document.body ? document.body.innerText : "",
          ids: Array.from(document.querySelectorAll("[id]")).map(e => e.id),
          links: Array.from(document.querySelectorAll("a.evidence-link")).map(a => a.href),
          broken: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
                        .map(i => i.getAttribute("src").slice(0, 80)),
        })"""
        seen = json.loads(
            self.call("Runtime.evaluate", session=True, expression=probe, returnByValue=True)[
                "result"
            ]["value"]
        )
        page = PageSeen(url, text=seen["text"], ids=set(seen["ids"]), links=seen["links"])
        page.broken_images = seen["broken"]
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                page.console_errors.append(str(params.get("args")))
            elif method == "Runtime.exceptionThrown":
                page.console_errors.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                page.console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                if not LOCAL.match(params["request"]["url"]):
                    page.external_requests.append(params["request"]["url"])
            elif method == "Network.loadingFailed":
                page.failed_requests.append(params.get("errorText", "") + " " + params["requestId"])
        return page

    def screenshot(self, path: Path) -> Path:
        """The first screen of the current page as PNG."""
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait(timeout=30)


def lands(href: str, ids: set[str]) -> bool:
    """Whether a link's fragment names an element, matched as the browser does (raw, then decoded)."""
    if "#" not in href:
        return True
    raw = href.split("#", 1)[1]
    return raw in ids or unquote(raw) in ids
