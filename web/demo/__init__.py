"""The demo center: its files (``data/`` in the repository, packaged inside the wheel) and the
seeded generator of its history and agents (:mod:`web.demo.synthetic`)."""
