"""The applicant's web pages (server-rendered, Bahasa Indonesia first)."""
