"""Claim casework: creating claims, firing the workflow, the audit trail, and the views."""
