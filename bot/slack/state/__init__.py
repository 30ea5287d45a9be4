"""What the Slack bot remembers: event de-dupe, rate limits and feedback, in SQLite, memory or Redis."""
