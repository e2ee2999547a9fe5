"""The officer pages: HTML for people, from the same services as the JSON API."""
