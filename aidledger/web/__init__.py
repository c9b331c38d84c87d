"""The web application and its JSON API (docs/web.md): pages in Chinese rendered on the server, as thin as the CLI.

Each route parses its input, checks who is asking (access.py), calls the same service the CLI calls and renders
the result; no rule is implemented twice.
"""
