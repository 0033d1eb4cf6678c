"""Warehouse (仓库): parts, stock ledger, requisitions, counts, returns, damage, KPIs."""
