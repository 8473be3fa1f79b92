"""The `tikscope` command line: thin Typer commands over the library."""
