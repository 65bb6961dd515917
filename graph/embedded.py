"""The embedded Neo4j: starts, stops and inspects the launcher in infra/neo4j.

The launcher prints one line, `READY bolt://HOST:PORT`, once Bolt accepts connections, keeps
its pid in `<data-dir>/launcher.pid`, and shuts down cleanly on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

REPO_ROOT = Path(__file__).resolve().parents[1]
LAUNCHER_DIR = REPO_ROOT / "infra" / "neo4j"
LAUNCHER_JAR = LAUNCHER_DIR / "target" / "sadarbe-neo4j-launcher.jar"
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


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


SignalHandler = Callable[[int, FrameType | None], object] | int


@contextmanager
def on_stop_signals(handler: SignalHandler) -> Iterator[None]:
    """SIGTERM and SIGINT handled by `handler` within the block, as before after it (in the main
    thread; elsewhere nothing changes: Python runs signal handlers in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler_before in previous.items():
            signal.signal(s, handler_before)


@contextmanager
def _stop_signals_deferred() -> Iterator[None]:
    """SIGTERM and SIGINT that arrive within the block are raised again after it, for the
    handlers in place (blocking them instead would leave them blocked in a child started here)."""
    arrived: list[int] = []
    try:
        with on_stop_signals(lambda signum, _: arrived.append(signum)):
            yield
    finally:
        for signum in arrived:
            signal.raise_signal(signum)


def terminate(process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """SIGTERM a launcher we started and wait for its clean shutdown; SIGKILL after `timeout_s`."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
        """Start the launcher and wait for READY.

        Either way it runs in its own session, so a Ctrl-C meant for its owner does not stop the
        database under requests the owner is still finishing: the owner stops it. `detach`
        (`hub db start`) lets it outlive the caller; otherwise it holds a pipe from the caller as
        stdin and stops when that closes, so it ends with its owner however the owner ends."""
        jar = build_launcher()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if (pid := self.running_pid()) is not None:
            raise EmbeddedError(f"a Neo4j launcher (pid {pid}) already runs on {self.data_dir}")
        process = None
        try:
            # A stop signal while Popen runs would leave a launcher started that nobody knows of.
            with _stop_signals_deferred():
                process = self._spawn(jar, detach)
            self._wait_ready(process, timeout_s)
        except BaseException:
            # Not ready, or the caller is being stopped while it waits: it is not left behind.
            if process is not None:
                terminate(process)
            raise
        return process

    def _spawn(self, jar: Path, detach: bool) -> subprocess.Popen[bytes]:
        with self.output_file.open("wb") as out:
            return subprocess.Popen(  # noqa: S603 - fixed argument list
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
                    *([] if detach else ["--stop-when-stdin-closes"]),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL if detach else subprocess.PIPE,
                env={**os.environ, "NEO4J_PASSWORD": self.password},
                start_new_session=True,
            )

    def _wait_ready(self, process: subprocess.Popen[bytes], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            output = self.output_file.read_text(errors="replace")
            if "READY bolt://" in output:
                return
            if process.poll() is not None:
                raise EmbeddedError(f"Neo4j exited with code {process.returncode}:\n{output.strip()}")
            time.sleep(0.2)
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
