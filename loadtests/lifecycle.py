"""What the locust scenario knows of a declaration's life, as the API spells its states.

Copied, not imported: the state machine would load the service's metrics into locust. A test
pins them to clearance.declarations.states.
"""

# A trader may amend from these: states.BEFORE_DECISION.
AMENDABLE_STATES = frozenset(
    {"lodged", "screening", "assessed", "document_check", "inspection", "held"}
)
# After these a trader stops polling: nothing more will happen without an officer.
SETTLED_STATES = frozenset({"released", "exited", "seized", "cancelled"})
