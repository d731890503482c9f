"""Payouts: created at approval, sent exactly once through the outbox and a bank gateway."""
