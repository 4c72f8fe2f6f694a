"""What the clinic's records say: each session's key measures, a person's trends and four-week
retest, a session's review (pure logic, no Qt)."""
