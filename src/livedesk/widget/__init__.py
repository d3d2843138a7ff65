"""The customer chat widget (`/widget/embed.js`), the demo page that embeds it and the index of
pages: static files served from the package, speaking the MIAW customer API like any client."""
