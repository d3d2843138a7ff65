"""Records: rows of business objects (Case, Contact, custom objects of the org file)."""
