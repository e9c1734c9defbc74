"""Static import analysis of Python code: which first-party modules a program will import."""
