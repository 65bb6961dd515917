"""Reference data (real institutions, plan directions, issues) and the synthetic demo population."""
