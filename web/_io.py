"""Deprecated home of the atomic writer: it lives in :mod:`wfmcore.io`.

Kept only for ``web/pipeline.py`` and ``web/cli/_roster.py``, which are being rewritten
elsewhere; import from :mod:`wfmcore.io` instead. Delete this module once they do.
"""

from wfmcore.io import atomic_open, write_csv, write_text

__all__ = ["atomic_open", "write_csv", "write_text"]
