"""Build hook only (everything else is in pyproject.toml): a wheel carries the built web app.

`frontend/dist` (made by `make web`, or `npm ci && npm run build` in frontend/) is copied into the
wheel as `hub/webapp/`, where hub/web.py finds it once installed. An editable install leaves it
where it is: hub/web.py falls back to frontend/dist in a source checkout.
"""

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

WEB_DIST = Path(__file__).resolve().parent / "frontend" / "dist"


class BuildPyWithWebApp(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (WEB_DIST / "index.html").is_file():
            # A wheel without the web app still serves the API (the web app's page says it is not built).
            print(f"warning: {WEB_DIST} is not built; the wheel will not carry the web app", file=sys.stderr)
            return
        target = Path(self.build_lib) / "hub" / "webapp"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(WEB_DIST, target, ignore=shutil.ignore_patterns(".*"))


setup(cmdclass={"build_py": BuildPyWithWebApp})
