"""Linear regions: exact pieces of ReLU networks, region counts and the constructions that attain them."""
