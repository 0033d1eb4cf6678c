"""Dispatch board (派工) and the daily assignment log."""
