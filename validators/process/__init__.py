"""Child processes: running them in their own group with streamed output, and ending whole
process trees."""
