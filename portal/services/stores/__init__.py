"""Branch stores (门店): reception, estimates, approvals, dispatch, appointments, goods in."""
