"""Org configuration: the YAML org file, its validation and applying it to the database."""
