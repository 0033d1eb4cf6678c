"""Appointments (预约): book, reschedule, no-show follow-up."""
