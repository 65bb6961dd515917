"""`python -m hub`: the same command line as `hub`."""

from hub.cli import app

app(prog_name="hub")
