"""Synthetic cross-view pairs: procedural aerial tiles and the panoramas seen from their centres."""
