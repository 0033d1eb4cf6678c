"""Goods taken in for repair (带回维修): receipt, register, repair card, return."""
