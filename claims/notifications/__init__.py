"""Applicant notifications: templates in Bahasa Indonesia and English, and their senders."""
