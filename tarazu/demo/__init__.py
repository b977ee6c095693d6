"""The demo: a synthetic scenario family (``scenario``), the scoring of linking answers against
its truth (``evaluation``), and the pipeline that loads and checks a draw (``pipeline``), used
by ``tarazu demo``, ``tarazu scenario``, the tests and ``bench/scenario_family.py``."""
