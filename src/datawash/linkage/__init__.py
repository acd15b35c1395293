"""Record linkage of the workforce against the national extract, on Splink with DuckDB."""
