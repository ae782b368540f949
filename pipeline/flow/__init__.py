"""The pipeline's steps (ingest, fix, publish, settle, backfill), used by the CLI, the DAGs and verify alike."""
