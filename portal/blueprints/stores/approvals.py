"""Supervisor approval queue (设备更新信息审核)."""
