"""Interview booking: branch calendars from the database, seats, rebooking and outcomes."""
