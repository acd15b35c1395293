"""The web application: a thin adapter over the same services as the command line (every
rule lives in a service; a page parses a form, calls one service, renders what it returns).
Flask 3 with Flask-WTF's CSRF protection and the GOV.UK Design System's Jinja macros,
CSS and JavaScript served from the package; nothing is fetched at run time."""

from datawash.web.app import create_app

__all__ = ["create_app"]
