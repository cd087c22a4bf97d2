"""Issues in progress: batches of items drafted together, their review, and the round trip through Word."""
