"""Service tickets (报修单): the Z1/Z2 workflow table, lifecycle verbs, read-only queries."""
