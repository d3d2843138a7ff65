from livedesk.cli import app

app()
