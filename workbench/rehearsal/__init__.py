"""The rehearsal layer: the four-phase migration run under load, faults and rollbacks."""
