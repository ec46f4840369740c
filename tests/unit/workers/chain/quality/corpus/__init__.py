"""A corpus for the code policy: hostile components it must refuse, benign ones it must pass."""
