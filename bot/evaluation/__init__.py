"""Scripted Q&A evaluation: case files, scoring, runs, comparisons and reports."""

from bot.evaluation.cases import Case, CaseError, CaseFile, Expect, load_case_file, load_case_files
from bot.evaluation.scoring import CaseResult, compute_metrics, contains_normalised, normalise, score_case

__all__ = [
    "Case",
    "CaseError",
    "CaseFile",
    "CaseResult",
    "Expect",
    "compute_metrics",
    "contains_normalised",
    "load_case_file",
    "load_case_files",
    "normalise",
    "score_case",
]
