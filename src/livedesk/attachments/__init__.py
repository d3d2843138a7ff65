"""Attachments both ways: upload (streamed, checked by content), storage, download."""
