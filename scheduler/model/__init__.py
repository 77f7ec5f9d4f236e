"""The plain values that cross the layers: the plan, the plan as stored, occurrences, mails.

Pure code and the store both import these and nothing of each other: the store turns its rows
into these values, the pure core computes with them.
"""
