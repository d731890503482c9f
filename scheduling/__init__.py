"""Interview scheduling and service-level rules, plain Python with explicit `now`: branch
calendars (calendar), slots and seats (slots), video links (video), timing rules (policy)
and the SLA clock (sla).
"""
