"""Scheduled jobs of this module (registered with claims.jobs.registry.register_job)."""
