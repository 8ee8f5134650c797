"""tracker: hold public forecasts to account."""

__version__ = "0.1.0"
