"""People: the one record per human (DESIGN law 12) and the one function that finds or creates it."""
