"""The technician's day (/stores/my-jobs)."""
