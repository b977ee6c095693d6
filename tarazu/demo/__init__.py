"""The demo: a synthetic scenario (``scenario``), the pipeline that loads and checks it
(``pipeline``), used by ``tarazu demo`` and the tests."""
