"""Documents: uploads, the required documents for goods, and the checks an officer reads."""
