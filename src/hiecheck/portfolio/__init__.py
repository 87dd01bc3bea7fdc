"""Portfolio runs: many organization files checked through the one pipeline, one row per
organization and role, roll-ups per program and role, and what changed since a previous run.

``model`` (the pydantic :class:`~hiecheck.portfolio.model.Portfolio`), ``inputs`` (files and
folders → keyed organization files), ``summarize`` (a check report → its rows), ``rollup``,
``run`` (the parallel run), ``compare`` (previous vs current) hold values only; the ``render_*``
modules turn a portfolio into words, and ``cli`` is the command's face.
"""
