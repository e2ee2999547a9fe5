"""Reports computed from the database: the WCO Time Release Study of clearance time."""
