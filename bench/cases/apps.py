"""Your own app (`build.py app`): the example project's app folder beside the IDE.

Its size on disk against dist/'s, and its start-up, cold in a fresh browser context, from
disk and served: navigation to Python ready (both pages), and to the end of the example
program, which trains on the digits (the app only).
"""

import tempfile
import threading
from pathlib import Path

import build

EXAMPLE = build.ROOT / "examples" / "apps" / "digits_app"


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _open(harness, url, finish):
    page = harness.new_page()
    page.goto(url)
    page.evaluate("() => window.pyapp.ready")
    ready = page.evaluate("() => window.pyapp.session.readyAt")
    ended = None
    if finish:
        main = page.evaluate("() => window.pyapp.main")
        assert main["error"] is None, main["error"]
        ended = page.evaluate("() => performance.now()")
    page.context.close()
    return ready, ended


def run(harness, runs, quick):
    folder = build.build_app(EXAMPLE, Path(tempfile.mkdtemp(prefix="pyapp-bench-app-")) / "digits-app", None)
    server = build.make_server(0, folder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served = f"http://127.0.0.1:{server.server_address[1]}/"
    variants = {"digits-app-file": lambda: _open(harness, (folder / "index.html").as_uri(), True),
                "digits-app-served": lambda: _open(harness, served, True),
                "ide-file": lambda: _open(harness, harness.url("file"), False),
                "ide-served": lambda: _open(harness, harness.url("served"), False)}
    measured = {name: ([], []) for name in variants}
    try:
        for _ in range(runs):
            for name, load in variants.items():  # interleaved, so drift hits all alike
                for values, value in zip(measured[name], load()):
                    values.append(value)
    finally:
        server.shutdown()
    figures = [{"case": "apps", "name": "folder_size", "variant": "digits-app", "unit": "MB", "values": [_folder_mb(folder)]},
               {"case": "apps", "name": "folder_size", "variant": "ide", "unit": "MB", "values": [_folder_mb(harness.dist)]}]
    for name, (ready, ended) in measured.items():
        figures.append({"case": "apps", "name": "python_ready", "variant": name, "unit": "ms", "values": ready})
        if ended[0] is not None:
            figures.append({"case": "apps", "name": "program_finished", "variant": name, "unit": "ms", "values": ended})
    return figures
