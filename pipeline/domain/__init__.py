"""The records that flow through the pipeline, their frame schemas, and the one serialiser."""
