"""Synthetic Ma Lù Thàng traffic: a tool that stands above the service and calls it."""
