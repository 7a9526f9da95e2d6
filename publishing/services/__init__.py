"""Every state change, written once, called alike from views, the API and jobs."""
