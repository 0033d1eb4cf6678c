"""Quality (质检): installation checks, sign-off or rework, handover, quality review."""
