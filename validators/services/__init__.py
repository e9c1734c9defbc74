"""Services validators need: started once per run, ready by a probe, stopped with their tree."""
