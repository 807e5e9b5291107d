"""The ways into contact-wfm: the ``wfm`` command line and (later) the Flask web app.

The libraries :mod:`forecasting` and :mod:`scheduling` hold all the logic; this package parses
input, calls them, writes files and renders.
"""
