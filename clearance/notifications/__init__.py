"""Push notifications to traders: subscriptions, the outbox, signed delivery and the pull queue."""
