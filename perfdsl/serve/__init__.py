"""``perfdsl serve``: a local web workbench (rule editor, facts form, scores and traces) on the library API.

``workspace.py`` holds what the page works on (rule files, facts) and calls the library; ``form.py`` turns
the declared facts into the form's description; ``app.py`` is the ASGI app with its safety checks.
"""
