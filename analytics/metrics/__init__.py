"""Pure metrics: a cursor and parameters in, a DataFrame (or a dict of figures) out."""
