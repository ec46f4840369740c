"""Judging generated code: requirement, accessibility and token checks, the strict
TypeScript check (a long-lived tsc server), and the HTML quality report."""
