"""Reports for guide editors: knowledge gaps (what citizens asked that the assistant could not answer)
and ratings (评议) per guide over time."""
