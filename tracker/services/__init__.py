"""The service layer: functions that take a session and return plain data.

The CLI parses and renders; everything it records or reads goes through here,
so a rule is written once whichever command (or the importer) applies it.
"""
