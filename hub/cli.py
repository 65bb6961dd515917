"""`hub`: the project's command line: serve, manage the embedded Neo4j, seed, import, schema."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Literal, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress

from graph import migrations
from graph.driver import Graph
from graph.embedded import EmbeddedError, EmbeddedNeo4j, on_stop_signals, terminate
from graph.errors import ImportRejected
from hub import __version__
from hub.app import connect
from hub.config import Settings, UnsafeConfiguration, get_settings

T = TypeVar("T")
app = typer.Typer(help="Sadarbe hub: cross-institution project teams.", no_args_is_help=True)
db_app = typer.Typer(help="The embedded Neo4j (used when NEO4J_URI is not set).", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console(stderr=True)

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def _print_version(value: bool) -> None:
    if value:
        print(f"sadarbe {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


def embedded(settings: Settings) -> EmbeddedNeo4j:
    return EmbeddedNeo4j(
        data_dir=settings.embedded_data_dir.resolve(),
        port=settings.embedded_bolt_port,
        password=settings.neo4j_password.get_secret_value(),
        heap=settings.embedded_heap,
        pagecache=settings.embedded_pagecache,
    )


def with_graph(settings: Settings, work: Callable[[Graph], Awaitable[T]]) -> T:
    async def main() -> T:
        graph = connect(settings)
        try:
            return await work(graph)
        finally:
            await graph.close()

    return asyncio.run(main())


@contextmanager
def neo4j_running(settings: Settings) -> Iterator[None]:
    """Start the embedded Neo4j for the duration of a command, unless one is already up or
    external; it is stopped when the command ends, by a signal too.

    SIGTERM and SIGINT end the command by unwinding it, so this `finally` runs. SIGTERM's default
    would end the process on the spot: before uvicorn serves, and again after, because uvicorn
    (which handles both while it serves, shutting down gracefully) raises the signal once more
    when it is done."""
    with on_stop_signals(_stop):
        if not settings.embedded or embedded(settings).running_pid() is not None:
            yield
            return
        console.print(f"starting the embedded Neo4j on {settings.effective_neo4j_uri} …")
        try:
            process = embedded(settings).start()
        except EmbeddedError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        try:
            yield
        finally:
            console.print("stopping the embedded Neo4j …")
            with on_stop_signals(signal.SIG_IGN):  # a second Ctrl-C must not cut its clean shutdown short
                terminate(process)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # the shell's code for "ended by signal N", after cleaning up


@contextmanager
def mail_sink_running(settings: Settings) -> Iterator[None]:
    """With HUB_MAIL_SINK (development, `make run`): the mail sink, for the hub's e-mail."""
    if not settings.mail_sink:
        yield
        return
    from hub.mail import sink

    directory = (settings.data_dir / "mail").resolve()
    try:
        controller = sink.start(directory, settings.mail_sink_port)
    except OSError as exc:  # the port is taken, e.g. by `hub mailsink` or another hub's sink
        console.print(f"[yellow]mail sink not started on 127.0.0.1:{settings.mail_sink_port}: {exc}[/yellow]")
        yield
        return
    console.print(f"mail sink on 127.0.0.1:{settings.mail_sink_port}: the hub's e-mail lands in {directory}")
    try:
        yield
    finally:
        controller.stop()


def _settings() -> Settings:
    try:
        settings = get_settings()
        settings.check_production()
    except UnsafeConfiguration as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    return settings


async def _prepare(graph: Graph, settings: Settings, seed: bool) -> None:
    applied = await migrations.migrate(graph)
    if applied:
        console.print(f"applied schema migrations {applied}")
    if seed:
        from graph.seed import demo

        if await demo.is_empty(graph):
            await _seed(graph, settings.seed_demo_people, 1)


async def _seed(graph: Graph, people: int, seed: int) -> None:
    from graph.seed import demo

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("loading demo data", total=None)
        summary = await demo.load_demo(
            graph,
            people=people,
            seed=seed,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    nodes = ", ".join(f"{count} {label}" for label, count in summary.nodes.items())
    console.print(f"demo data loaded in {summary.seconds:.1f} s: {nodes}")
    for role, email in summary.demo_users.items():
        console.print(f"  demo {role}: {email}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default HUB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default HUB_PORT).")] = None,
    seed: Annotated[bool, typer.Option(help="Load demo data when the database is empty.")] = True,
) -> None:
    """Serve the hub; starts the embedded Neo4j first when NEO4J_URI is not set."""
    import uvicorn

    from hub.api.trusted_documents import ManifestError
    from hub.app import create_app
    from hub.live.internals import BoundedCloseWebSocketProtocol

    settings = _settings().model_copy(
        update={"host": host or get_settings().host, "port": port or get_settings().port}
    )
    try:  # before Neo4j starts: an unusable trusted-documents manifest stops the hub at once
        application = create_app(settings)
    except ManifestError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    with neo4j_running(settings), mail_sink_running(settings):
        with_graph(settings, lambda g: _prepare(g, settings, seed and not settings.production))
        console.print(f"hub on http://{host or settings.host}:{port or settings.port}  (GraphQL at /graphql)")
        uvicorn.run(
            application,
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level,
            timeout_graceful_shutdown=5,
            ws=BoundedCloseWebSocketProtocol,  # ends connections whose peer stopped reading
            ws_max_size=settings.ws_max_message_bytes,
            ws_per_message_deflate=settings.ws_compression,  # a bigger message closes the socket (1009)
            ws_ping_interval=settings.ws_ping_interval_s,
            ws_ping_timeout=settings.ws_ping_interval_s,
        )


@app.command("token")
def token_command(
    user: Annotated[str, typer.Option("--user", help="The demo user's email.")],
    port: Annotated[
        int | None, typer.Option(help="The hub's port, if not HUB_PORT (the issuer names it).")
    ] = None,
) -> None:
    """Print an API token for a person (development mode only), for scripts: `Authorization: Bearer …`."""
    from graph import identity
    from hub.auth import keys

    settings = _settings()
    if port:
        settings = settings.model_copy(update={"port": port})
    if settings.production or not settings.dev_provider:
        console.print(
            "[red]hub token works only in development mode with the built-in identity provider[/red]"
        )
        raise typer.Exit(2)
    email = user.strip().lower()
    with neo4j_running(settings):
        person_id = with_graph(settings, lambda g: identity.person_id_for_email(g, email))
    if person_id is None and email not in settings.bootstrap_admins:
        console.print(f"[red]no person with email {email!r}[/red]")
        raise typer.Exit(1)
    # The subject the development provider's sign-in page gives the same account.
    print(keys.access_token(settings, email=email, subject=person_id or keys.dev_subject(email)))


@db_app.command("start")
def db_start() -> None:
    """Start the embedded Neo4j in the background."""
    settings = _settings()
    neo4j = embedded(settings)
    if (pid := neo4j.running_pid()) is not None:
        console.print(f"already running (pid {pid}) on {neo4j.uri}")
        return
    try:
        neo4j.start(detach=True)
    except EmbeddedError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Neo4j running (pid {neo4j.running_pid()}) on {neo4j.uri}, data in {neo4j.data_dir}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded Neo4j."""
    stopped = embedded(_settings()).stop()
    console.print("stopped" if stopped else "not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the embedded Neo4j runs, and which server the hub would use."""
    settings = _settings()
    if not settings.embedded:
        console.print(f"external Neo4j: {settings.neo4j_uri}")
    neo4j = embedded(settings)
    pid = neo4j.running_pid()
    console.print(
        f"embedded: {'running, pid ' + str(pid) if pid else 'stopped'} ({neo4j.uri}, {neo4j.data_dir})"
    )
    if pid is None and settings.embedded:
        raise typer.Exit(3)


@app.command()
def migrate() -> None:
    """Apply the graph schema migrations."""
    settings = _settings()
    with neo4j_running(settings):
        applied = with_graph(settings, migrations.migrate)
    console.print(f"applied {applied}" if applied else f"schema is at version {migrations.LATEST_VERSION}")


@app.command("prune-activity")
def prune_activity() -> None:
    """Delete activities older than HUB_ACTIVITY_RETENTION_DAYS (run daily, e.g. from cron).

    Live subscribers holding a cursor from before the pruned range get RESYNC_REQUIRED."""
    from datetime import UTC, datetime, timedelta

    from graph import activity

    settings = _settings()
    cutoff = datetime.now(UTC) - timedelta(days=settings.activity_retention_days)
    with neo4j_running(settings):
        pruned = with_graph(settings, lambda g: activity.prune(g, cutoff))
    console.print(f"pruned {pruned} activities recorded before {cutoff:%Y-%m-%d %H:%M} UTC")


@app.command("jobs")
def jobs_command(
    force: Annotated[
        list[str] | None, typer.Option("--force", help="Also run this job now, due or not (repeatable).")
    ] = None,
    list_only: Annotated[bool, typer.Option("--list", help="List the jobs and their last runs.")] = False,
) -> None:
    """Run the timed jobs that are due, once (for a CronJob, or by hand), holding the same lease
    as the hubs' own runners, so never at the same time as one of them."""
    from graph import jobs as job_runs
    from hub.jobs import registry
    from hub.jobs.runner import JobRunner

    settings = _settings()
    known = registry.jobs(settings)
    unknown = set(force or []) - {job.name for job in known}
    if unknown:
        console.print(f"[red]no such job: {', '.join(sorted(unknown))}[/red] (see hub jobs --list)")
        raise typer.Exit(2)

    async def work(graph: Graph) -> list[tuple[str, str, str]] | None:
        await migrations.migrate(graph)
        if list_only:
            runs = await job_runs.last_runs(graph)
            for job in known:
                last = runs.get(job.name)
                when = (
                    f"last {last['lastOutcome']} at {last['lastStartedAt']:%Y-%m-%d %H:%M:%S} UTC"
                    if last
                    else "never run"
                )
                print(f"{job.name:24} {job.schedule.describe():32} {when}  — {job.description}")
            return []
        return await JobRunner(graph, settings, known).run_once(force or [])

    with neo4j_running(settings):
        done = with_graph(settings, work)
    if done is None:
        console.print("another runner holds the jobs lease: nothing run")
        return
    for name, outcome, summary in done:
        print(f"{name}: {outcome} {summary}")
    if any(outcome != "OK" for _, outcome, _ in done):
        raise typer.Exit(1)


@app.command("mailsink")
def mailsink_command(
    port: Annotated[int | None, typer.Option(help="Port (default HUB_MAIL_SINK_PORT).")] = None,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where .eml files go (HUB_DATA_DIR/mail).")
    ] = None,
) -> None:
    """A development SMTP server that writes every message it receives to an .eml file."""
    import time

    settings = _settings()
    if settings.production:
        console.print("[red]the mail sink is for development only[/red]")
        raise typer.Exit(2)
    from hub.mail import sink

    where = (directory or settings.data_dir / "mail").resolve()
    controller = sink.start(where, port or settings.mail_sink_port)
    console.print(
        f"mail sink on 127.0.0.1:{port or settings.mail_sink_port}, writing to {where} (Ctrl-C stops)"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@app.command("seed")
def seed_command(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo data set.")] = False,
    people: Annotated[int, typer.Option(min=0, max=100_000, help="Synthetic people to generate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 1,
) -> None:
    """Load demo data (idempotent: re-running does not duplicate)."""
    if not demo:
        console.print("nothing to do: pass --demo")
        raise typer.Exit(2)
    settings = _settings()

    async def work(graph: Graph) -> None:
        await migrations.migrate(graph)
        await _seed(graph, people, seed)

    with neo4j_running(settings):
        with_graph(settings, work)


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .csv or .json file.")],
    kind: Annotated[str, typer.Option(help="institutions or people")] = "people",
) -> None:
    """Import institutions or people; every row is checked first and nothing is written if any is bad."""
    from graph import importer

    if kind not in ("institutions", "people"):
        console.print("--kind must be institutions or people")
        raise typer.Exit(2)
    settings = _settings()
    target: Literal["institutions", "people"] = "people" if kind == "people" else "institutions"

    async def work(graph: Graph) -> importer.ImportSummary:
        await migrations.migrate(graph)
        return await importer.import_file(graph, file, target)

    with neo4j_running(settings):
        try:
            summary = with_graph(settings, work)
        except ImportRejected as exc:
            # CSV rows are physical line numbers; JSON rows are 1-based item numbers; 0 is the whole file.
            unit = "item " if file.suffix.lower() == ".json" else ""
            for row in exc.errors:
                where = f"{file}:{unit}{row.line}" if row.line else str(file)
                console.print(f"{where}: {row.problem}")
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc
    console.print(
        f"imported {summary.rows} {summary.kind}: {summary.created} created, {summary.updated} updated"
    )


@app.command("schema")
def schema_command(
    check: Annotated[bool, typer.Option("--check", help="Fail if schema.graphql is out of date.")] = False,
) -> None:
    """Write the GraphQL SDL to schema.graphql (or check that it is current)."""
    from hub.api.schema import schema

    sdl = str(schema) + "\n"
    if check:
        if SCHEMA_FILE.read_text() != sdl:
            console.print("schema.graphql is out of date: run `hub schema`")
            raise typer.Exit(1)
        console.print("schema.graphql is current")
        return
    SCHEMA_FILE.write_text(sdl)
    console.print(f"wrote {SCHEMA_FILE}")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())


if __name__ == "__main__":
    main()
