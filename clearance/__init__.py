"""Customs clearance for land border gates."""
