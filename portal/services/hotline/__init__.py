"""Hotline (400热线): calls, the caller card, callbacks, complaints, contact letters."""
