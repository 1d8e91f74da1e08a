"""Root pytest configuration: headless plotting for the tests and the docstring examples."""

import matplotlib

matplotlib.use("Agg")
