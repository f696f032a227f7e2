"""The normative protocol (SPEC.md) and the conformance vectors, shipped as package data."""
