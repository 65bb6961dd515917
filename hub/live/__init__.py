"""Live activity: committed Activity events fanned out to GraphQL subscriptions, in seq order."""
