"""Duties and payment: the tariff, each declaration's assessment, bank notices, guarantees."""
