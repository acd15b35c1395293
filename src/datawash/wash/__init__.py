"""Wash runs: screening the workforce against the national records extract."""
