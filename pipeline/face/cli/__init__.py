"""`cix`: the command line. Thin: every command calls the same pipeline functions the DAGs use.

Commands live in modules by group (`ingest`, `read`, `admin`); importing them registers them on `app`.
"""

from pipeline.face.cli import admin, ingest, read
from pipeline.face.cli.common import app

__all__ = ["admin", "app", "ingest", "read"]

if __name__ == "__main__":
    app()
