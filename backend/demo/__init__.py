"""Demo data: a generated journal (generator) and an account that holds it (account)."""
