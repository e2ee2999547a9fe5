"""The audit trail: who did what, when, from where, to which version; append-only."""
