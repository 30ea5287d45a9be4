"""Shared test helpers: a fake Slack Web API, real servers started by tests, index audits, fakes."""
