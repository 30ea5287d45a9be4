"""newsbot's prompt templates, shipped as package data and read with ``importlib.resources``."""
