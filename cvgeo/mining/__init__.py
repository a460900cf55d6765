"""Which views may serve as positives and negatives: geo neighbourhoods and triplet mining."""
