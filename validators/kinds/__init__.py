"""Validator kinds, one package each (options, run, findings' wording, detection); no kind
imports another."""
