"""Lab: small helpers around model loading and serving."""
