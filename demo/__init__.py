"""NOT PRODUCTION CODE: the demo survey, synthetic data files and the stand-in reduction program.

`manage.py load_demo` (`make run`) fills an empty portal with a believable survey; tests and bench
scripts use the same generators for files of known answer. Installed only when settings.DEMO is on
(default: DEBUG); no production app imports this package (import-linter contract in pyproject.toml).
"""
