"""Reports: each session's figures (wait, first response, handle time, CSAT…) and summaries of
them, as defined once in docs/reports.md."""
