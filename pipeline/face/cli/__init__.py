"""`cix`: the command line. Thin: every command calls the same pipeline functions the DAGs use.

Commands live in modules by group (`ingest`, `parsing`, `read`, `admin`, `sources`, `lake`); importing them registers
them on `app`; `main` runs it with errors as one line each.
"""

from pipeline.face.cli import admin, ingest, lake, parsing, read, sources
from pipeline.face.cli.common import app, main

__all__ = ["admin", "app", "ingest", "lake", "main", "parsing", "read", "sources"]
