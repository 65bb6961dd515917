"""The embedded Neo4j: starts, stops and inspects the launcher in infra/neo4j.

The launcher prints one line, `READY bolt://HOST:PORT`, once Bolt accepts connections, keeps
its pid in `<data-dir>/launcher.pid`, and shuts down cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LAUNCHER_DIR = REPO_ROOT / "infra" / "neo4j"
LAUNCHER_JAR = LAUNCHER_DIR / "target" / "sadarbe-neo4j-launcher.jar"


class EmbeddedError(RuntimeError):
    pass


def build_launcher(force: bool = False) -> Path:
    """Build the launcher jar with Maven unless it is already built."""
    if LAUNCHER_JAR.exists() and not force:
        return LAUNCHER_JAR
    result = subprocess.run(  # noqa: S603 - fixed argument list
        ["mvn", "-q", "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "-DskipTests", "package"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not LAUNCHER_JAR.exists():
        raise EmbeddedError(f"building the Neo4j launcher failed:\n{result.stdout}\n{result.stderr}")
    return LAUNCHER_JAR


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class EmbeddedNeo4j:
    data_dir: Path
    port: int
    password: str
    heap: str = "1g"
    pagecache: str = "512m"
    host: str = "127.0.0.1"

    @property
    def uri(self) -> str:
        return f"bolt://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "launcher.pid"

    @property
    def output_file(self) -> Path:
        return self.data_dir / "launcher.out"

    def running_pid(self) -> int | None:
        """The pid of a launcher that owns this data directory, if one is running."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) else None

    def start(self, *, detach: bool = False, timeout_s: float = 180) -> subprocess.Popen[bytes]:
        """Start the launcher and wait for READY. `detach` puts it in its own session (`hub db start`)."""
        jar = build_launcher()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if (pid := self.running_pid()) is not None:
            raise EmbeddedError(f"a Neo4j launcher (pid {pid}) already runs on {self.data_dir}")
        with self.output_file.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - fixed argument list
                [  # noqa: S607
                    "java",
                    f"-Xmx{self.heap}",
                    "-XX:+UseG1GC",
                    "-jar",
                    str(jar),
                    "--data-dir",
                    str(self.data_dir),
                    "--bolt-address",
                    f"{self.host}:{self.port}",
                    "--pagecache",
                    self.pagecache,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "NEO4J_PASSWORD": self.password},
                start_new_session=detach,
            )
        self._wait_ready(process, timeout_s)
        return process

    def _wait_ready(self, process: subprocess.Popen[bytes], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            output = self.output_file.read_text(errors="replace")
            if "READY bolt://" in output:
                return
            if process.poll() is not None:
                raise EmbeddedError(f"Neo4j exited with code {process.returncode}:\n{output.strip()}")
            time.sleep(0.2)
        process.terminate()
        raise EmbeddedError(f"Neo4j did not become ready within {timeout_s:.0f} s (see {self.output_file})")

    def stop(self, timeout_s: float = 60) -> bool:
        """SIGTERM the running launcher and wait for it to exit. False when none was running."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        return True
