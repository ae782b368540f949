"""The index layer: select a fixing's inputs, one vote per provider, estimate, corrections policy. Pure."""
