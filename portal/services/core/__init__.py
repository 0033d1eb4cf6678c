"""Core: the workflow engine, unit of work, audit, numbering, duties, master data."""
