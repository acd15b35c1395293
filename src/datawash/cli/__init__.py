"""Command-line adapters: parse arguments, call one service, print the result."""
