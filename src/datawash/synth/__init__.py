"""Synthetic forces, national extracts and misconduct registers for tests, demo and bench."""

from datawash.synth.generator import SynthSummary, generate

__all__ = ["SynthSummary", "generate"]
