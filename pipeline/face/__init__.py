"""The faces people use: the `cix` command line, the read-only HTTP API and web page, the HTML report."""
