"""The Slack front end: the Bolt app, its listeners, the responder, Block Kit, text and the server."""
