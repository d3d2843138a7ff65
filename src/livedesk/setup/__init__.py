"""The org file as a whole: its schema (each section's models live with `orgs.schemas`, flows with
`flows.definition`), loading and validating it, and applying it (`livedesk apply`)."""
