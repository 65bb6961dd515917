"""The timed jobs: what runs when (registry.py), their schedules (schedule.py), and the runner that
holds the lease in Neo4j so one process at a time runs them, however many hub replicas there are
(runner.py). `hub jobs` runs the due jobs once from the command line."""
