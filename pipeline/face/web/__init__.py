"""The HTTP face: problem details, conditional requests, the cached read path, documentation and index pages."""
