"""RQ job entry points and worker start-up."""
